"""Idempotency-Key records: one stored response per (principal, key), replayed until expiry."""
