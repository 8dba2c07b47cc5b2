import asyncio

import pytest
from sqlalchemy import select

from domain.availability.models import AvailabilitySlot
from domain.bookings import service
from domain.bookings.models import BookingItem
from domain.db import unit_of_work
from domain.distribution import allotments
from domain.distribution.channel_bookings import create_channel_booking, distribution_subscribers
from domain.distribution.models import BookingDistributionDetails, ChannelInventoryAllotmentTarget
from domain.distribution.release_models import AllotmentReleaseExecution
from domain.errors import Conflict
from domain.outbox.models import OutboxEvent
from domain.outbox.relay import OutboxRelay
from tests.support.bookings import ctx, spec_for
from tests.support.catalog import product_with_option, slot
from tests.support.distribution import make_allotment, make_allotment_target, make_channel


async def remaining(session_factory, slot_id):
    async with session_factory() as s:
        row = await s.get_one(AvailabilitySlot, slot_id)
        return row.capacity_remaining


async def target_of(session_factory, target_id):
    async with session_factory() as s:
        return await s.get_one(ChannelInventoryAllotmentTarget, target_id)


async def setup(session_factory, *, capacity=10, guaranteed=4, max_capacity=6):
    _, option = await product_with_option(session_factory)
    s = await slot(session_factory, option, capacity=capacity)
    async with unit_of_work(session_factory) as session:
        channel = await make_channel(session)
        allotment = await make_allotment(
            session,
            channel,
            option.product_id,
            guaranteed_capacity=guaranteed,
            max_capacity=max_capacity,
        )
        target = await make_allotment_target(session, channel, s.id, allotment=allotment)
    return s, channel, target


async def channel_book(session_factory, s, channel, pax):
    async with unit_of_work(session_factory) as session:
        return await create_channel_booking(
            session, spec_for(s, pax=pax), ctx(), channel_id=channel.id, market="DE"
        )


async def test_a_target_carves_its_guaranteed_units_out_of_the_general_pool(session_factory):
    s, _, target = await setup(session_factory, capacity=10, guaranteed=4)
    assert await remaining(session_factory, s.id) == 6
    assert (target.guaranteed, target.held, target.sold) == (4, 4, 0)


async def test_a_channel_booking_draws_from_its_allotment_before_the_general_pool(
    session_factory,
):
    s, channel, target = await setup(session_factory, capacity=10, guaranteed=4)
    booking = await channel_book(session_factory, s, channel, 3)
    row = await target_of(session_factory, target.id)
    assert (row.held, row.sold) == (1, 3)
    assert await remaining(session_factory, s.id) == 6  # the general pool is untouched
    async with session_factory() as db:
        details = await db.scalar(
            select(BookingDistributionDetails).where(
                BookingDistributionDetails.booking_id == booking.id
            )
        )
    assert details is not None and (details.source_channel_id, details.market) == (
        channel.id,
        "DE",
    )


async def test_selling_past_max_capacity_is_refused_and_leaves_nothing_behind(session_factory):
    s, channel, target = await setup(session_factory, capacity=10, guaranteed=4, max_capacity=6)
    await channel_book(session_factory, s, channel, 5)
    with pytest.raises(Conflict) as err:
        await channel_book(session_factory, s, channel, 2)
    assert err.value.code == "allotment_exhausted"
    row = await target_of(session_factory, target.id)
    assert (row.held, row.sold) == (0, 5)
    assert await remaining(session_factory, s.id) == 5  # 10 - 4 carved - 1 from the pool


async def test_a_cancelled_channel_booking_gives_back_and_recarves_its_units(session_factory):
    s, channel, target = await setup(session_factory, capacity=10, guaranteed=4)
    booking = await channel_book(session_factory, s, channel, 3)
    async with unit_of_work(session_factory) as session:
        await service.change_status(session, booking_id=booking.id, target="cancelled", ctx=ctx())
    relay = OutboxRelay(session_factory, distribution_subscribers())
    await relay.drain()
    await relay.drain()  # a second pass delivers nothing twice
    row = await target_of(session_factory, target.id)
    assert (row.held, row.sold) == (4, 0)
    assert await remaining(session_factory, s.id) == 6


