"""Channel reconciliation: compare a channel's report with local channel bookings."""
