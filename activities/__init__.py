"""Temporal activities: each owns its own unit of work."""
