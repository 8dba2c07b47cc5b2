"""Payment reminders for due and overdue schedule lines, through the notification seam."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from adapters.notifications.base import Notification, Notifier
from domain.bookings.models import Booking
from domain.finance import reminder_rules as rules
from domain.finance.collection_models import PaymentScheduleLine
from domain.finance.reminder_models import PaymentReminder
from domain.finance.rendering import money
from domain.ids import new_id

# Bookings whose open lines are still worth chasing.
REMINDABLE_BOOKINGS = ("on_hold", "awaiting_payment", "confirmed", "in_progress")


def reminder_key(line_id: str, kind: str, day: date) -> str:
    """The business key of one reminder (what the unique constraint enforces)."""
    return f"reminder:{line_id}:{kind}:{day.isoformat()}"


def _message(line: PaymentScheduleLine, booking: Booking, due: rules.ReminderDue) -> Notification:
    amount = money(line.amount_minor, line.currency)  # exponent-aware: JPY has no cents
    if due.kind == "due":
        subject = f"Booking {booking.number}: {line.kind} of {amount} due {line.due_date}"
    else:
        subject = f"Booking {booking.number}: {line.kind} of {amount} overdue since {line.due_date}"
    return Notification(
        key=reminder_key(line.id, due.kind, due.day),
        template=f"payment_reminder.{due.kind}",
        subject=subject,
        body=f"{subject}. Pay with a payment session for schedule line {line.id}.",
        recipient={"booking_id": booking.id, "booking_number": booking.number},
        data={
            "line_id": line.id,
            "booking_id": booking.id,
            "kind": line.kind,
            "amount_minor": line.amount_minor,
            "currency": line.currency,
            "due_date": line.due_date.isoformat(),
            "reminder_kind": due.kind,
            "reminder_day": due.day.isoformat(),
        },
    )


async def due_lines(
    session: AsyncSession,
    *,
    as_of: date,
    after_line_id: str | None = None,
    limit: int = 50,
    lead_days: int = 3,
) -> list[str]:
    """Ids of the next page of due lines (by id, after `after_line_id`) that may owe a
    reminder on `as_of`: due within `lead_days`, or overdue within the reminder window,
    of a booking still worth chasing."""
    stmt = (
        select(PaymentScheduleLine.id)
        .join(Booking, Booking.id == PaymentScheduleLine.booking_id)
        .where(
            PaymentScheduleLine.status == "due",
            PaymentScheduleLine.due_date <= as_of + timedelta(days=lead_days),
            PaymentScheduleLine.due_date >= rules.window_start(as_of),
            Booking.status.in_(REMINDABLE_BOOKINGS),
        )
        .order_by(PaymentScheduleLine.id)
        .limit(limit)
    )
    if after_line_id is not None:
        stmt = stmt.where(PaymentScheduleLine.id > after_line_id)
    return list((await session.scalars(stmt)).all())


async def remind_line(
    session: AsyncSession,
    notifier: Notifier,
    line_id: str,
    *,
    as_of: date,
    lead_days: int = 3,
    now: datetime | None = None,
) -> str | None:
    """Send the reminder `line_id` owes on `as_of`, once; the reminder's id, or None.

    The reminder is claimed by inserting its (line, kind, day) row, and the notifier is
    called in the same transaction: a line already reminded for that day is skipped, and a
    notifier failure rolls the claim back so a retry sends it. Delivery is at least once
    (a crash between sending and committing sends again, with the same key).
    """
    now = now or datetime.now(UTC)
    row = (
        await session.execute(
            select(PaymentScheduleLine, Booking)
            .join(Booking, Booking.id == PaymentScheduleLine.booking_id)
            .where(PaymentScheduleLine.id == line_id)
            .with_for_update(of=PaymentScheduleLine)
        )
    ).first()
    if row is None:
        return None
    line, booking = row
    if line.status != "due" or booking.status not in REMINDABLE_BOOKINGS:
        return None
    due = rules.reminder_for(line.due_date, as_of, lead_days=lead_days)
    if due is None:
        return None
    claimed: str | None = await session.scalar(
        insert(PaymentReminder)
        .values(
            id=new_id(PaymentReminder.id_prefix),
            line_id=line.id,
            booking_id=booking.id,
            kind=due.kind,
            reminder_date=due.day,
            channel=notifier.channel,
            sent_at=now,
        )
        .on_conflict_do_nothing(index_elements=["line_id", "kind", "reminder_date"])
        .returning(PaymentReminder.id)
    )
    if claimed is None:
        return None
    await notifier.send(_message(line, booking, due))
    return claimed


async def reminders_of(session: AsyncSession, booking_id: str) -> list[PaymentReminder]:
    """Reminders sent for a booking's lines, oldest first."""
    rows = await session.scalars(
        select(PaymentReminder)
        .where(PaymentReminder.booking_id == booking_id)
        .order_by(PaymentReminder.sent_at, PaymentReminder.id)
    )
    return list(rows.all())


async def reminders_sent(
    session: AsyncSession, *, sent_on: date | None = None, after_id: str | None = None, limit: int
) -> list[PaymentReminder]:
    """Reminders sent across bookings, by id (creation order), optionally on one UTC day."""
    stmt = select(PaymentReminder).order_by(PaymentReminder.id).limit(limit)
    if sent_on is not None:
        start = datetime.combine(sent_on, datetime.min.time(), tzinfo=UTC)
        stmt = stmt.where(
            PaymentReminder.sent_at >= start, PaymentReminder.sent_at < start + timedelta(days=1)
        )
    if after_id is not None:
        stmt = stmt.where(PaymentReminder.id > after_id)
    return list((await session.scalars(stmt)).all())
