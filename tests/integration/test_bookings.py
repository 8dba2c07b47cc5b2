import asyncio

import pytest
from sqlalchemy import func, select

from domain.availability.allocation_service import add_custom_resource, slot_manifest
from domain.availability.models import AvailabilitySlot
from domain.bookings import service
from domain.bookings.models import Booking, BookingActivity, BookingAllocation, BookingOrigin
from domain.db import unit_of_work
from domain.errors import BadRequest, Conflict
from domain.intents.models import WorkflowIntent
from domain.outbox.models import OutboxEvent
from tests.support.bookings import book, ctx, item_for, spec_for
from tests.support.catalog import product_with_option, slot


async def remaining(session_factory, slot_id):
    async with session_factory() as s:
        row = await s.get_one(AvailabilitySlot, slot_id)
        return row.capacity_remaining, row.status


async def change(session_factory, booking_id, target):
    async with unit_of_work(session_factory) as session:
        return await service.change_status(session, booking_id=booking_id, target=target, ctx=ctx())


async def events_of(session_factory, booking_id):
    async with session_factory() as s:
        return list(
            (
                await s.scalars(
                    select(OutboxEvent.event_type)
                    .where(OutboxEvent.aggregate_id == booking_id)
                    .order_by(OutboxEvent.seq)
                )
            ).all()
        )


async def test_a_held_booking_takes_capacity_has_an_expiry_an_origin_and_a_hold_intent(
    session_factory,
):
    _, option = await product_with_option(session_factory)
    s = await slot(session_factory, option, capacity=10)
    booking = await book(session_factory, spec_for(s, pax=3, origin_kind="manual"))
    assert booking.status == "on_hold" and booking.hold_expires_at is not None
    assert booking.number.startswith("TF-") and booking.sell_total_minor == 3 * 5000
    assert await remaining(session_factory, s.id) == (7, "open")
    async with session_factory() as db:
        origin = await db.scalar(
            select(BookingOrigin).where(BookingOrigin.booking_id == booking.id)
        )
        intent = await db.scalar(
            select(WorkflowIntent).where(WorkflowIntent.workflow_id == f"booking-hold:{booking.id}")
        )
        [alloc] = (
            await db.scalars(
                select(BookingAllocation).where(BookingAllocation.booking_id == booking.id)
            )
        ).all()
    assert origin.kind == "manual"
    assert intent is not None and intent.search_attributes == {"BookingId": booking.id}
    assert (alloc.target, alloc.pax, alloc.status) == ("slot", 3, "held")
    assert await events_of(session_factory, booking.id) == ["booking.created", "booking.held"]


async def test_confirm_then_cancel_confirms_allocations_then_gives_capacity_back(session_factory):
    _, option = await product_with_option(session_factory)
    s = await slot(session_factory, option, capacity=4)
    booking = await book(session_factory, spec_for(s, pax=4))
    assert await remaining(session_factory, s.id) == (0, "sold_out")
    confirmed = await change(session_factory, booking.id, "confirmed")
    assert (
        confirmed.confirmed_at is not None
        and confirmed.paid_at is None
        and confirmed.hold_expires_at is None
    )
    cancelled = await change(session_factory, booking.id, "cancelled")
    assert cancelled.cancelled_at is not None
    assert await remaining(session_factory, s.id) == (4, "open")
    assert await events_of(session_factory, booking.id) == [
        "booking.created",
        "booking.held",
        "booking.confirmed",
        "booking.cancelled",
    ]
    async with session_factory() as db:
        statuses = (
            await db.scalars(
                select(BookingAllocation.status).where(BookingAllocation.booking_id == booking.id)
            )
        ).all()
        signals = (
            await db.scalars(
                select(WorkflowIntent.signal_name).where(WorkflowIntent.kind == "signal")
            )
        ).all()
    assert statuses == ["released"]
    assert signals == ["settle"]


async def test_confirming_from_awaiting_payment_stamps_paid_at(session_factory):
    _, option = await product_with_option(session_factory)
    s = await slot(session_factory, option, capacity=4)
    booking = await book(session_factory, spec_for(s, pax=1, status="awaiting_payment"))
    confirmed = await change(session_factory, booking.id, "confirmed")
    assert confirmed.paid_at == confirmed.confirmed_at is not None


async def test_an_illegal_move_is_a_409_and_changes_nothing(session_factory):
    _, option = await product_with_option(session_factory)
    s = await slot(session_factory, option, capacity=4)
    booking = await book(session_factory, spec_for(s, pax=1, status="confirmed"))
    with pytest.raises(Conflict) as err:
        await change(session_factory, booking.id, "expired")
    assert err.value.code == "invalid_transition"
    assert await remaining(session_factory, s.id) == (3, "open")