async def test_releasing_returns_exactly_the_unsold_units_once_and_emits_the_slot_change(
    session_factory,
):
    s, channel, target = await setup(session_factory, capacity=10, guaranteed=4)
    await channel_book(session_factory, s, channel, 1)
    for _ in range(2):
        async with unit_of_work(session_factory) as session:
            execution = await allotments.release_target(
                session, target_id=target.id, action="release_to_general_pool", trigger="manual"
            )
    assert execution.capacity_released == 3
    assert await remaining(session_factory, s.id) == 9
    async with session_factory() as db:
        executions = (
            await db.scalars(
                select(AllotmentReleaseExecution).where(
                    AllotmentReleaseExecution.target_id == target.id
                )
            )
        ).all()
        reasons = (
            await db.scalars(
                select(OutboxEvent.payload["reason"].astext).where(
                    OutboxEvent.aggregate_id == s.id,
                    OutboxEvent.event_type == "availability.slot.changed",
                )
            )
        ).all()
    assert len(executions) == 1 and reasons.count("allotment_released") == 1
    row = await target_of(session_factory, target.id)
    assert (row.status, row.held, row.released) == ("released", 0, 3)


async def test_concurrent_channel_bookings_never_sell_past_max_capacity(session_factory):
    s, channel, target = await setup(session_factory, capacity=30, guaranteed=4, max_capacity=7)

    async def attempt():
        try:
            await channel_book(session_factory, s, channel, 1)
            return True
        except Conflict:
            return False

    results = await asyncio.gather(*(attempt() for _ in range(15)))
    assert sum(results) == 7
    row = await target_of(session_factory, target.id)
    assert (row.held, row.sold) == (0, 7)
    assert await remaining(session_factory, s.id) == 23  # 30 - 7 sold


async def test_the_sweep_releases_only_targets_whose_rule_time_passed_once(session_factory):
    from datetime import UTC, datetime, timedelta

    from domain.distribution import release_rules
    from tests.support.distribution import make_release_rule

    now = datetime(2026, 5, 1, 12, 0, tzinfo=UTC)
    _, option = await product_with_option(session_factory)
    soon = await slot(session_factory, option, capacity=10, starts_at=now + timedelta(days=2))
    later = await slot(
        session_factory,
        option,
        capacity=10,
        starts_at=now + timedelta(days=5),
        local_date=(now + timedelta(days=5)).date(),
    )
    async with unit_of_work(session_factory) as session:
        channel = await make_channel(session)
        allotment = await make_allotment(session, channel, option.product_id)
        await make_release_rule(session, allotment, offset_unit="days", offset_value=3)
        due = await make_allotment_target(session, channel, soon.id, allotment=allotment)
        await make_allotment_target(session, channel, later.id, allotment=allotment)
    first = await release_rules.sweep_due(session_factory, as_of=now, limit=50)
    again = await release_rules.sweep_due(session_factory, as_of=now, limit=50)
    assert (first, again) == ([due.id], [])
    assert await remaining(session_factory, soon.id) == 10
    assert await remaining(session_factory, later.id) == 6
    async with session_factory() as db:
        [execution] = (await db.scalars(select(AllotmentReleaseExecution))).all()
    assert (execution.trigger, execution.capacity_released) == ("sweep", 4)


async def test_deleting_a_channel_returns_its_carved_units_to_the_general_pool(session_factory):
    from domain.distribution import channels

    s, channel, target = await setup(session_factory, capacity=10, guaranteed=4)
    await channel_book(session_factory, s, channel, 1)
    async with unit_of_work(session_factory) as session:
        await channels.delete_channel(session, channel.id)
    assert await remaining(session_factory, s.id) == 9  # 10 - the 1 seat sold
    async with session_factory() as db:
        assert await db.get(ChannelInventoryAllotmentTarget, target.id) is None


