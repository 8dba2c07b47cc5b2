import asyncio
from datetime import timedelta

import pytest
from sqlalchemy import select

from domain.availability.allocation_service import (
    add_custom_resource,
    assign_travellers,
    slot_manifest,
)
from domain.availability.holds import extend_hold, place_hold, release_hold
from domain.availability.models import AvailabilityHold, AvailabilitySlot
from domain.availability.slots import adjust_slot_capacity, edit_slot
from domain.db import unit_of_work
from domain.errors import Conflict
from domain.outbox.models import OutboxEvent
from tests.support.catalog import product_with_option, slot

TTL = timedelta(minutes=15)


async def reload(session_factory, slot_id):
    async with session_factory() as s:
        return await s.get_one(AvailabilitySlot, slot_id)


async def hold(session_factory, token, slot_id, pax=1):
    async with unit_of_work(session_factory) as session:
        return (
            await place_hold(
                session, token=token, slot_id=slot_id, pax=pax, ttl=TTL, task_queue="q"
            )
        ).hold


async def test_200_concurrent_one_pax_holds_on_a_capacity_50_slot_sell_exactly_50(session_factory):
    _, option = await product_with_option(session_factory)
    s = await slot(session_factory, option, capacity=50)

    async def attempt(n):
        try:
            await hold(session_factory, f"race-token-{n:04d}", s.id)
            return True
        except Conflict:
            return False

    results = await asyncio.gather(*(attempt(n) for n in range(200)))
    assert sum(results) == 50
    after = await reload(session_factory, s.id)
    assert (after.capacity_remaining, after.status) == (0, "sold_out")
    async with session_factory() as db:
        held = (
            await db.scalars(select(AvailabilityHold).where(AvailabilityHold.slot_id == s.id))
        ).all()
    assert len(held) == 50 and sum(h.pax for h in held) == 50

    winner = held[0].token
    async with unit_of_work(session_factory) as session:
        await release_hold(session, token=winner)
    after = await reload(session_factory, s.id)
    assert (after.capacity_remaining, after.status) == (1, "open")


async def test_every_capacity_change_is_announced_with_the_new_remaining_and_status(
    session_factory,
):
    _, option = await product_with_option(session_factory)
    s = await slot(session_factory, option, capacity=2)
    await hold(session_factory, "token-aaaaaaa", s.id, pax=2)
    async with unit_of_work(session_factory) as session:
        await release_hold(session, token="token-aaaaaaa")
    async with session_factory() as db:
        payloads = (
            await db.scalars(
                select(OutboxEvent.payload)
                .where(OutboxEvent.aggregate_id == s.id)
                .order_by(OutboxEvent.seq)
            )
        ).all()
    assert [(p["capacity_remaining"], p["status"], p["reason"]) for p in payloads] == [
        (0, "sold_out", "hold_placed"),
        (2, "open", "hold_released"),
    ]


async def test_placing_again_with_the_same_token_applies_only_the_pax_difference(session_factory):
    _, option = await product_with_option(session_factory)
    s = await slot(session_factory, option, capacity=10)
    await hold(session_factory, "token-replay", s.id, pax=3)
    await hold(session_factory, "token-replay", s.id, pax=5)
    assert (await reload(session_factory, s.id)).capacity_remaining == 5
    await hold(session_factory, "token-replay", s.id, pax=1)
    assert (await reload(session_factory, s.id)).capacity_remaining == 9


async def test_a_released_hold_cannot_be_replaced_or_extended_and_releasing_twice_is_harmless(
    session_factory,
):
    _, option = await product_with_option(session_factory)
    s = await slot(session_factory, option, capacity=10)
    await hold(session_factory, "token-gone", s.id, pax=2)
    for _ in range(2):
        async with unit_of_work(session_factory) as session:
            await release_hold(session, token="token-gone")
    assert (await reload(session_factory, s.id)).capacity_remaining == 10
    with pytest.raises(Conflict) as err:
        await hold(session_factory, "token-gone", s.id, pax=2)
    assert err.value.code == "hold_not_active"
    with pytest.raises(Conflict):
        async with unit_of_work(session_factory) as session:
            await extend_hold(session, token="token-gone", ttl=TTL)


