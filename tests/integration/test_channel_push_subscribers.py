"""Push subscribers write links and intents (no HTTP), each flow through its own table."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from domain.bookings import service
from domain.channel_push.models import ChannelAvailabilityPushIntent, ChannelContentPushIntent
from domain.channel_push.subscribers import PRODUCT_CHANGED, channel_push_subscribers
from domain.db import unit_of_work
from domain.distribution.models import ChannelBookingLink
from domain.intents.models import WorkflowIntent
from domain.outbox.record import record_event
from domain.outbox.relay import OutboxRelay
from domain.outbox.subscribers import Event
from tests.support.bookings import book, ctx, spec_for
from tests.support.catalog import product_with_option, slot
from tests.support.channel_push import FAST, connected_channel
from tests.support.distribution import (
    make_allotment_target,
    make_distribution_details,
    make_mapping,
)

URL = "http://127.0.0.1:9"  # never called: subscribers make no HTTP calls


async def rows(factory: async_sessionmaker[AsyncSession], model: type, **where: str) -> list[Any]:
    async with factory() as session:
        q: Any = select(model)
        for name, value in where.items():
            q = q.where(getattr(model, name) == value)
        return list((await session.scalars(q)).all())


async def test_each_flow_resolves_channels_through_its_own_table(
    session_factory: async_sessionmaker[AsyncSession], task_queue: str
) -> None:
    product, option = await product_with_option(session_factory)
    departure = await slot(session_factory, option, capacity=20)
    mapped = await connected_channel(session_factory, URL)  # sells "on request": mapping only
    allotted = await connected_channel(session_factory, URL)  # allotment only, no mapping
    async with unit_of_work(session_factory) as session:
        await make_mapping(session, mapped, product.id)
        await make_allotment_target(session, allotted, departure.id, guaranteed=2)
        record_event(
            session,
            aggregate_type="product",
            aggregate_id=product.id,
            event_type=PRODUCT_CHANGED,
            payload={"product_id": product.id},
        )
    booking = await book(session_factory, spec_for(departure, status="confirmed"))
    await OutboxRelay(session_factory, channel_push_subscribers(task_queue, FAST)).drain()

    links = await rows(session_factory, ChannelBookingLink, booking_id=booking.id)
    availability = await rows(session_factory, ChannelAvailabilityPushIntent, slot_id=departure.id)
    content = await rows(session_factory, ChannelContentPushIntent, product_id=product.id)
    assert [link.channel_id for link in links] == [mapped.id]
    assert links[0].idempotency_key.startswith(f"book:{booking.id}:") and links[
        0
    ].idempotency_key.endswith(f":{mapped.id}")
    assert links[0].push_status == "pending"
    # what the channel sold: the item total (2 travellers x 50.00), not the unit price
    assert (links[0].amount_minor, links[0].currency) == (2 * 5000, "EUR")
    assert [i.channel_id for i in availability] == [allotted.id]
    assert [i.channel_id for i in content] == [mapped.id]
    starts = await rows(session_factory, WorkflowIntent, workflow_type="ChannelBookingPush")
    assert [s.workflow_id for s in starts] == [f"channel-booking-push:{booking.id}:{mapped.id}"]
    assert starts[0].search_attributes == {"BookingId": booking.id, "ChannelId": mapped.id}


async def test_the_same_event_twice_makes_one_link_and_one_workflow_start(
    session_factory: async_sessionmaker[AsyncSession], task_queue: str
) -> None:
    product, option = await product_with_option(session_factory)
    departure = await slot(session_factory, option)
    channel = await connected_channel(session_factory, URL)
    async with unit_of_work(session_factory) as session:
        await make_mapping(session, channel, product.id)
    booking = await book(session_factory, spec_for(departure, status="confirmed"))
    on_confirmed = channel_push_subscribers(task_queue, FAST)[0]
    event = Event(
        "evt_x",
        1,
        "booking",
        booking.id,
        "booking.confirmed",
        {"booking_id": booking.id},
        datetime.now(UTC),
    )
    for _ in range(2):
        async with unit_of_work(session_factory) as session:
            await on_confirmed.handler(session, event)
    async with session_factory() as session:
        links = await session.scalar(select(func.count()).select_from(ChannelBookingLink))
        starts = await session.scalar(
            select(func.count())
            .select_from(WorkflowIntent)
            .where(WorkflowIntent.workflow_type == "ChannelBookingPush")
        )
    assert (links, starts) == (1, 1)


async def test_a_booking_is_never_pushed_back_to_the_channel_it_came_from(
    session_factory: async_sessionmaker[AsyncSession], task_queue: str
) -> None:
    product, option = await product_with_option(session_factory)
    departure = await slot(session_factory, option)
    reseller = await connected_channel(session_factory, URL, kind="reseller")
    other = await connected_channel(session_factory, URL)
    async with unit_of_work(session_factory) as session:
        await make_mapping(session, reseller, product.id)
        await make_mapping(session, other, product.id)
    booking = await book(session_factory, spec_for(departure, status="draft"))
    async with unit_of_work(session_factory) as session:
        await make_distribution_details(session, booking.id, reseller)
    async with unit_of_work(session_factory) as session:
        await service.change_status(session, booking_id=booking.id, target="confirmed", ctx=ctx())
    await OutboxRelay(session_factory, channel_push_subscribers(task_queue, FAST)).drain()
    links = await rows(session_factory, ChannelBookingLink, booking_id=booking.id)
    assert [link.channel_id for link in links] == [other.id]


async def test_many_changes_to_one_slot_collapse_into_one_intent_with_the_latest_seq(
    session_factory: async_sessionmaker[AsyncSession], task_queue: str
) -> None:
    _product, option = await product_with_option(session_factory)
    departure = await slot(session_factory, option, capacity=30)
    channel = await connected_channel(session_factory, URL)
    async with unit_of_work(session_factory) as session:
        await make_allotment_target(session, channel, departure.id, guaranteed=1)
    for _ in range(3):
        await book(session_factory, spec_for(departure, pax=1, status="confirmed"))
    await OutboxRelay(session_factory, channel_push_subscribers(task_queue, FAST)).drain()
    intents = await rows(session_factory, ChannelAvailabilityPushIntent, channel_id=channel.id)
    wakes = await rows(session_factory, WorkflowIntent, workflow_type="ChannelQueuePush")
    assert len(intents) == 1
    assert intents[0].changes >= 4 and intents[0].push_status == "pending"
    assert len(wakes) == 1  # still pending: the drainer needs one wake, not one per change
    assert wakes[0].workflow_id == f"channel-availability-push:{channel.id}"


async def test_a_change_to_an_overdue_pending_row_wakes_the_drainer_again_once_a_minute(
    session_factory: async_sessionmaker[AsyncSession], task_queue: str
) -> None:
    _product, option = await product_with_option(session_factory)
    departure = await slot(session_factory, option, capacity=30)
    channel = await connected_channel(session_factory, URL)
    async with unit_of_work(session_factory) as session:
        await make_allotment_target(session, channel, departure.id, guaranteed=1)
    relay = OutboxRelay(session_factory, channel_push_subscribers(task_queue, FAST))
    await book(session_factory, spec_for(departure, pax=1, status="confirmed"))
    await relay.drain()
    # The drainer died: the row has been due for five minutes and nobody took it.
    async with unit_of_work(session_factory) as session:
        await session.execute(
            update(ChannelAvailabilityPushIntent)
            .where(ChannelAvailabilityPushIntent.channel_id == channel.id)
            .values(next_attempt_at=func.now() - timedelta(minutes=5))
        )
    for _ in range(3):
        await book(session_factory, spec_for(departure, pax=1, status="confirmed"))
    await relay.drain()
    wakes = await rows(session_factory, WorkflowIntent, workflow_type="ChannelQueuePush")
    overdue = [w for w in wakes if ":overdue:" in w.key]
    assert len(wakes) - len(overdue) == 1  # the first wake, by its event
    assert len(overdue) in (1, 2)  # three changes, one overdue wake (two across a minute edge)
    assert {w.id_reuse_policy for w in wakes} == {"allow_duplicate"}
