"""Channel settlement: what is owed to or from a channel for a period, approved and posted."""
