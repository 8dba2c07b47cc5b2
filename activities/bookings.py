"""Activities of the booking hold workflow."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from temporalio import activity

from domain.bookings.service import Context, expire_if_due
from domain.db import unit_of_work


class ExpireInput(BaseModel):
    """Expire `booking_id` if its hold passed `as_of` (the workflow's clock)."""

    booking_id: str
    as_of: datetime


class BookingHoldState(BaseModel):
    """Status and hold expiry after the check."""

    status: str
    hold_expires_at: datetime | None


class BookingActivities:
    """Database work for booking workflows; each call owns its transaction."""

    def __init__(self, factory: async_sessionmaker[AsyncSession], task_queue: str) -> None:
        self._factory = factory
        self._task_queue = task_queue

    @activity.defn(name="bookings.expire_if_due")
    async def expire_if_due(self, params: ExpireInput) -> BookingHoldState:
        """Expire the booking (releasing its capacity) when due; report its state."""
        ctx = Context(actor_id="workflow:booking-hold", task_queue=self._task_queue)
        async with unit_of_work(self._factory) as session:
            booking = await expire_if_due(
                session, booking_id=params.booking_id, as_of=params.as_of, ctx=ctx
            )
            if booking is None:
                return BookingHoldState(status="missing", hold_expires_at=None)
            return BookingHoldState(status=booking.status, hold_expires_at=booking.hold_expires_at)
