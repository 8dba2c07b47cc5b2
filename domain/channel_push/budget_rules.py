"""The per-channel token bucket as a pure function (the service applies it under a row lock).

Priority: booking > availability > content. A class that is denied a token marks its
demand (`*_demand_until`: when its next token is due plus `DEMAND_GRACE`); lower classes
yield while a higher class's demand is live, so a booking takes the next token even
behind a backlog of thousands of availability pushes. A grant does not clear the mark:
other callers of the same class may still be waiting for the next token, and the mark
lapses on its own a grace after the last denied caller's token was due. The grace covers
a waiter coming back (it sleeps in-process till its token is due, then retakes), so a
lower class loses at most that long after the last waiter is served; tokens keep
accruing meanwhile. An upstream 429 sets `blocked_until` (Retry-After) and drains the
bucket.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Literal

PushClass = Literal["booking", "availability", "content"]
PUSH_CLASSES: tuple[PushClass, ...] = ("booking", "availability", "content")
# How long past its expected wake-up a waiting class still holds lower classes back.
DEMAND_GRACE = timedelta(milliseconds=300)
# A lower class yielding waits this much longer than the next token, so the waiting
# higher class (woken at the token's time) gets there first.
YIELD_EXTRA = timedelta(milliseconds=50)
DEFAULT_RETRY_AFTER = timedelta(seconds=1)


@dataclass(frozen=True, slots=True)
class BucketState:
    """A bucket row's mutable fields."""

    tokens: float
    refilled_at: datetime
    blocked_until: datetime | None = None
    booking_demand_until: datetime | None = None
    availability_demand_until: datetime | None = None


@dataclass(frozen=True, slots=True)
class Decision:
    """`granted`, or how long to wait; and the bucket's new state."""

    granted: bool
    wait: timedelta
    state: BucketState


def refill(state: BucketState, *, now: datetime, rps: float, burst: int) -> BucketState:
    """Tokens accrued since the last refill, capped at `burst` (a live burst cut applies)."""
    elapsed = max((now - state.refilled_at).total_seconds(), 0.0)
    tokens = min(float(burst), state.tokens + elapsed * rps)
    return replace(state, tokens=tokens, refilled_at=max(now, state.refilled_at))


def _live(until: datetime | None, now: datetime) -> bool:
    return until is not None and until > now


def _with_demand(state: BucketState, klass: PushClass, until: datetime) -> BucketState:
    if klass == "booking":
        current = state.booking_demand_until
        return replace(state, booking_demand_until=max(until, current) if current else until)
    if klass == "availability":
        current = state.availability_demand_until
        return replace(state, availability_demand_until=max(until, current) if current else until)
    return state


def higher_demand(state: BucketState, klass: PushClass, now: datetime) -> bool:
    """True when a class above `klass` is waiting for a token."""
    if klass == "booking":
        return False
    if _live(state.booking_demand_until, now):
        return True
    return klass == "content" and _live(state.availability_demand_until, now)


def take(
    state: BucketState, *, now: datetime, rps: float, burst: int, klass: PushClass
) -> Decision:
    """Take one token for `klass`, or say how long to wait."""
    per_token = timedelta(seconds=1 / rps)
    current = refill(state, now=now, rps=rps, burst=burst)
    if current.blocked_until is not None and current.blocked_until > now:
        wait = current.blocked_until - now
        current = replace(current, tokens=0.0, refilled_at=current.blocked_until)
        current = _with_demand(current, klass, now + wait + DEMAND_GRACE)
        return Decision(False, wait, current)
    to_next = timedelta(seconds=max(0.0, 1.0 - current.tokens) / rps)
    if higher_demand(current, klass, now):
        return Decision(False, max(to_next, per_token) + YIELD_EXTRA, current)
    if current.tokens >= 1.0:
        return Decision(True, timedelta(0), replace(current, tokens=current.tokens - 1.0))
    current = _with_demand(current, klass, now + to_next + DEMAND_GRACE)
    return Decision(False, to_next, current)


def available(
    state: BucketState, *, now: datetime, rps: float, burst: int, klass: PushClass
) -> int:
    """How many tokens `klass` could take now (a read-only estimate; `take` decides)."""
    current = refill(state, now=now, rps=rps, burst=burst)
    if current.blocked_until is not None and current.blocked_until > now:
        return 0
    if higher_demand(current, klass, now):
        return 0
    return int(current.tokens)


def drain(state: BucketState, *, now: datetime, retry_after: float | None) -> BucketState:
    """An upstream 429: no tokens, nothing granted before Retry-After has passed."""
    wait = timedelta(seconds=retry_after) if retry_after is not None else DEFAULT_RETRY_AFTER
    until = now + wait
    blocked = max(until, state.blocked_until) if state.blocked_until else until
    return replace(
        state, tokens=0.0, refilled_at=max(blocked, state.refilled_at), blocked_until=blocked
    )
