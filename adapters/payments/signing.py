"""HMAC-SHA256 webhook signatures: header `t=<unix seconds>,v1=<hex of HMAC(t.body)>`."""

from __future__ import annotations

import hashlib
import hmac
import time

HEADER = "X-Tourflow-Signature"
TOLERANCE_SECONDS = 300


def sign(body: bytes, secret: str, *, at: int | None = None) -> str:
    """The signature header value for `body`."""
    stamp = int(time.time()) if at is None else at
    digest = hmac.new(secret.encode(), f"{stamp}.".encode() + body, hashlib.sha256).hexdigest()
    return f"t={stamp},v1={digest}"


def verify(body: bytes, header: str | None, secret: str, *, now: int | None = None) -> bool:
    """True when `header` signs `body` with `secret` and is no older than the tolerance."""
    if not header:
        return False
    parts = dict(p.split("=", 1) for p in header.split(",") if "=" in p)
    stamp, given = parts.get("t", ""), parts.get("v1", "")
    if not stamp.isdigit() or not given:
        return False
    current = int(time.time()) if now is None else now
    if abs(current - int(stamp)) > TOLERANCE_SECONDS:
        return False
    expected = sign(body, secret, at=int(stamp)).split("v1=", 1)[1]
    return hmac.compare_digest(expected, given)
