import asyncio
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import func, select

from domain.db import unit_of_work
from domain.errors import BadRequest, Conflict, NotFound
from domain.ids import new_id
from domain.outbox.models import OutboxEvent
from domain.resources import assignments, service
from domain.resources.models import ResourceSlotAssignment
from tests.support import resources as make
from tests.support.resources import JUNE_1


async def assign(session_factory, res, slot, **kwargs):
    async with unit_of_work(session_factory) as session:
        return await assignments.assign(session, resource_id=res.id, slot_id=slot.id, **kwargs)


async def close(session_factory, res, starts_at, ends_at):
    async with unit_of_work(session_factory) as session:
        return await assignments.create_closeout(
            session, resource_id=res.id, starts_at=starts_at, ends_at=ends_at
        )


async def assignment_count(session_factory, res):
    async with session_factory() as s:
        return await s.scalar(
            select(func.count()).where(ResourceSlotAssignment.resource_id == res.id)
        )


async def test_an_assignment_copies_the_slot_times_and_records_an_event(session_factory):
    guide, slot = await make.resource(session_factory), await make.slot(session_factory)
    row = await assign(session_factory, guide, slot)
    assert (row.starts_at, row.ends_at) == (slot.starts_at, slot.ends_at)
    async with session_factory() as s:
        event = await s.scalar(select(OutboxEvent).where(OutboxEvent.aggregate_id == row.id))
    assert event is not None and event.event_type == "resource.assigned"
    assert event.payload["resource_id"] == guide.id


async def test_assigning_a_resource_to_an_overlapping_slot_is_a_double_booking(session_factory):
    guide = await make.resource(session_factory)
    first = await make.slot(session_factory)
    overlapping = await make.slot(session_factory, starts_at=JUNE_1 + timedelta(hours=1))
    await assign(session_factory, guide, first)
    with pytest.raises(Conflict) as raised:
        await assign(session_factory, guide, overlapping)
    assert raised.value.code == "resource_double_booked"
    assert await assignment_count(session_factory, guide) == 1


async def test_back_to_back_slots_do_not_overlap(session_factory):
    guide = await make.resource(session_factory)
    morning = await make.slot(session_factory)
    after = await make.slot(session_factory, starts_at=morning.ends_at)
    await assign(session_factory, guide, morning)
    await assign(session_factory, guide, after)
    assert await assignment_count(session_factory, guide) == 2


async def test_concurrent_assignments_of_one_guide_to_overlapping_slots_let_exactly_one_win(
    session_factory,
):
    guide = await make.resource(session_factory)
    slots = [
        await make.slot(session_factory, starts_at=JUNE_1 + timedelta(minutes=10 * n))
        for n in range(12)
    ]
    outcomes = await asyncio.gather(
        *(assign(session_factory, guide, slot) for slot in slots), return_exceptions=True
    )
    won = [o for o in outcomes if isinstance(o, ResourceSlotAssignment)]
    lost = [o for o in outcomes if isinstance(o, Conflict)]
    assert len(won) == 1 and len(lost) == len(slots) - 1
    assert {e.code for e in lost} == {"resource_double_booked"}
    assert await assignment_count(session_factory, guide) == 1


async def test_the_exclusion_constraint_refuses_an_overlap_even_without_the_service(
    session_factory,
):
    guide, slot = await make.resource(session_factory), await make.slot(session_factory)
    await assign(session_factory, guide, slot)
    with pytest.raises(Exception, match="ex_resource_slot_assignments_no_overlap"):
        async with unit_of_work(session_factory) as session:
            session.add(
                ResourceSlotAssignment(
                    resource_id=guide.id,
                    slot_id=slot.id,
                    starts_at=slot.starts_at + timedelta(minutes=30),
                    ends_at=slot.ends_at + timedelta(hours=3),
                )
            )


async def test_a_resource_inside_its_closeout_cannot_be_assigned(session_factory):
    guide, slot = await make.resource(session_factory), await make.slot(session_factory)
    closeout = await close(
        session_factory, guide, JUNE_1 - timedelta(days=1), JUNE_1 + timedelta(hours=1)
    )
    with pytest.raises(Conflict) as raised:
        await assign(session_factory, guide, slot)
    assert raised.value.code == "resource_closed"
    assert raised.value.details == {"closeout_id": closeout.id}


async def test_a_closeout_ending_when_the_slot_starts_does_not_block_it(session_factory):
    guide, slot = await make.resource(session_factory), await make.slot(session_factory)
    await close(session_factory, guide, JUNE_1 - timedelta(days=1), JUNE_1)
    await assign(session_factory, guide, slot)


async def test_overlapping_closeouts_of_one_resource_are_refused(session_factory):
    guide = await make.resource(session_factory)
    await close(session_factory, guide, JUNE_1, JUNE_1 + timedelta(days=2))
    with pytest.raises(Conflict) as raised:
        await close(session_factory, guide, JUNE_1 + timedelta(days=1), JUNE_1 + timedelta(days=3))
    assert raised.value.code == "closeout_overlaps"
    await close(session_factory, guide, JUNE_1 + timedelta(days=2), JUNE_1 + timedelta(days=3))


