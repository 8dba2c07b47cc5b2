"""Channel push end to end: the simulated OTA over real HTTP, real Temporal, the outbox relay."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import pytest
from prometheus_client import REGISTRY
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from temporalio.client import Client

from domain.availability.slots import edit_slot
from domain.bookings import service
from domain.catalog.models import Product
from domain.channel_push.health import sync_health
from domain.channel_push.models import (
    ChannelAvailabilityPushIntent,
    ChannelContentPushIntent,
    ChannelDelivery,
)
from domain.channel_push.policy import ABANDONED_EVENT, PushPolicy
from domain.channel_push.queue_push import available_for
from domain.channel_push.repush import redrive_channel, repush_link
from domain.channel_push.subscribers import PRODUCT_CHANGED, channel_push_subscribers
from domain.db import unit_of_work
from domain.distribution.models import Channel, ChannelBookingLink
from domain.intents.dispatcher import IntentDispatcher
from domain.outbox.models import OutboxEvent
from domain.outbox.record import record_event
from domain.outbox.relay import OutboxRelay
from domain.outbox.subscribers import Event
from tests.support.bookings import book, ctx, item_for, spec_for
from tests.support.catalog import product_with_option, slot
from tests.support.channel_push import FAST, Sim, backlog, connected_channel, sim_channel, wake
from tests.support.distribution import make_allotment_target, make_mapping
from tourflow.temporal import TemporalClientProvider
from worker import build_worker

PATIENT = PushPolicy(max_attempts=200, initial_interval_seconds=0.1, max_interval_seconds=0.4)


@dataclass
class Harness:
    sim: Sim
    factory: async_sessionmaker[AsyncSession]
    client: Client
    relay: OutboxRelay
    dispatcher: IntentDispatcher
    task_queue: str

    async def until(self, check: Callable[[], Awaitable[bool]], *, within: float = 60) -> None:
        """Pump the outbox until `check` holds (a bound on waiting, not a speed check)."""
        deadline = time.monotonic() + within
        while not await check():
            assert time.monotonic() < deadline, "condition never held"
            await self.relay.drain()
            await asyncio.sleep(0.05)

    async def links(self, booking_id: str) -> list[ChannelBookingLink]:
        async with self.factory() as session:
            rows = await session.scalars(
                select(ChannelBookingLink)
                .where(ChannelBookingLink.booking_id == booking_id)
                .order_by(ChannelBookingLink.id)
            )
            return list(rows.all())


async def harness(
    session_factory: async_sessionmaker[AsyncSession],
    temporal_client: Client,
    task_queue: str,
    policy: PushPolicy,
    **sim_config: Any,
) -> AsyncIterator[Harness]:
    async with sim_channel(**sim_config) as sim:
        dispatcher = IntentDispatcher(session_factory, TemporalClientProvider.of(temporal_client))
        relay = OutboxRelay(
            session_factory,
            channel_push_subscribers(task_queue, policy),
            after_commit=dispatcher.dispatch,
        )
        async with build_worker(temporal_client, session_factory, task_queue=task_queue):
            yield Harness(sim, session_factory, temporal_client, relay, dispatcher, task_queue)


@pytest.fixture
async def push(session_factory, temporal_client, task_queue) -> AsyncIterator[Harness]:
    async for h in harness(session_factory, temporal_client, task_queue, FAST):
        yield h


@pytest.fixture
async def patient(session_factory, temporal_client, task_queue) -> AsyncIterator[Harness]:
    async for h in harness(session_factory, temporal_client, task_queue, PATIENT):
        yield h


def lag_observed(channel_id: str, kind: str, count: int) -> Callable[[], Awaitable[bool]]:
    """Whether the push-lag histogram holds exactly `count` observations of the channel."""

    async def check() -> bool:
        labels = {"channel_id": channel_id, "kind": kind}
        got = REGISTRY.get_sample_value("tourflow_channel_push_lag_seconds_count", labels)
        assert (got or 0) <= count
        return got == count

    return check


async def test_confirm_reaches_the_channel_once_and_cancel_shows_it_cancelled(
    push: Harness,
) -> None:
    product, option = await product_with_option(push.factory)
    departure = await slot(push.factory, option)
    channel = await connected_channel(push.factory, push.sim.url, rate_rps=50, rate_burst=10)
    async with unit_of_work(push.factory) as session:
        await make_mapping(session, channel, product.id, external_product_id="viator-123")
    booking = await book(push.factory, spec_for(departure, status="confirmed"))

    async def landed() -> bool:
        return [link.push_status for link in await push.links(booking.id)] == ["ok"]

    await push.until(landed)
    await push.until(lag_observed(channel.id, "booking", 1))
    [link] = await push.links(booking.id)
    [upstream] = push.sim.state.bookings.values()
    assert upstream["idempotency_key"] == link.idempotency_key
    assert upstream["product_ref"] == "viator-123"
    assert (upstream["amount_minor"], upstream["currency"]) == (2 * 5000, "EUR")  # item total
    assert link.external_booking_id == upstream["id"]

    # The same event again, and an operator re-push: still one upstream booking.
    on_confirmed = channel_push_subscribers(push.task_queue, FAST)[0]
    again = Event(
        "evt_again",
        10**9,
        "booking",
        booking.id,
        "booking.confirmed",
        {"booking_id": booking.id},
        datetime.now(UTC),
    )
    async with unit_of_work(push.factory, after_commit=push.dispatcher.dispatch) as session:
        await on_confirmed.handler(session, again)
        await repush_link(session, link.id, task_queue=push.task_queue, policy=FAST)

    async def repushed() -> bool:
        [row] = await push.links(booking.id)
        return row.push_status == "ok" and row.attempts == 2

    await push.until(repushed)
    await push.until(lag_observed(channel.id, "booking", 2))
    assert len(push.sim.state.bookings) == 1

    async with unit_of_work(push.factory) as session:
        await service.change_status(session, booking_id=booking.id, target="cancelled", ctx=ctx())

    async def cancelled() -> bool:
        [row] = await push.links(booking.id)
        return row.external_status == "cancelled"

    await push.until(cancelled)
    [link] = await push.links(booking.id)
    assert upstream["status"] == "cancelled"
    assert len(push.sim.state.bookings) == 1

    async with push.factory() as session:
        logged = (
            await session.scalars(
                select(ChannelDelivery).where(ChannelDelivery.subject_id == link.id)
            )
        ).all()
    assert {d.flow for d in logged} == {"booking", "cancel"}
    first_push = next(d for d in logged if d.flow == "booking")
    assert first_push.request_headers["authorization"] == "[redacted]"
    assert first_push.request_body["contact"] == "[redacted]"

    query = f'BookingId = "{booking.id}" AND ChannelId = "{channel.id}"'

    async def searchable() -> bool:
        ids = {wf.id async for wf in push.client.list_workflows(query)}
        return {
            f"channel-booking-push:{booking.id}:{channel.id}",
            f"channel-booking-cancel:{booking.id}:{channel.id}",
        } <= ids

    await push.until(searchable)


async def test_ten_simulated_minutes_of_downtime_then_everything_lands_once(
    patient: Harness,
) -> None:
    push = patient
    product, option = await product_with_option(push.factory)
    departure = await slot(push.factory, option, capacity=40)
    channel = await connected_channel(push.factory, push.sim.url, rate_rps=100, rate_burst=20)
    async with unit_of_work(push.factory) as session:
        await make_mapping(session, channel, product.id)
        await make_allotment_target(session, channel, departure.id, guaranteed=3)
    await push.sim.admin("POST", "/_admin/down", {"seconds": 600})
    bookings = [
        await book(push.factory, spec_for(departure, pax=2, status="confirmed")) for _ in range(2)
    ]

    async def failing() -> bool:
        return sum(1 for r in push.sim.state.requests if r.get("status") == 503) >= 6

    await push.until(failing)
    await push.sim.admin("POST", "/_admin/clock", {"advance_seconds": 601})

    async def synced() -> bool:
        links = [link for b in bookings for link in await push.links(b.id)]
        async with push.factory() as session:
            intent = await session.scalar(select(ChannelAvailabilityPushIntent))
        return (
            all(link.push_status == "ok" for link in links)
            and intent is not None
            and intent.push_status == "ok"
        )

    await push.until(synced)
    keys = sorted(b["idempotency_key"] for b in push.sim.state.bookings.values())
    assert len(keys) == 2 and len(set(keys)) == 2
    async with push.factory() as session:
        expected, _ = await available_for(session, channel.id, departure.id)
    assert push.sim.state.availability[departure.id]["available"] == expected


async def test_strict_atomic_compensates_landed_siblings_when_one_link_is_abandoned(
    push: Harness,
) -> None:
    good_product, good_option = await product_with_option(push.factory)
    bad_product, bad_option = await product_with_option(push.factory)
    good_slot = await slot(push.factory, good_option)
    bad_slot = await slot(push.factory, bad_option)
    channel = await connected_channel(
        push.factory, push.sim.url, contract={"compensation_policy": "strict_atomic"}
    )
    async with unit_of_work(push.factory) as session:
        await make_mapping(session, channel, good_product.id, external_product_id="good")
        await make_mapping(session, channel, bad_product.id, external_product_id="bad")
    await push.sim.admin("PUT", "/_admin/config", {"fail_product_refs": ["bad"]})
    spec = spec_for(good_slot, status="confirmed", items=[item_for(good_slot), item_for(bad_slot)])
    booking = await book(push.factory, spec)

    async def settled() -> bool:
        statuses = {link.push_status for link in await push.links(booking.id)}
        return statuses == {"abandoned", "compensated"}

    await push.until(settled)
    links = {link.push_status: link for link in await push.links(booking.id)}
    assert links["abandoned"].attempts == FAST.max_attempts
    assert links["compensated"].external_status == "cancelled"
    [upstream] = push.sim.state.bookings.values()
    assert (upstream["product_ref"], upstream["status"]) == ("good", "cancelled")
    async with push.factory() as session:
        alerts = (
            await session.scalars(
                select(OutboxEvent).where(OutboxEvent.event_type == ABANDONED_EVENT)
            )
        ).all()
    assert [a.payload["subject_id"] for a in alerts] == [links["abandoned"].id]


async def test_availability_lands_latest_first_never_stale_and_a_closed_slot_as_zero_and_content_dedupes(
    push: Harness,
) -> None:
    product, option = await product_with_option(push.factory)
    departure = await slot(push.factory, option, capacity=30)
    channel = await connected_channel(push.factory, push.sim.url, rate_rps=100, rate_burst=20)
    async with unit_of_work(push.factory) as session:
        await make_mapping(session, channel, product.id, external_product_id="ext-p")
        await make_allotment_target(session, channel, departure.id, guaranteed=2)
    for _ in range(5):
        await book(push.factory, spec_for(departure, pax=1, status="confirmed"))
    async with unit_of_work(push.factory) as session:
        await edit_slot(session, slot_id=departure.id, status="closed")

    async def closed_pushed() -> bool:
        async with push.factory() as session:
            intent = await session.scalar(select(ChannelAvailabilityPushIntent))
        return intent is not None and intent.push_status == "ok"

    await push.until(closed_pushed)
    assert push.sim.state.availability[departure.id]["available"] == 0
    seqs = [h["seq"] for h in push.sim.state.availability_history]
    assert seqs == sorted(seqs)
    # Every landed push fed the worker's lag histogram, under its flow.
    await push.until(lag_observed(channel.id, "availability", len(seqs)))

    async def product_changed() -> None:
        async with unit_of_work(push.factory) as session:
            record_event(
                session,
                aggregate_type="product",
                aggregate_id=product.id,
                event_type=PRODUCT_CHANGED,
                payload={"product_id": product.id},
            )

    async def content_settled(changes: int) -> Callable[[], Awaitable[bool]]:
        async def check() -> bool:
            async with push.factory() as session:
                intent = await session.scalar(select(ChannelContentPushIntent))
            return bool(
                intent is not None and intent.changes == changes and intent.push_status == "ok"
            )

        return check

    await product_changed()
    await push.until(await content_settled(1))
    await product_changed()  # nothing changed: the acknowledged hash matches
    await push.until(await content_settled(2))
    assert len(push.sim.requests("/v1/content")) == 1
    async with unit_of_work(push.factory) as session:
        await session.execute(update(Product).where(Product.id == product.id).values(name="New"))
    await product_changed()
    await push.until(await content_settled(3))
    assert len(push.sim.requests("/v1/content")) == 2
    await push.until(lag_observed(channel.id, "content", 2))
    assert push.sim.state.content["ext-p"]["content"]["name"] == "New"
    async with push.factory() as session:
        intent = await session.scalar(select(ChannelContentPushIntent))
    assert intent is not None and intent.acked_hash == push.sim.state.content["ext-p"]["hash"]


async def test_an_upstream_429_drains_the_budget_and_retry_after_is_honoured(
    push: Harness,
) -> None:
    await push.sim.admin("PUT", "/_admin/config", {"rate_rps": 2, "rate_burst": 1})
    channel = await connected_channel(push.factory, push.sim.url, rate_rps=20, rate_burst=1)
    await backlog(push.factory, channel, 8)
    await wake(push.factory, push.dispatcher, channel, push.task_queue)

    async def delivered() -> bool:
        async with push.factory() as session:
            statuses = (
                await session.scalars(select(ChannelAvailabilityPushIntent.push_status))
            ).all()
        return list(statuses) == ["ok"] * 8

    await push.until(delivered)
    log = push.sim.requests("/v1/availability")
    limited = [n for n, r in enumerate(log) if r["status"] == 429]
    assert limited, "the channel's own limit was hit"
    for n in limited:  # nothing was sent before Retry-After (1 s) had passed
        if n + 1 < len(log):
            assert log[n + 1]["at"] >= log[n]["at"] + 1.0
    assert len(push.sim.state.availability) == 8


async def test_a_wake_after_the_drainer_was_terminated_starts_a_new_drainer_and_pushes(
    push: Harness,
) -> None:
    _product, option = await product_with_option(push.factory)
    departure = await slot(push.factory, option, capacity=30)
    channel = await connected_channel(push.factory, push.sim.url, rate_rps=50, rate_burst=10)
    async with unit_of_work(push.factory) as session:
        await make_allotment_target(session, channel, departure.id, guaranteed=2)

    def pushed(not_value: int | None = None) -> Callable[[], Awaitable[bool]]:
        async def check() -> bool:
            got = push.sim.state.availability.get(departure.id)
            async with push.factory() as session:
                expected, _ = await available_for(session, channel.id, departure.id)
                intent = await session.scalar(select(ChannelAvailabilityPushIntent))
            return bool(
                got is not None
                and got["available"] == expected != not_value
                and intent is not None
                and intent.push_status == "ok"
            )

        return check

    async with unit_of_work(push.factory) as session:
        await edit_slot(session, slot_id=departure.id, capacity=20)
    await push.until(pushed())
    first = push.sim.state.availability[departure.id]["available"]
    drainer_id = f"channel-availability-push:{channel.id}"
    await push.client.get_workflow_handle(drainer_id).terminate(reason="an operator stopped it")
    async with unit_of_work(push.factory) as session:
        await edit_slot(session, slot_id=departure.id, capacity=10)
    await push.until(pushed(not_value=first), within=30)

    async def two_runs() -> bool:
        runs = [wf async for wf in push.client.list_workflows(f'WorkflowId = "{drainer_id}"')]
        return len(runs) == 2  # the terminated run and a new one

    await push.until(two_runs)


async def test_a_paused_channel_is_sent_nothing_and_gets_everything_once_resumed(
    push: Harness,
) -> None:
    product, option = await product_with_option(push.factory)
    departure = await slot(push.factory, option, capacity=30)
    channel = await connected_channel(
        push.factory, push.sim.url, rate_rps=50, rate_burst=10, status="paused"
    )
    async with unit_of_work(push.factory) as session:
        await make_mapping(session, channel, product.id)
        await make_allotment_target(session, channel, departure.id, guaranteed=2)
    booking = await book(push.factory, spec_for(departure, status="confirmed"))

    async def state() -> tuple[list[ChannelBookingLink], ChannelAvailabilityPushIntent | None]:
        async with push.factory() as session:
            intent = await session.scalar(select(ChannelAvailabilityPushIntent))
        return await push.links(booking.id), intent

    async def held() -> bool:
        links, intent = await state()
        return bool(
            links
            and all(link.last_error == "channel paused" for link in links)
            and intent is not None
            and intent.last_error == "channel paused"
        )

    await push.until(held)
    await asyncio.sleep(1)  # several held re-checks
    links, intent = await state()
    assert [link.push_status for link in links] == ["pending"]
    assert intent is not None and intent.push_status == "pending"
    assert push.sim.requests() == []
    async with push.factory() as session:
        health = await sync_health(session, channel.id)
    assert (health["held"], health["pending"]) == ("channel paused", 2)

    async with unit_of_work(push.factory) as session:
        await session.execute(
            update(Channel).where(Channel.id == channel.id).values(status="active")
        )

    async def delivered() -> bool:
        links, intent = await state()
        return [link.push_status for link in links] == ["ok"] and (
            intent is not None and intent.push_status == "ok"
        )

    await push.until(delivered)
    assert len(push.sim.state.bookings) == 1
    assert departure.id in push.sim.state.availability


@pytest.fixture
async def long_hold(session_factory, temporal_client, task_queue) -> AsyncIterator[Harness]:
    policy = FAST.model_copy(update={"held_recheck_seconds": 600, "held_max_seconds": 600})
    async for h in harness(session_factory, temporal_client, task_queue, policy):
        yield h


async def test_a_redrive_after_resuming_pushes_held_work_at_once_not_at_the_next_recheck(
    long_hold: Harness,
) -> None:
    push = long_hold
    product, option = await product_with_option(push.factory)
    departure = await slot(push.factory, option, capacity=30)
    channel = await connected_channel(
        push.factory, push.sim.url, rate_rps=50, rate_burst=10, status="paused"
    )
    async with unit_of_work(push.factory) as session:
        await make_mapping(session, channel, product.id)
        await make_allotment_target(session, channel, departure.id, guaranteed=2)
    booking = await book(push.factory, spec_for(departure, status="confirmed"))

    async def intent() -> ChannelAvailabilityPushIntent | None:
        async with push.factory() as session:
            return await session.scalar(select(ChannelAvailabilityPushIntent))

    async def held() -> bool:
        links, row = await push.links(booking.id), await intent()
        return bool(
            links
            and all(link.last_error == "channel paused" for link in links)
            and row is not None
            and row.last_error == "channel paused"
        )

    await push.until(held)  # the booking push now waits 600 s before its next look
    async with unit_of_work(push.factory, after_commit=push.dispatcher.dispatch) as session:
        await session.execute(
            update(Channel).where(Channel.id == channel.id).values(status="active")
        )
        counts = await redrive_channel(
            session, channel.id, task_queue=push.task_queue, cause="resumed", policy=FAST
        )
    assert counts == {"availability": 1, "content": 0, "booking": 1}

    async def delivered() -> bool:
        links, row = await push.links(booking.id), await intent()
        return [link.push_status for link in links] == ["ok"] and (
            row is not None and row.push_status == "ok"
        )

    await push.until(delivered, within=30)
    assert len(push.sim.state.bookings) == 1
