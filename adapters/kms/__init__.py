"""KMS providers for traveller-PII envelopes, and the one chosen by settings."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from adapters.kms.base import KeyRef, KmsKeyError, KmsProvider, KmsUnavailable, WrappedKey
from adapters.kms.local import LocalKmsProvider
from tourflow.settings import Settings

__all__ = [
    "KeyRef",
    "KmsKeyError",
    "KmsProvider",
    "KmsUnavailable",
    "LocalKmsProvider",
    "WrappedKey",
    "provider_for",
]


@lru_cache(maxsize=32)
def _local(text: str | None, path: Path | None) -> LocalKmsProvider:
    return LocalKmsProvider(text=text) if text is not None else LocalKmsProvider(path=path)


def provider_for(settings: Settings) -> KmsProvider:
    """The configured provider: an inline TOURFLOW_KMS_KEY wins over the key file."""
    if settings.kms_key:
        return _local(settings.kms_key, None)
    return _local(None, settings.resolved_kms_key_file)