async def test_a_draft_takes_no_capacity_until_it_is_confirmed(session_factory):
    _, option = await product_with_option(session_factory)
    s = await slot(session_factory, option, capacity=2)
    booking = await book(session_factory, spec_for(s, pax=2, status="draft"))
    assert await remaining(session_factory, s.id) == (2, "open")
    await change(session_factory, booking.id, "confirmed")
    assert await remaining(session_factory, s.id) == (0, "sold_out")


async def test_100_concurrent_bookings_for_the_last_10_seats_make_exactly_10(session_factory):
    _, option = await product_with_option(session_factory)
    s = await slot(session_factory, option, capacity=10)

    async def attempt():
        try:
            await book(session_factory, spec_for(s, pax=1))
            return True
        except Conflict:
            return False

    assert sum(await asyncio.gather(*(attempt() for _ in range(100)))) == 10
    assert await remaining(session_factory, s.id) == (0, "sold_out")
    async with session_factory() as db:
        assert await db.scalar(select(func.count()).select_from(Booking)) == 10
        assert await db.scalar(select(func.sum(BookingAllocation.pax))) == 10


async def test_a_booking_that_fits_the_slot_but_oversells_a_room_is_refused_whole(session_factory):
    _, option = await product_with_option(session_factory)
    s = await slot(session_factory, option, capacity=20)
    async with unit_of_work(session_factory) as session:
        room = await add_custom_resource(
            session, slot_id=s.id, kind="room_dbl", label="7", capacity=2
        )
    spec = spec_for(s, pax=3, items=[item_for(s, pax=3, resources={room.id: [0, 1, 2]})])
    with pytest.raises(Conflict) as err:
        await book(session_factory, spec)
    assert err.value.code == "resource_capacity_exhausted"
    assert await remaining(session_factory, s.id) == (20, "open")
    async with session_factory() as db:
        assert await db.scalar(select(func.count()).select_from(Booking)) == 0
    ok = await book(
        session_factory, spec_for(s, pax=2, items=[item_for(s, pax=2, resources={room.id: [0, 1]})])
    )
    async with session_factory() as db:
        manifest = await slot_manifest(db, slot_id=s.id)
    assert manifest.resources[0].assigned == 2
    await change(session_factory, ok.id, "cancelled")
    async with session_factory() as db:
        assert (await slot_manifest(db, slot_id=s.id)).resources[0].assigned == 0


async def test_an_override_is_audited_and_cascades(session_factory):
    _, option = await product_with_option(session_factory)
    s = await slot(session_factory, option, capacity=5)
    booking = await book(session_factory, spec_for(s, pax=2, status="confirmed"))
    async with unit_of_work(session_factory) as session:
        await service.override_status(
            session,
            booking_id=booking.id,
            target="expired",
            reason="duplicate of TF-1",
            ctx=ctx(actor_id="prin_admin"),
        )
    assert await remaining(session_factory, s.id) == (5, "open")
    async with unit_of_work(session_factory) as session:
        back = await service.override_status(
            session,
            booking_id=booking.id,
            target="confirmed",
            reason="was not a duplicate",
            ctx=ctx(actor_id="prin_admin"),
        )
    assert back.status == "confirmed"
    assert await remaining(session_factory, s.id) == (3, "open")
    async with session_factory() as db:
        log = (
            await db.scalars(
                select(BookingActivity)
                .where(BookingActivity.action == "status_overridden")
                .order_by(BookingActivity.id)
            )
        ).all()
    assert [(a.actor_id, a.reason) for a in log] == [
        ("prin_admin", "duplicate of TF-1"),
        ("prin_admin", "was not a duplicate"),
    ]
    assert (await events_of(session_factory, booking.id)).count("booking.status_overridden") == 2


@pytest.mark.parametrize(
    ("overrides", "code"),
    [
        ({"currency": "eur"}, "invalid_currency"),
        ({"origin_kind": "fax"}, "invalid_origin"),
    ],
)
async def test_bad_booking_input_is_refused_and_writes_nothing(session_factory, overrides, code):
    _, option = await product_with_option(session_factory)
    s = await slot(session_factory, option, capacity=5)
    with pytest.raises(BadRequest) as err:
        await book(session_factory, spec_for(s, **overrides))
    assert err.value.code == code
    assert await remaining(session_factory, s.id) == (5, "open")
