"""Traveller PII: KMS-enveloped travel details, their audit trail and key rotation."""
