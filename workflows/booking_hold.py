"""Booking hold: expire an on_hold / awaiting_payment booking when its hold runs out."""

from __future__ import annotations

import contextlib
from datetime import datetime, timedelta

from pydantic import BaseModel
from temporalio import workflow
from temporalio.common import RetryPolicy

with workflow.unsafe.imports_passed_through():
    from activities.bookings import BookingHoldState, ExpireInput

HELD = ("on_hold", "awaiting_payment")


class BookingHoldInput(BaseModel):
    """Which booking."""

    booking_id: str


class Settle(BaseModel):
    """The booking left its held state (confirmed, cancelled, ...)."""

    status: str


class ExtendHold(BaseModel):
    """The new expiry, already written to the database by the API."""

    hold_expires_at: datetime


@workflow.defn(name="BookingHold")
class BookingHoldWorkflow:
    """Sleep until a held booking's `hold_expires_at`, then expire it and free its capacity.

    Id: `booking-hold:{bookingId}`, started from the intent written with the hold (so a
    crash or Temporal outage between commit and start is re-driven by the sweeper).
    Signals: `settle` (the booking was confirmed or cancelled) ends the workflow.
    Updates: `extend` wakes the timer to the new expiry. The database is the truth: on
    every wake-up the workflow asks it, so a lost signal or update only delays the end.
    Retries: the expiry activity retries without limit; it is idempotent (row lock +
    status check), and uses the workflow's clock so time-skipping tests are exact.
    Compensation: expiring is the compensation; it releases slot, pickup and resource
    capacity in the same transaction that marks the booking expired.
    """

    def __init__(self) -> None:
        self._woken = False
        self._settled: str | None = None

    @workflow.run
    async def run(self, params: BookingHoldInput) -> BookingHoldState:
        """Loop: check (and expire if due), then sleep until expiry or a wake-up."""
        while True:
            state: BookingHoldState = await workflow.execute_activity(
                "bookings.expire_if_due",
                ExpireInput(booking_id=params.booking_id, as_of=workflow.now()),
                result_type=BookingHoldState,
                start_to_close_timeout=timedelta(seconds=30),
                retry_policy=RetryPolicy(maximum_interval=timedelta(minutes=1)),
            )
            if state.status not in HELD or state.hold_expires_at is None:
                return state
            self._woken = False
            wait = max(state.hold_expires_at - workflow.now(), timedelta(seconds=1))
            with contextlib.suppress(TimeoutError):
                await workflow.wait_condition(lambda: self._woken, timeout=wait)

    @workflow.signal
    def settle(self, settle: Settle) -> None:
        """The booking is no longer held; re-check now."""
        self._settled = settle.status
        self._woken = True

    @workflow.update
    def extend(self, extend: ExtendHold) -> str:
        """Re-arm the timer for the new expiry."""
        self._woken = True
        return extend.hold_expires_at.isoformat()
