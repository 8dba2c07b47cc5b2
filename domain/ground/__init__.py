"""Ground: vehicles, drivers and dispatches with their legs, passengers, checkpoints, events."""
