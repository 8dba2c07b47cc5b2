"""Fulfillment and redemption rules, pure: no database, HTTP or Temporal imports.

issued -> redeemed (a single-use one, on its first scan) | revoked | superseded (reissued)
redeemed, revoked, superseded: terminal. A multi-use fulfillment stays issued when scanned.
"""

from __future__ import annotations

import secrets
from collections.abc import Mapping

from domain.errors import BadRequest, Conflict

FULFILLMENT_STATUSES = ("issued", "redeemed", "revoked", "superseded")
ALLOWED: Mapping[str, frozenset[str]] = {
    "issued": frozenset({"redeemed", "revoked", "superseded"}),
    "redeemed": frozenset(),
    "revoked": frozenset(),
    "superseded": frozenset(),
}
# A booking can have deliverables issued for it, and redeemed, only while it is live.
FULFILLABLE = frozenset({"confirmed", "in_progress"})
# Crockford base32 (no I, L, O, U): easy to read aloud and to type from a printed voucher.
CODE_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
CODE_LENGTH = 20  # 100 bits from `secrets`: unguessable, and collisions are negligible


def new_code() -> str:
    """A fresh, unguessable redemption code."""
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


def normalize_code(code: str) -> str:
    """The code as stored: scanners and people may add spaces or type lower case."""
    return code.strip().upper()


def ensure_fulfillable(booking_status: str) -> None:
    """409 `booking_not_fulfillable` unless the booking is confirmed or in progress."""
    if booking_status not in FULFILLABLE:
        raise Conflict(
            "booking_not_fulfillable",
            f"a {booking_status} booking cannot be fulfilled; it must be confirmed or in progress",
            status=booking_status,
        )


def ensure_item_active(item_status: str) -> None:
    """409 `booking_item_not_active` for a cancelled line."""
    if item_status != "active":
        raise Conflict(
            "booking_item_not_active", f"the booking item is {item_status}", status=item_status
        )


def ensure_live(status: str) -> None:
    """409 unless the fulfillment is still issued: `already_redeemed` or `fulfillment_not_valid`."""
    if status == "issued":
        return
    if status == "redeemed":
        raise Conflict("already_redeemed", "the fulfillment has already been redeemed")
    raise Conflict("fulfillment_not_valid", f"the fulfillment is {status}", status=status)


def transition(current: str, to: str) -> str:
    """Return `to` if the graph allows current -> to, else the matching 409."""
    if to not in ALLOWED.get(current, frozenset()):
        ensure_live(current)
        raise Conflict(
            "invalid_transition",
            f"a fulfillment cannot go from '{current}' to '{to}'",
            **{"from": current, "to": to},
        )
    return to


def status_after_redemption(*, single_use: bool) -> str:
    """A single-use deliverable is used up by its first scan; a multi-use one stays issued."""
    return "redeemed" if single_use else "issued"


def require_reason(reason: str | None, *, code: str) -> str:
    """The stripped reason, or 400 `code` when it is missing or blank."""
    cleaned = (reason or "").strip()
    if not cleaned:
        raise BadRequest(code, "a reason is required")
    return cleaned
