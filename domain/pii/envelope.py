"""Envelope encryption of one record: AES-256-GCM under a fresh data key, wrapped by a KMS.

The context (record kind and traveller id) is bound to both the ciphertext and the
wrapped key, so an envelope copied onto another traveller fails to open.
"""

from __future__ import annotations

import base64
import json
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from adapters.kms.base import KmsKeyError, KmsProvider, WrappedKey

ALGORITHM = "AES-256-GCM"
FORMAT_VERSION = 1


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def _aad(context: Mapping[str, str]) -> bytes:
    return json.dumps(dict(sorted(context.items())), separators=(",", ":")).encode()


@dataclass(frozen=True, slots=True)
class Envelope:
    """A sealed record as stored (JSON) and the key version that wraps its data key."""

    kms: str
    key_id: str
    key_version: int
    wrapped_key: bytes
    nonce: bytes
    ciphertext: bytes

    def to_json(self) -> dict[str, Any]:
        """The stored form."""
        return {
            "v": FORMAT_VERSION,
            "alg": ALGORITHM,
            "kms": self.kms,
            "key_id": self.key_id,
            "key_version": self.key_version,
            "wrapped_key": _b64(self.wrapped_key),
            "nonce": _b64(self.nonce),
            "ciphertext": _b64(self.ciphertext),
        }

    @classmethod
    def from_json(cls, raw: Mapping[str, Any]) -> Envelope:
        """Parse the stored form."""
        if raw.get("v") != FORMAT_VERSION or raw.get("alg") != ALGORITHM:
            raise KmsKeyError("envelope_unsupported", "unsupported envelope format")
        return cls(
            kms=str(raw["kms"]),
            key_id=str(raw["key_id"]),
            key_version=int(raw["key_version"]),
            wrapped_key=base64.b64decode(raw["wrapped_key"]),
            nonce=base64.b64decode(raw["nonce"]),
            ciphertext=base64.b64decode(raw["ciphertext"]),
        )

    @property
    def wrapped(self) -> WrappedKey:
        """The wrapped data key as the KMS sees it."""
        return WrappedKey(self.key_id, self.key_version, self.wrapped_key)


async def seal(
    kms: KmsProvider, payload: Mapping[str, Any], *, context: Mapping[str, str]
) -> Envelope:
    """Encrypt `payload` (JSON-serialisable) under a new data key."""
    data_key = AESGCM.generate_key(bit_length=256)
    nonce = secrets.token_bytes(12)
    plaintext = json.dumps(payload, separators=(",", ":"), sort_keys=True).encode()
    ciphertext = AESGCM(data_key).encrypt(nonce, plaintext, _aad(context))
    wrapped = await kms.wrap(data_key, context=context)
    return Envelope(
        kms=kms.name,
        key_id=wrapped.key_id,
        key_version=wrapped.key_version,
        wrapped_key=wrapped.ciphertext,
        nonce=nonce,
        ciphertext=ciphertext,
    )


async def open_envelope(
    kms: KmsProvider, envelope: Envelope, *, context: Mapping[str, str]
) -> dict[str, Any]:
    """Decrypt an envelope sealed with the same context."""
    data_key = await kms.unwrap(envelope.wrapped, context=context)
    try:
        plaintext = AESGCM(data_key).decrypt(envelope.nonce, envelope.ciphertext, _aad(context))
    except InvalidTag as exc:
        raise KmsKeyError("envelope_corrupt", "an envelope failed authentication") from exc
    payload: dict[str, Any] = json.loads(plaintext)
    return payload


async def rewrap(kms: KmsProvider, envelope: Envelope, *, context: Mapping[str, str]) -> Envelope:
    """The same ciphertext with its data key re-wrapped under the current key version."""
    data_key = await kms.unwrap(envelope.wrapped, context=context)
    wrapped = await kms.wrap(data_key, context=context)
    return Envelope(
        kms=kms.name,
        key_id=wrapped.key_id,
        key_version=wrapped.key_version,
        wrapped_key=wrapped.ciphertext,
        nonce=envelope.nonce,
        ciphertext=envelope.ciphertext,
    )
