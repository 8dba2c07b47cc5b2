import asyncio
from datetime import date

import pytest
from sqlalchemy import select

from domain.db import unit_of_work
from domain.errors import BadRequest, Conflict, NotFound
from domain.intents.models import WorkflowIntent
from domain.outbox.models import OutboxEvent
from domain.resources import holds
from domain.resources.hold_models import ResourceHoldDate, ResourceHoldPickup
from tests.support import resources as make
from tests.support.resources import in_days

SEPT_1 = date(2026, 9, 1)


async def pick(session_factory, hold, quantity=1, key="s1", day=SEPT_1):
    async with unit_of_work(session_factory) as session:
        return await holds.pick_up(
            session, hold_id=hold.id, day=day, session_key=key, quantity=quantity
        )


async def move(session_factory, hold, target, **kwargs):
    async with unit_of_work(session_factory) as session:
        return await holds.change_status(
            session, hold_id=hold.id, target=target, task_queue="q", **kwargs
        )


async def counters(session_factory, hold, day=SEPT_1):
    async with session_factory() as s:
        row = await s.scalar(
            select(ResourceHoldDate).where(
                ResourceHoldDate.hold_id == hold.id, ResourceHoldDate.date == day
            )
        )
    return row.held, row.picked_up, row.released


async def event_types(session_factory, hold):
    async with session_factory() as s:
        rows = await s.scalars(
            select(OutboxEvent.event_type)
            .where(OutboxEvent.aggregate_id == hold.id)
            .order_by(OutboxEvent.seq)
        )
        return list(rows)


async def test_placing_a_hold_stores_its_dates_and_records_an_event(session_factory):
    hold = await make.hold(session_factory, status="inquiry")
    assert hold.status == "inquiry"
    assert await counters(session_factory, hold) == (10, 0, 0)
    assert await event_types(session_factory, hold) == ["resource_hold.placed"]


async def test_a_hold_with_a_cutoff_writes_one_start_intent_with_a_deterministic_id(
    session_factory,
):
    cutoff = in_days(3)
    hold = await make.hold(session_factory, cutoff_at=cutoff)
    async with session_factory() as s:
        intents = list(await s.scalars(select(WorkflowIntent)))
    assert [(i.workflow_type, i.workflow_id) for i in intents] == [
        ("ResourceHoldCutoff", f"resource-hold-cutoff:{hold.id}")
    ]
    assert intents[0].input == {"hold_id": hold.id, "cutoff_at": cutoff.isoformat()}


async def test_holding_an_inquiry_sets_its_cutoff_once_and_starts_the_timer(session_factory):
    hold = await make.hold(session_factory, status="inquiry")
    cutoff = in_days(2)
    held = await move(session_factory, hold, "held", cutoff_at=cutoff)
    assert (held.status, held.cutoff_at) == ("held", cutoff)
    async with session_factory() as s:
        ids = list(await s.scalars(select(WorkflowIntent.workflow_id)))
    assert ids == [f"resource-hold-cutoff:{hold.id}"]


@pytest.mark.parametrize(
    ("overrides", "code"),
    [
        ({"dates": [(SEPT_1, 1), (SEPT_1, 2)]}, "duplicate_hold_date"),
        ({"dates": []}, "hold_needs_dates"),
        ({"description": None}, "hold_needs_resource"),
        ({"status": "confirmed"}, "invalid_initial_status"),
        ({"cutoff_at": in_days(-1)}, "cutoff_in_past"),
    ],
)
async def test_a_hold_with_unacceptable_input_is_refused_and_leaves_nothing(
    session_factory, overrides, code
):
    with pytest.raises(BadRequest) as raised:
        await make.hold(session_factory, **overrides)
    assert raised.value.code == code
    async with session_factory() as s:
        assert list(await s.scalars(select(ResourceHoldDate))) == []


async def test_a_pickup_takes_units_and_a_retry_with_its_session_key_changes_nothing(
    session_factory,
):
    hold = await make.hold(session_factory)
    first = await pick(session_factory, hold, quantity=3, key="attendee-42")
    again = await pick(session_factory, hold, quantity=3, key="attendee-42")
    assert (first.replayed, again.replayed) == (False, True)
    assert again.pickup.id == first.pickup.id and again.pickup.remaining_after == 7
    assert await counters(session_factory, hold) == (10, 3, 0)
    assert (await event_types(session_factory, hold)).count("resource_hold.picked_up") == 1


async def test_reusing_a_session_key_for_another_quantity_is_a_conflict(session_factory):
    hold = await make.hold(session_factory)
    await pick(session_factory, hold, quantity=2, key="k")
    with pytest.raises(Conflict) as raised:
        await pick(session_factory, hold, quantity=5, key="k")
    assert raised.value.code == "pickup_key_reused"


async def test_the_same_session_key_on_another_date_is_a_separate_pickup(session_factory):
    hold = await make.hold(session_factory)
    await pick(session_factory, hold, key="k")
    await pick(session_factory, hold, key="k", day=date(2026, 9, 2))
    assert await counters(session_factory, hold, date(2026, 9, 2)) == (10, 1, 0)


