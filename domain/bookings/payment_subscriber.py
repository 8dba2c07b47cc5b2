"""Bookings react to collected money: `booking_payment_schedule.paid` confirms a held booking.

A held booking (on_hold / awaiting_payment) whose deposit is paid is confirmed. If the hold
expired before the money arrived, capacity is re-taken through the gates (an audited
override to confirmed); when the seats are gone the booking is flagged for staff
(activity `payment_needs_attention`, event `booking.payment_needs_attention`). The
payment itself is never touched here: it was recorded before this event existed.
"""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from domain.bookings import service
from domain.bookings import status as rules
from domain.bookings.models import Booking
from domain.errors import Conflict
from domain.outbox.subscribers import Event, Handler, Subscriber
from tourflow.settings import DEFAULT_TASK_QUEUE

PAID_EVENT = "booking_payment_schedule.paid"
ATTENTION = "payment_needs_attention"
REVIVABLE = frozenset({"expired"})


def _handler(task_queue: str) -> Handler:
    ctx = service.Context(actor_id=None, task_queue=task_queue)

    async def promote(session: AsyncSession, event: Event) -> None:
        """Confirm, re-secure or flag the booking the payment was for (redelivery-safe)."""
        if not event.payload.get("secures_booking"):
            return  # an installment of an already secured booking, say
        booking = await service.lock_booking(session, str(event.payload["booking_id"]))
        if booking.status in rules.HELD:
            await service.apply_transition(session, booking, "confirmed", ctx)
            return
        if booking.status not in REVIVABLE:
            if booking.status == "cancelled":
                _flag(session, booking, ctx, event, why="the booking was cancelled")
            return  # confirmed already (a redelivery) or further along
        try:
            async with session.begin_nested():
                await service.override_status(
                    session,
                    booking_id=booking.id,
                    target="confirmed",
                    reason=f"paid after the hold expired (payment {event.payload['payment_id']})",
                    ctx=ctx,
                )
        except Conflict as exc:
            await session.refresh(booking)
            _flag(session, booking, ctx, event, why=f"capacity could not be re-taken: {exc.code}")

    return promote


def _flag(
    session: AsyncSession, booking: Booking, ctx: service.Context, event: Event, *, why: str
) -> None:
    details = {
        "payment_id": event.payload.get("payment_id"),
        "schedule_id": event.payload.get("schedule_id"),
        "amount_minor": event.payload.get("amount_minor"),
        "currency": event.payload.get("currency"),
    }
    service.log_activity(session, booking.id, ATTENTION, ctx, reason=why, **details)
    service.emit_booking_event(session, booking, f"booking.{ATTENTION}", reason=why, **details)


def booking_payment_subscribers(task_queue: str = DEFAULT_TASK_QUEUE) -> list[Subscriber]:
    """Bookings' subscribers to finance events (worker.subscribers() adds these)."""
    return [
        Subscriber(
            name="bookings.confirm_on_schedule_payment",
            event_types=(PAID_EVENT,),
            handler=_handler(task_queue),
        )
    ]
