"""The last rung: turn a fully secured plan into a booking (holds become allocations)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from domain.availability.models import AvailabilityHold
from domain.availability.slots import adjust_slot_capacity
from domain.bookings import records
from domain.bookings import service as bookings
from domain.bookings.models import Booking, BookingItem
from domain.outbox.record import record_event
from domain.quotes.models import Quote, QuoteVersion, QuoteVersionLine
from domain.reservations import rules
from domain.reservations.models import ReservationPlan, ReservationPlanLine
from domain.reservations.steps import StepFailure


@dataclass(frozen=True, slots=True)
class Booked:
    """The booking the plan produced."""

    booking_id: str
    number: str
    status: str


async def _convert_holds(
    session: AsyncSession, pairs: list[tuple[ReservationPlanLine, QuoteVersionLine]]
) -> StepFailure | None:
    """Hand each held seat back to the slot so the booking's own gate takes it in the same
    transaction: the seats never become free to anyone else, and no seat is counted twice."""
    catalog = sorted((p for p in pairs if p[0].kind == "catalog"), key=lambda p: p[1].slot_id or "")
    holds = []
    for pline, line in catalog:  # verify every hold before touching any seat
        hold = await session.scalar(
            select(AvailabilityHold)
            .where(AvailabilityHold.token == pline.hold_token)
            .with_for_update()
        )
        if hold is None or hold.status != "held":
            return StepFailure(
                "quote_unavailable",
                "hold_expired",
                f"the hold of line {line.position} is {hold.status if hold else 'missing'}",
            )
        holds.append(hold)
    for hold in holds:
        await adjust_slot_capacity(
            session, slot_id=hold.slot_id, delta=hold.pax, reason="hold_converted"
        )
        hold.status, hold.released_at = "converted", datetime.now(UTC)
    await session.flush()
    return None


def _item(line: QuoteVersionLine) -> bookings.ItemSpec:
    if line.kind == "manual":
        return bookings.ItemSpec(
            kind="service",
            description=f"{line.service_name} ({line.supplier_ref})"[:300],
            sell_amount_minor=line.sell_amount_minor,
            sell_currency=line.sell_currency,
            cost_amount_minor=line.cost_amount_minor,
            cost_currency=line.cost_currency,
            quantity=line.quantity,
        )
    return bookings.ItemSpec(
        kind="unit",
        description=line.description,
        sell_amount_minor=line.sell_amount_minor,
        sell_currency=line.sell_currency,
        cost_amount_minor=line.cost_amount_minor,
        cost_currency=line.cost_currency,
        product_id=line.product_id,
        option_id=line.option_id,
        unit_id=line.unit_id,
        slot_id=line.slot_id,
        quantity=line.quantity,
        pax=line.pax,
    )


async def book_plan(
    session: AsyncSession, *, plan_id: str, ctx: bookings.Context
) -> Booked | StepFailure:
    """Create the plan's booking once: origin `accepted_quote_version`, status by payment terms.

    The plan row lock makes a retried or duplicated call return the first booking. A gate
    refusing here raises (the caller's transaction rolls back, every hold stays held, and
    the workflow compensates).
    """
    plan = await session.scalar(
        select(ReservationPlan)
        .where(ReservationPlan.id == plan_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    assert plan is not None
    if plan.booking_id is not None:
        booking = await session.get_one(Booking, plan.booking_id)
        return Booked(booking.id, booking.number, booking.status)
    version = await session.get_one(QuoteVersion, plan.quote_version_id)
    quote = await session.get_one(Quote, version.quote_id)
    plines = list(
        (
            await session.scalars(
                select(ReservationPlanLine)
                .where(ReservationPlanLine.plan_id == plan.id)
                .order_by(ReservationPlanLine.position)
            )
        ).all()
    )
    pairs = [(p, await session.get_one(QuoteVersionLine, p.version_line_id)) for p in plines]
    failure = await _convert_holds(session, pairs)
    if failure is not None:
        return failure
    booking = await bookings.create_booking(
        session,
        bookings.BookingSpec(
            currency=version.currency,
            status=rules.initial_booking_status(version.payment_terms),
            items=[_item(line) for _, line in pairs],
            origin_kind="accepted_quote_version",
            origin_refs={"quote_version_id": version.id, "reservation_plan_id": plan.id},
            buyer={
                "person_id": quote.buyer_person_id,
                "organization_id": quote.buyer_organization_id,
                "name": quote.buyer_name,
                "email": quote.buyer_email,
            },
            hold_ttl=(
                timedelta(seconds=version.booking_hold_seconds)
                if version.booking_hold_seconds
                else None
            ),
        ),
        ctx,
    )
    await _record_supplier_confirmations(session, booking, pairs, ctx)
    await session.execute(
        update(ReservationPlanLine)
        .where(ReservationPlanLine.plan_id == plan.id)
        .values(status="converted")
    )
    plan.status, plan.booking_id, plan.finished_at = "booked", booking.id, datetime.now(UTC)
    record_event(
        session,
        aggregate_type="reservation_plan",
        aggregate_id=plan.id,
        event_type="reservation_plan.booked",
        payload={"plan_id": plan.id, "quote_version_id": version.id, "booking_id": booking.id},
    )
    await session.flush()
    return Booked(booking.id, booking.number, booking.status)


async def _record_supplier_confirmations(
    session: AsyncSession,
    booking: Booking,
    pairs: list[tuple[ReservationPlanLine, QuoteVersionLine]],
    ctx: bookings.Context,
) -> None:
    """Each manual line's confirmation lands on the booking as a supplier status row."""
    items = list(
        (
            await session.scalars(
                select(BookingItem)
                .where(BookingItem.booking_id == booking.id)
                .order_by(BookingItem.created_at, BookingItem.id)
            )
        ).all()
    )
    # create_booking adds items in line order within one flush; match on description too.
    for (pline, line), item in zip(pairs, _in_line_order(items, pairs), strict=True):
        if line.kind != "manual":
            continue
        row = await records.request_supplier_status(
            session,
            booking_id=booking.id,
            item_id=item.id,
            supplier_ref=line.supplier_ref or "",
            respond_by=pline.respond_by,
            ctx=ctx,
        )
        await records.respond_supplier_status(
            session,
            booking_id=booking.id,
            supplier_status_id=row.id,
            to="confirmed",
            confirmation_ref=pline.confirmation_ref or "confirmed",
            ctx=ctx,
            now=pline.responded_at,
        )


def _in_line_order(
    items: list[BookingItem], pairs: list[tuple[ReservationPlanLine, QuoteVersionLine]]
) -> list[BookingItem]:
    pool = list(items)
    ordered = []
    for _, line in pairs:
        want = _item(line)
        match = next(
            i
            for i in pool
            if i.description == want.description
            and i.slot_id == want.slot_id
            and i.sell_amount_minor == want.sell_amount_minor
        )
        pool.remove(match)
        ordered.append(match)
    return ordered
