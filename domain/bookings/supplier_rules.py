"""Supplier status rules, pure: requested -> confirmed | declined | cancelled, nothing else."""

from __future__ import annotations

from collections.abc import Mapping

from domain.errors import Conflict

SUPPLIER_STATUSES = ("requested", "confirmed", "declined", "cancelled")
ALLOWED: Mapping[str, frozenset[str]] = {
    "requested": frozenset({"confirmed", "declined", "cancelled"}),
    "confirmed": frozenset(),
    "declined": frozenset(),
    "cancelled": frozenset(),
}
# Answers from the supplier (as opposed to us calling the request off) stamp responded_at.
RESPONSES = frozenset({"confirmed", "declined"})


def can_transition(current: str, to: str) -> bool:
    """True when a supplier status in `current` may move to `to`."""
    return to in ALLOWED.get(current, frozenset())


def transition(current: str, to: str) -> str:
    """Return `to` if allowed, else 409 `invalid_transition` naming from and to."""
    if not can_transition(current, to):
        raise Conflict(
            "invalid_transition",
            f"a supplier status cannot go from '{current}' to '{to}'",
            **{"from": current, "to": to},
        )
    return to
