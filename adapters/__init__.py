"""Clients of external providers (KMS, ...), each behind a small interface."""
