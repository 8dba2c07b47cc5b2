from datetime import UTC, date, datetime, time

from sqlalchemy import func, select

from domain.availability.closeouts import create_closeout, delete_closeout
from domain.availability.generation import generate_availability_slots
from domain.availability.models import AvailabilitySlot
from domain.availability.slots import edit_slot
from domain.db import unit_of_work
from domain.outbox.models import OutboxEvent
from tests.support.catalog import product_with_option, rule, template


async def generate(session_factory, rule_id, start, end):
    async with unit_of_work(session_factory) as session:
        return await generate_availability_slots(session, rule_id=rule_id, start=start, end=end)


async def slots_of(session_factory, option_id):
    async with session_factory() as s:
        return list(
            (
                await s.scalars(
                    select(AvailabilitySlot)
                    .where(AvailabilitySlot.option_id == option_id)
                    .order_by(AvailabilitySlot.starts_at)
                )
            ).all()
        )


async def test_generation_creates_the_rule_slots_and_announces_each_one(session_factory):
    _, option = await product_with_option(session_factory)
    r = await rule(
        session_factory, option, rrule="FREQ=WEEKLY;BYDAY=MO,FR", start_times=[time(9), time(15)]
    )
    result = await generate(session_factory, r.id, date(2026, 6, 1), date(2026, 6, 14))
    assert (result.created, result.existing, result.closed) == (8, 0, 0)
    slots = await slots_of(session_factory, option.id)
    assert [(s.local_date.isoformat(), s.local_time.hour) for s in slots][:4] == [
        ("2026-06-01", 9),
        ("2026-06-01", 15),
        ("2026-06-05", 9),
        ("2026-06-05", 15),
    ]
    assert all(
        (s.capacity_initial, s.capacity_remaining, s.status) == (20, 20, "open") for s in slots
    )
    async with session_factory() as s:
        events = await s.scalar(
            select(func.count())
            .select_from(OutboxEvent)
            .where(OutboxEvent.event_type == "availability.slot.changed")
        )
    assert events == 8


async def test_rerunning_generation_creates_nothing_and_never_touches_an_edited_slot(
    session_factory,
):
    _, option = await product_with_option(session_factory)
    r = await rule(session_factory, option)
    await generate(session_factory, r.id, date(2026, 6, 1), date(2026, 6, 10))
    first = (await slots_of(session_factory, option.id))[0]
    async with unit_of_work(session_factory) as session:
        await edit_slot(session, slot_id=first.id, capacity=7)
    again = await generate(session_factory, r.id, date(2026, 6, 1), date(2026, 6, 10))
    assert (again.created, again.existing) == (0, 10)
    edited = (await slots_of(session_factory, option.id))[0]
    assert (edited.capacity_initial, edited.capacity_remaining) == (7, 7)
    assert edited.edited_at is not None


async def test_slots_across_the_dst_change_land_at_the_right_utc_instants(session_factory):
    _, option = await product_with_option(session_factory)
    r = await rule(session_factory, option, timezone="Europe/Berlin", start_times=[time(9)])
    await generate(session_factory, r.id, date(2026, 10, 24), date(2026, 10, 26))
    starts = [s.starts_at for s in await slots_of(session_factory, option.id)]
    # Berlin falls back on 2026-10-25: 09:00 CEST = 07:00Z, then 09:00 CET = 08:00Z.
    assert starts == [
        datetime(2026, 10, 24, 7, tzinfo=UTC),
        datetime(2026, 10, 25, 8, tzinfo=UTC),
        datetime(2026, 10, 26, 8, tzinfo=UTC),
    ]


async def test_no_slot_is_generated_on_a_closed_date(session_factory):
    product, option = await product_with_option(session_factory)
    r = await rule(session_factory, option)
    async with unit_of_work(session_factory) as session:
        await create_closeout(
            session, product_id=product.id, start_date=date(2026, 6, 3), end_date=date(2026, 6, 4)
        )
    result = await generate(session_factory, r.id, date(2026, 6, 1), date(2026, 6, 5))
    assert (result.created, result.closed) == (3, 2)
    assert {s.local_date.day for s in await slots_of(session_factory, option.id)} == {1, 2, 5}


async def test_closing_dates_that_have_slots_closes_them_and_removing_the_closeout_reopens_them(
    session_factory,
):
    product, option = await product_with_option(session_factory)
    r = await rule(session_factory, option)
    await generate(session_factory, r.id, date(2026, 6, 1), date(2026, 6, 5))
    async with unit_of_work(session_factory) as session:
        closeout, closed = await create_closeout(
            session,
            product_id=product.id,
            option_id=option.id,
            start_date=date(2026, 6, 2),
            end_date=date(2026, 6, 3),
            reason="holiday",
        )
    assert closed == 2
    statuses = {s.local_date.day: s.status for s in await slots_of(session_factory, option.id)}
    assert statuses == {1: "open", 2: "closed", 3: "closed", 4: "open", 5: "open"}
    async with session_factory() as s:
        reasons = (
            await s.scalars(
                select(OutboxEvent.payload["reason"].astext).where(
                    OutboxEvent.event_type == "availability.slot.changed"
                )
            )
        ).all()
    assert reasons.count("closeout") == 2
    async with unit_of_work(session_factory) as session:
        assert await delete_closeout(session, closeout_id=closeout.id) == 2
    assert {s.status for s in await slots_of(session_factory, option.id)} == {"open"}


async def test_generation_materialises_template_resources_once_and_keeps_custom_inventory(
    session_factory,
):
    from domain.availability.allocation_service import add_custom_resource, slot_manifest

    _, option = await product_with_option(session_factory)
    await template(session_factory, option, kind="room_dbl", capacity_per_unit=2, default_count=3)
    await template(
        session_factory, option, kind="vehicle_seat", capacity_per_unit=1, default_count=None
    )
    r = await rule(session_factory, option, rrule="FREQ=DAILY;COUNT=2")
    result = await generate(session_factory, r.id, date(2026, 1, 1), date(2026, 1, 31))
    assert (result.created, result.resources_created) == (2, 6)
    first = (await slots_of(session_factory, option.id))[0]
    async with unit_of_work(session_factory) as session:
        await add_custom_resource(
            session, slot_id=first.id, kind="room_sgl", label="Annex 1", capacity=1
        )
    again = await generate(session_factory, r.id, date(2026, 1, 1), date(2026, 1, 31))
    assert (again.created, again.resources_created) == (0, 0)
    async with session_factory() as s:
        manifest = await slot_manifest(s, slot_id=first.id)
    assert [(k.kind, k.capacity) for k in manifest.kinds] == [("room_dbl", 6), ("room_sgl", 1)]
