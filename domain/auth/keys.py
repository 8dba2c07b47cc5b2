"""Pure API-key rules: format, hashing, constant-time verification, scope checks."""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from collections.abc import Iterable
from dataclasses import dataclass

KEY_PREFIX = "tf"
_KEY = re.compile(r"^tf_([a-z0-9]{12})_([A-Za-z0-9_-]{32,})$")
SCOPE = re.compile(r"^([a-z_]+|\*):([a-z_]+|\*)$")


@dataclass(frozen=True, slots=True)
class GeneratedKey:
    """A new key: `plaintext` is shown once; only `lookup` and `secret_hash` are stored."""

    plaintext: str
    lookup: str
    secret_hash: str


def hash_secret(secret: str) -> str:
    """SHA-256 hex of a high-entropy secret (no salt needed: the secret is 192 random bits)."""
    return hashlib.sha256(secret.encode()).hexdigest()


def generate_key() -> GeneratedKey:
    """A fresh key `tf_<lookup>_<secret>`."""
    lookup = "".join(secrets.choice("abcdefghijklmnopqrstuvwxyz0123456789") for _ in range(12))
    secret = secrets.token_urlsafe(24)
    return GeneratedKey(f"{KEY_PREFIX}_{lookup}_{secret}", lookup, hash_secret(secret))


def split_key(plaintext: str) -> tuple[str, str] | None:
    """(lookup, secret) of a well-formed key, else None."""
    match = _KEY.match(plaintext)
    return (match.group(1), match.group(2)) if match else None


def secret_matches(secret: str, stored_hash: str) -> bool:
    """Constant-time comparison of a presented secret with the stored hash."""
    return hmac.compare_digest(hash_secret(secret), stored_hash)


def validate_scope(scope: str) -> str:
    """Return `scope` if it is `<module>:<action>` (either part may be '*'), else raise."""
    if not SCOPE.match(scope):
        raise ValueError(f"scope must look like 'bookings:write' or 'bookings:*', got {scope!r}")
    return scope


def has_scope(granted: Iterable[str], required: str) -> bool:
    """True when a granted scope covers `required` ('*:*', 'bookings:*' or exact)."""
    module, action = required.split(":", 1)
    for scope in granted:
        g_module, _, g_action = scope.partition(":")
        if g_module in ("*", module) and g_action in ("*", action):
            return True
    return False