async def test_the_gate_never_goes_below_zero_and_refuses_closed_slots(session_factory):
    _, option = await product_with_option(session_factory)
    s = await slot(session_factory, option, capacity=3)
    with pytest.raises(Conflict) as err:
        async with unit_of_work(session_factory) as session:
            await adjust_slot_capacity(session, slot_id=s.id, delta=-4, reason="t")
    assert err.value.code == "insufficient_capacity" and err.value.details == {
        "remaining": 3,
        "requested": 4,
    }
    async with unit_of_work(session_factory) as session:
        await edit_slot(session, slot_id=s.id, status="closed")
    with pytest.raises(Conflict) as err:
        await hold(session_factory, "token-closed", s.id)
    assert err.value.code == "slot_not_open"
    assert (await reload(session_factory, s.id)).capacity_remaining == 3


async def test_capacity_cannot_be_edited_below_what_is_sold(session_factory):
    _, option = await product_with_option(session_factory)
    s = await slot(session_factory, option, capacity=5)
    await hold(session_factory, "token-sold4", s.id, pax=4)
    with pytest.raises(Conflict) as err:
        async with unit_of_work(session_factory) as session:
            await edit_slot(session, slot_id=s.id, capacity=3)
    assert err.value.code == "capacity_below_sold"
    async with unit_of_work(session_factory) as session:
        edited = await edit_slot(session, slot_id=s.id, capacity=4)
    assert (edited.capacity_remaining, edited.status) == (0, "sold_out")


async def test_a_plan_that_fits_the_slot_but_oversells_one_room_is_refused_with_details(
    session_factory,
):
    _, option = await product_with_option(session_factory)
    s = await slot(session_factory, option, capacity=40)
    async with unit_of_work(session_factory) as session:
        room = await add_custom_resource(
            session, slot_id=s.id, kind="room_dbl", label="101", capacity=2
        )
        await assign_travellers(session, slot_id=s.id, plan={room.id: ["bktr_a", "bktr_b"]})
    with pytest.raises(Conflict) as err:
        async with unit_of_work(session_factory) as session:
            await assign_travellers(session, slot_id=s.id, plan={room.id: ["bktr_c"]})
    assert err.value.code == "resource_capacity_exhausted"
    assert err.value.details["violations"] == [
        {
            "code": "resource_capacity_exhausted",
            "kind": "room_dbl",
            "resource_id": room.id,
            "capacity": 2,
            "existing_assigned": 2,
            "requested": 1,
        }
    ]
    # Saving the same plan again is idempotent: the re-planned travellers are not counted twice.
    async with unit_of_work(session_factory) as session:
        m = await assign_travellers(session, slot_id=s.id, plan={room.id: ["bktr_a", "bktr_b"]})
    assert [(k.kind, k.assigned, k.available) for k in m.kinds] == [("room_dbl", 2, 0)]


async def test_concurrent_plans_never_oversell_a_resource(session_factory):
    _, option = await product_with_option(session_factory)
    s = await slot(session_factory, option, capacity=40)
    async with unit_of_work(session_factory) as session:
        room = await add_custom_resource(
            session, slot_id=s.id, kind="room_tpl", label="201", capacity=3
        )

    async def attempt(n):
        try:
            async with unit_of_work(session_factory) as session:
                await assign_travellers(session, slot_id=s.id, plan={room.id: [f"bktr_{n}"]})
            return True
        except Conflict:
            return False

    assert sum(await asyncio.gather(*(attempt(n) for n in range(20)))) == 3
    async with session_factory() as db:
        m = await slot_manifest(db, slot_id=s.id)
    assert m.resources[0].assigned == 3
