"""Booking payment schedules: create, read, preview the collection plan, mark lines paid."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from domain.bookings.models import Booking
from domain.errors import Conflict, NotFound
from domain.finance import collection_plan as rules
from domain.finance.collection_models import (
    PaymentSchedule,
    PaymentScheduleLine,
    PaymentSession,
)
from domain.outbox.record import record_event

PAID_EVENT = "booking_payment_schedule.paid"


def view(line: PaymentScheduleLine) -> rules.LineView:
    """The rules' view of a stored line."""
    return rules.LineView(
        line.id, line.position, line.kind, line.amount_minor, line.due_date, line.status
    )


async def booking_or_404(session: AsyncSession, booking_id: str, *, lock: bool = False) -> Booking:
    stmt = select(Booking).where(Booking.id == booking_id)
    if lock:
        stmt = stmt.with_for_update()
    booking = await session.scalar(stmt)
    if booking is None:
        raise NotFound("booking_not_found", f"no booking {booking_id}")
    return booking


async def create_schedule(
    session: AsyncSession, *, booking_id: str, drafts: Sequence[rules.LineDraft]
) -> tuple[PaymentSchedule, list[PaymentScheduleLine]]:
    """One schedule per booking, in its currency; 409 `schedule_exists` the second time."""
    booking = await booking_or_404(session, booking_id, lock=True)
    if booking.status in ("cancelled", "expired", "completed"):
        raise Conflict(
            "booking_not_schedulable",
            f"booking {booking_id} is {booking.status}",
            status=booking.status,
        )
    if await session.scalar(
        select(PaymentSchedule.id).where(PaymentSchedule.booking_id == booking_id)
    ):
        raise Conflict("schedule_exists", f"booking {booking_id} already has a payment schedule")
    rules.validate_drafts(drafts, booking_total_minor=booking.sell_total_minor)
    schedule = PaymentSchedule(booking_id=booking.id, currency=booking.currency)
    session.add(schedule)
    await session.flush()
    lines = [
        PaymentScheduleLine(
            schedule_id=schedule.id,
            booking_id=booking.id,
            position=n,
            kind=d.kind,
            amount_minor=d.amount_minor,
            currency=booking.currency,
            due_date=d.due_date,
            status="due",
        )
        for n, d in enumerate(drafts, start=1)
    ]
    session.add_all(lines)
    await session.flush()
    return schedule, lines


async def schedule_of(
    session: AsyncSession, booking_id: str, *, lock: bool = False
) -> tuple[PaymentSchedule, list[PaymentScheduleLine]]:
    """The booking's schedule and lines in position order; 404 `schedule_not_found`."""
    schedule = await session.scalar(
        select(PaymentSchedule).where(PaymentSchedule.booking_id == booking_id)
    )
    if schedule is None:
        raise NotFound("schedule_not_found", f"booking {booking_id} has no payment schedule")
    stmt = (
        select(PaymentScheduleLine)
        .where(PaymentScheduleLine.schedule_id == schedule.id)
        .order_by(PaymentScheduleLine.position)
    )
    if lock:
        stmt = stmt.with_for_update().execution_options(populate_existing=True)
    return schedule, list((await session.scalars(stmt)).all())


async def plan_for(session: AsyncSession, *, booking_id: str, as_of: date) -> rules.CollectionPlan:
    """The collection plan of a booking's schedule."""
    booking = await booking_or_404(session, booking_id)
    _, lines = await schedule_of(session, booking_id)
    return rules.collection_plan(
        [view(x) for x in lines], booking_total_minor=booking.sell_total_minor, as_of=as_of
    )


async def mark_paid(
    session: AsyncSession,
    *,
    booking_id: str,
    line_ids: Sequence[str],
    payment_id: str,
    session_id: str | None,
    now: datetime,
) -> list[str]:
    """Mark the still-due lines among `line_ids` paid and emit `booking_payment_schedule.paid`.

    Returns the ids newly paid (none: nothing emitted). Lines are locked first, so two
    payments racing for one line pay it once.
    """
    schedule, lines = await schedule_of(session, booking_id, lock=True)
    wanted = set(line_ids)
    newly = [x for x in lines if x.id in wanted and x.status == "due"]
    for line in newly:
        line.status = "paid"
        line.paid_at = now
        line.payment_id = payment_id
    if not newly:
        return []
    await session.flush()
    views = [view(x) for x in lines]
    record_event(
        session,
        aggregate_type="booking_payment_schedule",
        aggregate_id=schedule.id,
        event_type=PAID_EVENT,
        payload={
            "schedule_id": schedule.id,
            "booking_id": booking_id,
            "line_ids": [x.id for x in newly],
            "kinds": [x.kind for x in newly],
            "amount_minor": sum(x.amount_minor for x in newly),
            "currency": schedule.currency,
            "payment_id": payment_id,
            "payment_session_id": session_id,
            "fully_paid": all(x.status != "due" for x in views),
            "secures_booking": rules.secures_booking(views),
        },
    )
    return [x.id for x in newly]


async def _lock_due_line(
    session: AsyncSession, line_id: str
) -> tuple[Booking, list[PaymentScheduleLine], PaymentScheduleLine]:
    found = await session.get(PaymentScheduleLine, line_id)
    if found is None:
        raise NotFound("schedule_line_not_found", f"no schedule line {line_id}")
    booking = await booking_or_404(session, found.booking_id, lock=True)
    _, lines = await schedule_of(session, booking.id, lock=True)
    line = next(x for x in lines if x.id == line_id)
    if line.status != "due":
        raise Conflict("line_not_due", f"schedule line {line.id} is {line.status}")
    pending = await session.scalar(
        select(PaymentSession.id).where(
            PaymentSession.status == "pending",
            PaymentSession.schedule_line_ids.contains([line_id]),
        )
    )
    if pending is not None:
        raise Conflict(
            "line_has_pending_session",
            f"payment session {pending} is collecting schedule line {line_id}",
            payment_session_id=pending,
        )
    return booking, lines, line


async def edit_line(
    session: AsyncSession,
    line_id: str,
    *,
    amount_minor: int | None = None,
    due_date: date | None = None,
) -> PaymentScheduleLine:
    """Change a due line's amount or due date (the schedule must still fit the booking).

    409 `line_not_due`, `line_has_pending_session`; 400 `schedule_exceeds_total`.
    """
    booking, lines, line = await _lock_due_line(session, line_id)
    drafts = [
        rules.LineDraft(
            x.kind,
            (amount_minor or x.amount_minor) if x.id == line_id else x.amount_minor,
            (due_date or x.due_date) if x.id == line_id else x.due_date,
        )
        for x in lines
        if x.status != "cancelled"
    ]
    rules.validate_drafts(drafts, booking_total_minor=booking.sell_total_minor)
    if amount_minor is not None:
        line.amount_minor = amount_minor
    if due_date is not None:
        line.due_date = due_date
    await session.flush()
    return line


async def cancel_line(session: AsyncSession, line_id: str) -> PaymentScheduleLine:
    """Cancel a due line (it is no longer collected). 409 `line_not_due`,
    `line_has_pending_session`."""
    _, _, line = await _lock_due_line(session, line_id)
    line.status = "cancelled"
    await session.flush()
    return line