async def test_cancelling_a_booking_gives_back_only_the_items_it_still_held(session_factory):
    from domain.bookings import lines
    from tests.support.bookings import item_for

    s, channel, target = await setup(session_factory, capacity=20, guaranteed=4, max_capacity=8)
    await channel_book(session_factory, s, channel, 2)  # another booking that stays
    spec = spec_for(s, pax=3, status="confirmed")
    spec.items = [item_for(s, pax=2), item_for(s, pax=1)]
    async with unit_of_work(session_factory) as session:
        booking = await create_channel_booking(session, spec, ctx(), channel_id=channel.id)
    assert (await target_of(session_factory, target.id)).sold == 5
    async with session_factory() as db:
        one_pax = await db.scalar(
            select(BookingItem.id).where(BookingItem.booking_id == booking.id, BookingItem.pax == 1)
        )
    async with unit_of_work(session_factory) as session:  # what an OCTO rebooking does
        await lines.cancel_item(session, booking_id=booking.id, item_id=one_pax, ctx=ctx())
        await allotments.give_back(session, channel_id=channel.id, slot_id=s.id, pax=1)
    async with unit_of_work(session_factory) as session:
        await service.change_status(session, booking_id=booking.id, target="cancelled", ctx=ctx())
    await OutboxRelay(session_factory, distribution_subscribers()).drain()
    row = await target_of(session_factory, target.id)
    assert (row.sold, row.held) == (2, 2)  # only the 2-pax item came back at cancellation


@pytest.mark.parametrize("first_slot", ["beyond_guaranteed", "no_target"])
async def test_a_two_slot_channel_booking_and_a_plain_booking_on_both_never_deadlock(
    session_factory, monkeypatch, first_slot
):
    """The channel booking draws nothing back on the first slot (beyond guaranteed, or no
    target at all) but does on the second; a plain booking of both slips in between."""
    from datetime import time

    from tests.support.bookings import item_for

    _, option = await product_with_option(session_factory)
    made = [
        await slot(session_factory, option, capacity=20, local_time=time(9 + n, 0))
        for n in range(2)
    ]
    first, second = sorted(made, key=lambda s: s.id)
    async with unit_of_work(session_factory) as session:
        channel = await make_channel(session)
        if first_slot == "beyond_guaranteed":
            await make_allotment_target(
                session, channel, first.id, guaranteed_capacity=0, max_capacity=5
            )
        await make_allotment_target(session, channel, second.id)

    def two_slot_spec(pax_each):
        spec = spec_for(first, pax=2 * pax_each, status="confirmed")
        spec.items = [item_for(first, pax=pax_each), item_for(second, pax=pax_each)]
        return spec

    create_booking = service.create_booking
    drawn, go = asyncio.Event(), asyncio.Event()

    async def after_the_draws(session, spec, context):
        drawn.set()
        await go.wait()
        return await create_booking(session, spec, context)

    monkeypatch.setattr(service, "create_booking", after_the_draws)  # as channel_bookings calls it

    async def channel_side():
        async with unit_of_work(session_factory) as session:
            await create_channel_booking(session, two_slot_spec(1), ctx(), channel_id=channel.id)

    async def plain_side():
        async with unit_of_work(session_factory) as session:
            await create_booking(session, two_slot_spec(1), ctx())

    channel_task = asyncio.create_task(channel_side())
    await asyncio.wait_for(drawn.wait(), 10)
    plain_task = asyncio.create_task(plain_side())
    await asyncio.sleep(0.5)  # the plain booking reaches the slot locks
    go.set()
    results = await asyncio.gather(channel_task, plain_task, return_exceptions=True)
    assert [r is None for r in results] == [True, True], results
    assert await remaining(session_factory, first.id) == 18  # 20 - 2 sold, none carved
    assert await remaining(session_factory, second.id) == 15  # 20 - 4 carved + 1 drawn - 2


