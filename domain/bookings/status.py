"""The booking status state machine, exactly the bookings doc's table. Pure.

draft            -> on_hold | awaiting_payment | confirmed | cancelled
on_hold          -> awaiting_payment | confirmed | expired | cancelled
awaiting_payment -> confirmed | expired | cancelled
confirmed        -> in_progress | cancelled
in_progress      -> completed | cancelled
completed, expired, cancelled: terminal
"""

from __future__ import annotations

from datetime import datetime

from domain.errors import Conflict

STATUSES = (
    "draft",
    "on_hold",
    "awaiting_payment",
    "confirmed",
    "in_progress",
    "completed",
    "expired",
    "cancelled",
)
TRANSITIONS: dict[str, frozenset[str]] = {
    "draft": frozenset({"on_hold", "awaiting_payment", "confirmed", "cancelled"}),
    "on_hold": frozenset({"awaiting_payment", "confirmed", "expired", "cancelled"}),
    "awaiting_payment": frozenset({"confirmed", "expired", "cancelled"}),
    "confirmed": frozenset({"in_progress", "cancelled"}),
    "in_progress": frozenset({"completed", "cancelled"}),
    "completed": frozenset(),
    "expired": frozenset(),
    "cancelled": frozenset(),
}
TERMINAL = frozenset(s for s, nxt in TRANSITIONS.items() if not nxt)
HELD = frozenset({"on_hold", "awaiting_payment"})
RELEASING = frozenset({"expired", "cancelled"})


def can_transition(current: str, target: str) -> bool:
    """True when the graph allows current -> target."""
    return target in TRANSITIONS.get(current, frozenset())


def stamps(current: str, target: str, at: datetime) -> dict[str, datetime]:
    """The timestamps a move to `target` sets (paid_at too when confirming a payment wait)."""
    out: dict[str, datetime] = {}
    if target == "confirmed":
        out["confirmed_at"] = at
        if current == "awaiting_payment":
            out["paid_at"] = at
    elif target == "in_progress":
        out["started_at"] = at
    elif target in ("expired", "cancelled", "completed"):
        out[f"{target}_at"] = at
    return out


def transition(current: str, target: str, at: datetime) -> dict[str, object]:
    """The patch for current -> target (status plus stamps); 409 `invalid_transition` if illegal."""
    if target not in STATUSES:
        raise Conflict(
            "invalid_transition", f"unknown status {target!r}", **{"from": current, "to": target}
        )
    if not can_transition(current, target):
        raise Conflict(
            "invalid_transition",
            f"a booking cannot go from {current} to {target}",
            **{"from": current, "to": target, "allowed": sorted(TRANSITIONS.get(current, ()))},
        )
    return {"status": target, **stamps(current, target, at)}


def override(current: str, target: str, at: datetime, *, reason: str) -> dict[str, object]:
    """An admin move outside the graph; needs a reason and sets the target's stamps."""
    if target not in STATUSES:
        raise Conflict(
            "invalid_transition", f"unknown status {target!r}", **{"from": current, "to": target}
        )
    if not reason.strip():
        from domain.errors import BadRequest

        raise BadRequest("override_reason_required", "an override needs a reason")
    if current == target:
        raise Conflict(
            "invalid_transition",
            f"the booking is already {target}",
            **{"from": current, "to": target},
        )
    return {"status": target, **stamps(current, target, at)}