async def test_closing_out_a_resource_over_its_assignments_is_refused(session_factory):
    guide, slot = await make.resource(session_factory), await make.slot(session_factory)
    booked = await assign(session_factory, guide, slot)
    with pytest.raises(Conflict) as raised:
        await close(session_factory, guide, JUNE_1, JUNE_1 + timedelta(days=1))
    assert raised.value.code == "resource_assigned_in_closeout"
    assert raised.value.details == {"assignment_ids": [booked.id]}


async def test_a_closeout_must_end_after_it_starts(session_factory):
    guide = await make.resource(session_factory)
    with pytest.raises(BadRequest) as raised:
        await close(session_factory, guide, JUNE_1, JUNE_1)
    assert raised.value.code == "invalid_interval"


async def test_a_requirement_is_filled_only_by_members_of_its_pool_up_to_its_quantity(
    session_factory,
):
    a, b, outsider = [await make.resource(session_factory) for _ in range(3)]
    guides = await make.pool(session_factory, a, b)
    slot = await make.slot(session_factory)
    async with unit_of_work(session_factory) as session:
        need = await service.create_requirement(
            session, option_id=slot.option_id, pool_id=guides.id, quantity=1
        )
    with pytest.raises(BadRequest) as raised:
        await assign(session_factory, outsider, slot, requirement_id=need.id)
    assert raised.value.code == "resource_not_in_pool"
    await assign(session_factory, a, slot, requirement_id=need.id)
    with pytest.raises(Conflict) as filled:
        await assign(session_factory, b, slot, requirement_id=need.id)
    assert filled.value.code == "requirement_filled"


async def test_a_requirement_of_another_option_does_not_apply_to_the_slot(session_factory):
    guide = await make.resource(session_factory)
    guides = await make.pool(session_factory, guide)
    other = await make.option(session_factory)
    async with unit_of_work(session_factory) as session:
        need = await service.create_requirement(session, option_id=other.id, pool_id=guides.id)
    with pytest.raises(BadRequest) as raised:
        await assign(
            session_factory, guide, await make.slot(session_factory), requirement_id=need.id
        )
    assert raised.value.code == "requirement_not_for_slot"


async def test_assigning_to_a_cancelled_slot_is_refused(session_factory):
    guide = await make.resource(session_factory)
    cancelled = await make.slot(session_factory, status="cancelled")
    with pytest.raises(Conflict) as raised:
        await assign(session_factory, guide, cancelled)
    assert raised.value.code == "slot_cancelled"


@pytest.mark.parametrize(
    ("field", "code"), [("resource_id", "resource_not_found"), ("slot_id", "slot_not_found")]
)
async def test_assigning_an_unknown_resource_or_slot_is_not_found(session_factory, field, code):
    ids = {
        "resource_id": (await make.resource(session_factory)).id,
        "slot_id": (await make.slot(session_factory)).id,
    }
    ids[field] = new_id("res" if field == "resource_id" else "avsl")
    with pytest.raises(NotFound) as raised:
        async with unit_of_work(session_factory) as session:
            await assignments.assign(session, **ids)
    assert raised.value.code == code


async def free_on(session_factory, pool, day, timezone=None):
    async with session_factory() as session:
        free = await assignments.free_members(session, pool_id=pool.id, day=day, timezone=timezone)
    return free, [r.id for r in free.resources]


async def test_the_free_guides_of_a_pool_are_those_not_assigned_or_closed_that_day(
    session_factory,
):
    busy, closed, free, idle = [
        await make.resource(session_factory, name=name) for name in ("A", "B", "C", "D")
    ]
    guides = await make.pool(session_factory, busy, closed, free)
    await assign(session_factory, busy, await make.slot(session_factory))
    # closed from June 1st 17:00 to June 3rd 17:00 UTC
    await close(session_factory, closed, JUNE_1 + timedelta(hours=10), JUNE_1 + timedelta(hours=58))
    _, on_june_1 = await free_on(session_factory, guides, date(2026, 6, 1))
    assert on_june_1 == [free.id]
    _, on_june_4 = await free_on(session_factory, guides, date(2026, 6, 4))
    assert on_june_4 == [busy.id, closed.id, free.id]
    assert idle.id not in on_june_4


async def test_the_free_query_takes_the_day_in_the_pools_time_zone_or_the_one_asked(
    session_factory,
):
    guide = await make.resource(session_factory)
    guides = await make.pool(session_factory, guide, timezone="Pacific/Auckland")
    # 2026-06-01 07:00 UTC is 19:00 on June 1st in Auckland (UTC+12).
    await assign(session_factory, guide, await make.slot(session_factory))
    day, in_auckland = await free_on(session_factory, guides, date(2026, 6, 2))
    assert in_auckland == [guide.id]
    assert day.timezone == "Pacific/Auckland"
    assert day.starts_at == datetime(2026, 6, 1, 12, 0, tzinfo=UTC)
    _, in_utc = await free_on(session_factory, guides, date(2026, 6, 2), "UTC")
    assert in_utc == [guide.id]
    _, in_honolulu = await free_on(session_factory, guides, date(2026, 5, 31), "Pacific/Honolulu")
    assert in_honolulu == []


async def test_inactive_members_are_never_free(session_factory):
    retired = await make.resource(session_factory, active=False)
    guides = await make.pool(session_factory, retired)
    _, free = await free_on(session_factory, guides, date(2026, 6, 1))
    assert free == []
