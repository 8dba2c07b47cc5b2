"""Temporal workflows, one module per business process."""
