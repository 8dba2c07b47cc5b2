"""Reservation rules, pure: ids and tokens, deadlines, and how each line compensates."""

from __future__ import annotations

from datetime import datetime, timedelta

RESERVE_WORKFLOW = "Reserve"
# Holds must outlive every supplier wait of the plan; this is added on top of them.
HOLD_MARGIN = timedelta(minutes=15)
MAX_HOLD = timedelta(days=30)


def reserve_workflow_id(version_id: str) -> str:
    """Deterministic id of a version's reserve workflow."""
    return f"reserve:{version_id}"


def hold_token(version_id: str, line_id: str) -> str:
    """The availability-hold token of one line: a retried hold re-places the same hold."""
    return f"reserve:{version_id}:{line_id}"


def hold_ttl(supplier_deadlines: list[timedelta]) -> timedelta:
    """How long seats stay held while the plan runs: all supplier waits plus a margin."""
    return min(sum(supplier_deadlines, timedelta(0)) + HOLD_MARGIN, MAX_HOLD)


def supplier_deadline(line_seconds: int | None, version_seconds: int) -> timedelta:
    """A manual line's own deadline if it has one, else the version's."""
    return timedelta(seconds=line_seconds if line_seconds is not None else version_seconds)


def supplier_outcome(status: str, respond_by: datetime | None, as_of: datetime) -> str:
    """What a manual line's wait resolves to: confirmed, declined, timed_out or waiting."""
    if status in ("confirmed", "declined"):
        return status
    if status == "cancelled":
        return "timed_out"
    if respond_by is not None and as_of >= respond_by:
        return "timed_out"
    return "waiting"


def compensation(kind: str, status: str) -> str | None:
    """What undoing a completed line means: `release` a hold, `call_off` a supplier
    request still open, or `not_configured` (a supplier already confirmed and we have no
    cancellation channel to it). None: the line holds nothing to undo."""
    if kind == "catalog" and status == "held":
        return "release"
    if kind == "manual" and status == "supplier_requested":
        return "call_off"
    if kind == "manual" and status == "supplier_confirmed":
        return "not_configured"
    return None


def initial_booking_status(payment_terms: str) -> str:
    """Pay before travel: on_hold (its hold workflow expires it); on account: confirmed."""
    return "confirmed" if payment_terms == "on_account" else "on_hold"
