"""Reservation plans: what the reserve workflow secured (or failed to), line by line."""
