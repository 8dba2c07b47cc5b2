"""Payment starters (the seam processors plug into) and the simulated card processor."""
