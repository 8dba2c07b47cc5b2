"""The local KMS provider: key-encryption keys from a keyring file or the environment.

Keyring formats (the same for TOURFLOW_KMS_KEY and the key file):
- a bare base64 256-bit key, as `tourflow up` writes it: key id "local", version 1;
- JSON `{"key_id": "local", "current": 2, "versions": {"1": "<b64>", "2": "<b64>"}}`.

Rotation adds a version and makes it current; older versions stay readable until
`tourflow pii rewrap` has moved every envelope off them. A running process re-reads the
file when it changes, so rotation needs no restart.
"""

from __future__ import annotations

import base64
import binascii
import json
import os
import secrets
import threading
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from adapters.kms.base import KeyRef, KmsKeyError, KmsUnavailable, WrappedKey

DEFAULT_KEY_ID = "local"
_NONCE = 12


@dataclass(frozen=True)
class Keyring:
    """Versions of one key-encryption key, and which one wraps new data keys."""

    key_id: str
    current: int
    versions: dict[int, bytes] = field(default_factory=dict)

    def with_new_version(self, key: bytes | None = None) -> Keyring:
        """A keyring with one more version (random unless given), made current."""
        version = max(self.versions, default=0) + 1
        versions = {**self.versions, version: key or secrets.token_bytes(32)}
        return Keyring(self.key_id, version, versions)

    def render(self) -> str:
        """The JSON form, for the keyring file."""
        versions = {str(v): base64.b64encode(k).decode() for v, k in sorted(self.versions.items())}
        return json.dumps({"key_id": self.key_id, "current": self.current, "versions": versions})


def _key(encoded: str, where: str) -> bytes:
    try:
        key = base64.b64decode(encoded.strip(), validate=True)
    except (binascii.Error, ValueError) as exc:
        raise KmsUnavailable(f"{where} is not base64") from exc
    if len(key) != 32:
        raise KmsUnavailable(f"{where} must be a 256-bit key (32 bytes), got {len(key)} bytes")
    return key


def parse_keyring(text: str) -> Keyring:
    """Read either keyring format; raises `KmsUnavailable` on anything malformed."""
    text = text.strip()
    if not text.startswith("{"):
        return Keyring(DEFAULT_KEY_ID, 1, {1: _key(text, "the KMS key")})
    try:
        raw = json.loads(text)
        versions = {int(v): _key(k, f"key version {v}") for v, k in raw["versions"].items()}
        keyring = Keyring(str(raw.get("key_id") or DEFAULT_KEY_ID), int(raw["current"]), versions)
    except (ValueError, KeyError, TypeError, AttributeError) as exc:
        raise KmsUnavailable(f"the KMS keyring is malformed ({exc})") from exc
    if keyring.current not in keyring.versions:
        raise KmsUnavailable(f"the KMS keyring has no current version {keyring.current}")
    return keyring


def write_keyring(path: Path, keyring: Keyring) -> None:
    """Replace the keyring file atomically, readable by its owner only."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{secrets.token_hex(4)}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(keyring.render() + "\n")
    os.replace(tmp, path)


def rotate_keyring_file(path: Path) -> KeyRef:
    """Add a fresh key version to the keyring file and make it current."""
    if not path.exists():
        raise KmsUnavailable(f"no KMS key file at {path}")
    rotated = parse_keyring(path.read_text()).with_new_version()
    write_keyring(path, rotated)
    return KeyRef(rotated.key_id, rotated.current)


def _aad(key_id: str, version: int, context: Mapping[str, str]) -> bytes:
    return json.dumps(
        {"key_id": key_id, "key_version": version, "context": dict(sorted(context.items()))},
        separators=(",", ":"),
    ).encode()


class LocalKmsProvider:
    """AES-256-GCM key wrapping under keys held in this process."""

    name = "local"

    def __init__(self, *, text: str | None = None, path: Path | None = None) -> None:
        if (text is None) == (path is None):
            raise ValueError("give exactly one of text or path")
        self._text = text
        self._path = path
        self._lock = threading.Lock()
        self._loaded: Keyring | None = None
        self._stamp: tuple[int, int] | None = None

    def _keyring(self, *, refresh: bool = False) -> Keyring:
        with self._lock:
            if self._text is not None:
                if self._loaded is None:
                    self._loaded = parse_keyring(self._text)
                return self._loaded
            assert self._path is not None
            try:
                stat = self._path.stat()
            except OSError as exc:
                raise KmsUnavailable(
                    f"no KMS key at {self._path}; run `tourflow up` once or set TOURFLOW_KMS_KEY"
                ) from exc
            stamp = (stat.st_mtime_ns, stat.st_size)
            if refresh or self._loaded is None or stamp != self._stamp:
                self._loaded = parse_keyring(self._path.read_text())
                self._stamp = stamp
            return self._loaded

    async def current_key(self) -> KeyRef:
        """The current version of the local key."""
        keyring = self._keyring()
        return KeyRef(keyring.key_id, keyring.current)

    async def wrap(self, data_key: bytes, *, context: Mapping[str, str]) -> WrappedKey:
        """Encrypt a data key under the current version."""
        keyring = self._keyring()
        nonce = secrets.token_bytes(_NONCE)
        aad = _aad(keyring.key_id, keyring.current, context)
        sealed = AESGCM(keyring.versions[keyring.current]).encrypt(nonce, data_key, aad)
        return WrappedKey(keyring.key_id, keyring.current, nonce + sealed)

    async def unwrap(self, wrapped: WrappedKey, *, context: Mapping[str, str]) -> bytes:
        """Decrypt a data key under the version it names (re-reading the keyring once)."""
        keyring = self._keyring()
        if wrapped.key_id != keyring.key_id or wrapped.key_version not in keyring.versions:
            keyring = self._keyring(refresh=True)  # another process may have rotated
        if wrapped.key_id != keyring.key_id or wrapped.key_version not in keyring.versions:
            raise KmsKeyError(
                "kms_key_unknown",
                f"the KMS keyring has no key {wrapped.key_id} version {wrapped.key_version}",
                key_id=wrapped.key_id,
                key_version=wrapped.key_version,
            )
        kek = keyring.versions[wrapped.key_version]
        nonce, sealed = wrapped.ciphertext[:_NONCE], wrapped.ciphertext[_NONCE:]
        try:
            return AESGCM(kek).decrypt(
                nonce, sealed, _aad(wrapped.key_id, wrapped.key_version, context)
            )
        except InvalidTag as exc:
            raise KmsKeyError(
                "kms_unwrap_failed", "a wrapped data key failed authentication"
            ) from exc