async def test_two_racing_direct_channels_give_one_and_a_direct_channel_exists_conflict(
    session_factory,
):
    from domain.distribution import channels

    async def create(session):
        return await channels.create_channel(session, name="Website", kind="direct")

    async with session_factory() as first:
        await create(first)  # inserted, not committed yet
        async with session_factory() as second:
            racing = asyncio.create_task(create(second))  # passes the pre-check, then waits
            await asyncio.sleep(0.5)
            await first.commit()
            with pytest.raises(Conflict) as err:
                await racing
    assert err.value.code == "direct_channel_exists"


async def test_lowering_max_capacity_while_a_draw_is_in_flight_never_leaves_sold_above_max(
    session_factory,
):
    from domain.distribution import allotment_admin

    s, channel, target = await setup(session_factory, capacity=10, guaranteed=4, max_capacity=6)
    await channel_book(session_factory, s, channel, 5)

    async def lower_to_5():
        async with unit_of_work(session_factory) as session:
            await allotment_admin.update_allotment(
                session, target.allotment_id, {"max_capacity": 5}
            )

    async with session_factory() as drawing:
        await allotments.draw(drawing, channel_id=channel.id, slot_id=s.id, pax=1)  # 6th seat
        lowering = asyncio.create_task(lower_to_5())
        await asyncio.sleep(0.5)
        await drawing.commit()
    with pytest.raises(Conflict) as err:
        await lowering
    assert err.value.code == "max_below_sold"
    async with session_factory() as db:
        allotment = await allotments.get_allotment(db, target.allotment_id)
        row = await db.get_one(ChannelInventoryAllotmentTarget, target.id)
    assert (allotment.max_capacity, row.sold) == (6, 6)


async def test_a_negative_give_back_is_refused_and_changes_nothing(session_factory):
    from domain.errors import BadRequest

    s, channel, target = await setup(session_factory, capacity=10, guaranteed=4)
    await channel_book(session_factory, s, channel, 3)
    with pytest.raises(BadRequest) as err:
        async with unit_of_work(session_factory) as session:
            await allotments.give_back(session, channel_id=channel.id, slot_id=s.id, pax=-2)
    assert err.value.code == "invalid_pax"
    row = await target_of(session_factory, target.id)
    assert (row.held, row.sold) == (1, 3)
    assert await remaining(session_factory, s.id) == 6


async def test_the_same_target_added_twice_at_once_carves_once_and_answers_both(
    session_factory,
):
    _, option = await product_with_option(session_factory)
    s = await slot(session_factory, option, capacity=10)
    async with unit_of_work(session_factory) as session:
        channel = await make_channel(session)
        allotment = await make_allotment(session, channel, option.product_id)

    async def add(session):
        return await allotments.add_target(session, allotment_id=allotment.id, slot_id=s.id)

    async with session_factory() as first:
        made = await add(first)
        async with session_factory() as second:
            racing = asyncio.create_task(add(second))  # sees no target, waits on the index
            await asyncio.sleep(0.5)
            await first.commit()
            again = await racing
            await second.commit()
    assert again.id == made.id
    assert await remaining(session_factory, s.id) == 6  # carved once: 10 - 4


async def test_a_channel_draft_promoted_then_cancelled_gives_back_nothing_it_never_drew(
    session_factory,
):
    s, channel, target = await setup(session_factory, capacity=20, guaranteed=4, max_capacity=8)
    await channel_book(session_factory, s, channel, 3)  # drew 3: held 1, sold 3
    async with unit_of_work(session_factory) as session:
        draft = await create_channel_booking(
            session, spec_for(s, pax=2, status="draft"), ctx(), channel_id=channel.id
        )
    async with unit_of_work(session_factory) as session:
        await service.change_status(session, booking_id=draft.id, target="confirmed", ctx=ctx())
    async with unit_of_work(session_factory) as session:
        await service.change_status(session, booking_id=draft.id, target="cancelled", ctx=ctx())
    await OutboxRelay(session_factory, distribution_subscribers()).drain()
    row = await target_of(session_factory, target.id)
    assert (row.held, row.sold) == (1, 3)  # the other booking's 3 seats still count
    assert await remaining(session_factory, s.id) == 16  # 20 - 4 carved + 3 drawn - 3 sold