async def test_a_pickup_past_what_remains_is_refused(session_factory):
    hold = await make.hold(session_factory)
    await pick(session_factory, hold, quantity=8, key="a")
    with pytest.raises(BadRequest) as raised:
        await pick(session_factory, hold, quantity=3, key="b")
    assert raised.value.code == "pickup_exceeds_remaining"
    assert await counters(session_factory, hold) == (10, 8, 0)


async def test_a_pickup_on_a_date_the_hold_does_not_cover_is_not_found(session_factory):
    hold = await make.hold(session_factory)
    with pytest.raises(NotFound) as raised:
        await pick(session_factory, hold, day=date(2026, 9, 3))
    assert raised.value.code == "hold_date_not_found"


async def test_concurrent_pickups_never_exceed_what_was_held(session_factory):
    hold = await make.hold(session_factory, dates=[(SEPT_1, 7)])
    outcomes = await asyncio.gather(
        *(pick(session_factory, hold, quantity=2, key=f"s{n}") for n in range(10)),
        return_exceptions=True,
    )
    taken = [o for o in outcomes if isinstance(o, holds.PickupResult)]
    refused = [o for o in outcomes if isinstance(o, BadRequest)]
    assert len(taken) == 3 and len(refused) == 7
    assert {e.code for e in refused} == {"pickup_exceeds_remaining"}
    assert sorted(t.pickup.remaining_after for t in taken) == [1, 3, 5]
    assert await counters(session_factory, hold) == (7, 6, 0)


async def test_concurrent_retries_of_one_session_key_pick_up_once(session_factory):
    hold = await make.hold(session_factory)
    outcomes = await asyncio.gather(*(pick(session_factory, hold, key="same") for _ in range(8)))
    assert sorted(o.replayed for o in outcomes) == [False] + [True] * 7
    assert len({o.pickup.id for o in outcomes}) == 1
    async with session_factory() as s:
        assert len(list(await s.scalars(select(ResourceHoldPickup)))) == 1
    assert await counters(session_factory, hold) == (10, 1, 0)


async def test_releasing_a_hold_gives_back_every_unpicked_unit(session_factory):
    hold = await make.hold(session_factory)
    await pick(session_factory, hold, quantity=4)
    released = await move(session_factory, hold, "released")
    assert released.status == "released"
    assert await counters(session_factory, hold) == (10, 4, 6)
    assert await counters(session_factory, hold, date(2026, 9, 2)) == (10, 0, 10)


async def test_an_invalid_transition_is_refused_and_changes_nothing(session_factory):
    hold = await make.hold(session_factory, status="inquiry")
    with pytest.raises(Conflict) as raised:
        await move(session_factory, hold, "confirmed")
    assert raised.value.details == {"from": "inquiry", "to": "confirmed"}
    async with session_factory() as s:
        assert (await holds.get_hold(s, hold_id=hold.id)).status == "inquiry"


async def test_a_cancelled_hold_takes_no_pickups_but_still_answers_a_retry(session_factory):
    hold = await make.hold(session_factory)
    await pick(session_factory, hold, key="before")
    await move(session_factory, hold, "cancelled")
    assert (await pick(session_factory, hold, key="before")).replayed
    with pytest.raises(Conflict) as raised:
        await pick(session_factory, hold, key="after")
    assert raised.value.code == "hold_not_pickable"


async def release(session_factory, hold):
    async with unit_of_work(session_factory) as session:
        return await holds.release_at_cutoff(session, hold_id=hold.id)


async def test_the_cutoff_releases_unpicked_units_once_and_expires_a_held_hold(session_factory):
    hold = await make.hold(session_factory)
    await pick(session_factory, hold, quantity=4)
    first = await release(session_factory, hold)
    second = await release(session_factory, hold)
    assert (first.status, first.released_units, first.noop) == ("expired", 16, False)
    assert (second.released_units, second.noop) == (0, True)
    assert await counters(session_factory, hold) == (10, 4, 6)
    assert (await event_types(session_factory, hold)).count("resource_hold.cutoff_released") == 1


async def test_the_cutoff_of_a_confirmed_fully_picked_hold_changes_nothing(session_factory):
    hold = await make.hold(session_factory, dates=[(SEPT_1, 2)])
    await move(session_factory, hold, "confirmed")
    await pick(session_factory, hold, quantity=2)
    outcome = await release(session_factory, hold)
    assert (outcome.status, outcome.noop) == ("confirmed", True)
    assert "resource_hold.cutoff_released" not in await event_types(session_factory, hold)


async def test_holds_of_a_program_are_listed_newest_first(session_factory):
    first = await make.hold(session_factory, program_id="prog_gala")
    second = await make.hold(session_factory, program_id="prog_gala", kind="space")
    await make.hold(session_factory)
    async with session_factory() as s:
        found = await holds.list_holds(s, program_id="prog_gala")
    assert [h.id for h in found] == [second.id, first.id]
