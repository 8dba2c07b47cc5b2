"""The KMS provider interface: wrap and unwrap per-record data keys under a key-encryption key.

A provider never sees plaintext records, only 256-bit data keys. The local provider keeps
its keys in a file or the environment; a cloud KMS (AWS KMS `Encrypt`/`Decrypt`) or
Vault transit (`transit/encrypt/<name>`) fits the same three calls, with the key name as
`key_id` and the key version it reports as `key_version`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Protocol

from domain.errors import DomainError, Unavailable


@dataclass(frozen=True, slots=True)
class KeyRef:
    """One version of one key-encryption key."""

    key_id: str
    key_version: int


@dataclass(frozen=True, slots=True)
class WrappedKey:
    """A data key encrypted under `key_id`/`key_version`; opaque bytes."""

    key_id: str
    key_version: int
    ciphertext: bytes


class KmsProvider(Protocol):
    """What the PII envelopes need from a KMS.

    `context` is bound to the wrapped key (AES-GCM associated data, or a KMS encryption
    context), so a wrapped key copied onto another record does not unwrap.
    """

    name: str

    async def current_key(self) -> KeyRef:
        """The key version new envelopes are wrapped under."""
        ...

    async def wrap(self, data_key: bytes, *, context: Mapping[str, str]) -> WrappedKey:
        """Encrypt `data_key` under the current key version."""
        ...

    async def unwrap(self, wrapped: WrappedKey, *, context: Mapping[str, str]) -> bytes:
        """Decrypt a data key wrapped under any version this provider still holds."""
        ...


class KmsUnavailable(Unavailable):
    """No key material could be loaded (missing file, malformed key): 503 for callers."""

    def __init__(self, message: str) -> None:
        super().__init__("kms_unavailable", message)


class KmsKeyError(DomainError):
    """A wrapped key names a version the provider lacks, or fails authentication."""

    status = 500

    def __init__(self, code: str, message: str, **details: object) -> None:
        super().__init__(code, message, **details)