@pytest.mark.parametrize("guaranteed", [4, 0])
async def test_deleting_a_channel_while_it_books_on_its_allotment_never_deadlocks(
    session_factory, monkeypatch, guaranteed
):
    from domain.distribution import channels

    s, channel, target = await setup(session_factory, capacity=10, guaranteed=guaranteed)
    create_booking = service.create_booking
    drawn, go = asyncio.Event(), asyncio.Event()

    async def after_the_draws(session, spec, context):
        drawn.set()
        await go.wait()
        return await create_booking(session, spec, context)

    monkeypatch.setattr(service, "create_booking", after_the_draws)  # as channel_bookings calls it
    booking_task = asyncio.create_task(channel_book(session_factory, s, channel, 1))
    await asyncio.wait_for(drawn.wait(), 10)

    async def delete():
        async with unit_of_work(session_factory) as session:
            await channels.delete_channel(session, channel.id)

    delete_task = asyncio.create_task(delete())
    await asyncio.sleep(0.5)  # the delete waits for the booking's locks
    go.set()
    outcome = await asyncio.gather(booking_task, delete_task, return_exceptions=True)
    assert outcome[1] is None and not isinstance(outcome[0], BaseException), outcome
    assert await remaining(session_factory, s.id) == 9  # 10 - the 1 seat sold
    async with session_factory() as db:
        assert await db.get(ChannelInventoryAllotmentTarget, target.id) is None


async def test_deleting_an_allotment_while_a_booking_draws_on_two_of_its_slots_never_deadlocks(
    session_factory, monkeypatch
):
    from datetime import time

    from domain.distribution import allotment_admin
    from tests.support.bookings import item_for

    _, option = await product_with_option(session_factory)
    made = [
        await slot(session_factory, option, capacity=20, local_time=time(9 + n, 0))
        for n in range(2)
    ]
    first, second = sorted(made, key=lambda s: s.id)
    async with unit_of_work(session_factory) as session:
        channel = await make_channel(session)
        allotment = await make_allotment(session, channel, option.product_id)
        # The second slot's target gets the smaller id: id order is not slot order.
        await make_allotment_target(session, channel, second.id, allotment=allotment)
        await make_allotment_target(session, channel, first.id, allotment=allotment)

    draw = allotments.draw
    first_drawn, go = asyncio.Event(), asyncio.Event()

    async def pausing_draw(session, *, channel_id, slot_id, pax):
        result = await draw(session, channel_id=channel_id, slot_id=slot_id, pax=pax)
        if slot_id == first.id:
            first_drawn.set()
            await go.wait()
        return result

    monkeypatch.setattr(allotments, "draw", pausing_draw)  # as channel_bookings calls it
    spec = spec_for(first, pax=2, status="confirmed")
    spec.items = [item_for(first, pax=1), item_for(second, pax=1)]

    async def book_both():
        async with unit_of_work(session_factory) as session:
            await create_channel_booking(session, spec, ctx(), channel_id=channel.id)

    async def delete():
        async with unit_of_work(session_factory) as session:
            await allotment_admin.delete_allotment(session, allotment.id)

    booking_task = asyncio.create_task(book_both())
    await asyncio.wait_for(first_drawn.wait(), 10)
    delete_task = asyncio.create_task(delete())
    await asyncio.sleep(0.5)
    go.set()
    results = await asyncio.gather(booking_task, delete_task, return_exceptions=True)
    assert [r is None for r in results] == [True, True], results
    assert await remaining(session_factory, first.id) == 19  # 20 - the 1 seat sold
    assert await remaining(session_factory, second.id) == 19
