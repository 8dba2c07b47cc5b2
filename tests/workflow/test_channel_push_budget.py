"""The shared channel budget under load: two worker processes, and bookings before backlogs."""

from __future__ import annotations

import asyncio
import subprocess
import sys
import time
from collections.abc import Awaitable, Callable
from pathlib import Path

import httpx
import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from temporalio.client import Client
from temporalio.worker import Worker

from activities.channel_push import INLINE_TOKEN_WAITERS, ChannelPushActivities
from adapters.channels.sim_channel import max_in_window
from domain.channel_push import budget, starts
from domain.channel_push.models import ChannelAvailabilityPushIntent, ChannelRateBucket
from domain.channel_push.subscribers import channel_push_subscribers
from domain.db import unit_of_work
from domain.distribution.models import ChannelBookingLink
from domain.intents.dispatcher import IntentDispatcher
from domain.outbox.relay import OutboxRelay
from tests.support.bookings import book, spec_for
from tests.support.catalog import product_with_option, slot
from tests.support.channel_push import (
    FAST,
    SECRET,
    backlog,
    connected_channel,
    sim_channel,
    wake,
)
from tests.support.distribution import make_mapping
from tourflow.embedded import free_port
from tourflow.temporal import TemporalClientProvider
from worker import build_worker
from workflows.channel_booking_push import ChannelBookingPushWorkflow


async def until(
    relay: OutboxRelay, check: Callable[[], Awaitable[bool]], within: float = 90
) -> None:
    deadline = time.monotonic() + within
    while not await check():
        assert time.monotonic() < deadline, "condition never held"
        await relay.drain()
        await asyncio.sleep(0.05)


async def pending_intents(factory: async_sessionmaker[AsyncSession]) -> int:
    async with factory() as session:
        count = await session.scalar(
            select(func.count())
            .select_from(ChannelAvailabilityPushIntent)
            .where(ChannelAvailabilityPushIntent.push_status != "ok")
        )
    return int(count or 0)


def spawn(*args: str) -> subprocess.Popen[bytes]:
    return subprocess.Popen([sys.executable, "-m", *args])


async def test_two_worker_processes_share_one_budget_the_channel_never_sees_more(
    session_factory: async_sessionmaker[AsyncSession],
    temporal_client: Client,
    temporal_address: str,
    database_url: str,
    task_queue: str,
    tmp_path: Path,
) -> None:
    rps, burst = 5, 1
    product, option = await product_with_option(session_factory)
    departure = await slot(session_factory, option, capacity=100)
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    # The channel runs as its own process (`tourflow sim-channel`), so its clock and event
    # loop are its own; two worker processes push to it.
    procs = [spawn("tourflow", "sim-channel", "--port", str(port), "--secret", SECRET)]
    procs += [
        spawn("tourflow.push_worker", database_url, temporal_address, task_queue,
              str(tmp_path / f"ready{n}"))
        for n in range(2)
    ]  # fmt: skip
    channel = await connected_channel(session_factory, url, rate_rps=rps, rate_burst=burst)
    try:
        async with unit_of_work(session_factory) as session:
            await make_mapping(session, channel, product.id)
        # Demand well above the budget, released at once: a backlog and 5 bookings.
        dispatcher = IntentDispatcher(session_factory, TemporalClientProvider.of(temporal_client))
        relay = OutboxRelay(
            session_factory,
            channel_push_subscribers(task_queue, FAST),
            after_commit=dispatcher.dispatch,
        )
        await backlog(session_factory, channel, 15)
        for _ in range(5):
            await book(session_factory, spec_for(departure, pax=1, status="confirmed"))
        deadline = time.monotonic() + 60
        while not all((tmp_path / f"ready{n}").exists() for n in range(2)):
            assert all(p.poll() is None for p in procs), "a worker exited"
            assert time.monotonic() < deadline, "workers never became ready"
            await asyncio.sleep(0.1)
        await wake(session_factory, dispatcher, channel, task_queue)
        await relay.drain()

        async def done() -> bool:
            async with session_factory() as session:
                links = (await session.scalars(select(ChannelBookingLink.push_status))).all()
            return links == ["ok"] * 5 and await pending_intents(session_factory) == 0

        await until(relay, done)
        async with httpx.AsyncClient(base_url=url) as client:
            log = (await client.get("/_admin/requests")).json()["requests"]
            stored = (
                await client.get("/v1/bookings", headers={"authorization": f"Bearer {SECRET}"})
            ).json()["bookings"]
    finally:
        for proc in procs:
            proc.terminate()
        for proc in procs:
            proc.wait(30)
        await temporal_client.get_workflow_handle(
            starts.queue_workflow_id("availability", channel.id)
        ).terminate()
    arrivals = [r["at"] for r in log if r["path"] != "/v1/bookings" or r["method"] == "POST"]
    assert len(arrivals) >= 5 + 15  # every booking and every backlog slot
    # Token-bucket bound: burst + rate per second. One more for network jitter between the
    # grant (database clock) and the arrival (channel clock).
    assert max_in_window(arrivals) <= burst + rps + 1
    assert len(stored) == 5


async def test_a_booking_confirmed_during_a_2000_intent_backlog_lands_before_it_drains(
    session_factory: async_sessionmaker[AsyncSession],
    temporal_client: Client,
    task_queue: str,
) -> None:
    product, option = await product_with_option(session_factory)
    departure = await slot(session_factory, option)
    async with sim_channel() as sim:
        channel = await connected_channel(session_factory, sim.url, rate_rps=20, rate_burst=1)
        async with unit_of_work(session_factory) as session:
            await make_mapping(session, channel, product.id)
        dispatcher = IntentDispatcher(session_factory, TemporalClientProvider.of(temporal_client))
        relay = OutboxRelay(
            session_factory,
            channel_push_subscribers(task_queue, FAST),
            after_commit=dispatcher.dispatch,
        )
        await backlog(session_factory, channel, 2000)
        async with build_worker(temporal_client, session_factory, task_queue=task_queue):
            await wake(session_factory, dispatcher, channel, task_queue)

            async def draining() -> bool:
                return len(sim.requests("/v1/availability")) >= 10

            await until(relay, draining)
            booking = await book(session_factory, spec_for(departure, status="confirmed"))

            async def landed() -> bool:
                return len(sim.state.bookings) == 1

            await until(relay, landed)
            left = await pending_intents(session_factory)
            await temporal_client.get_workflow_handle(
                starts.queue_workflow_id("availability", channel.id)
            ).terminate()
    paths = [r["path"] for r in sim.requests()]
    before = paths[: paths.index("/v1/bookings")]
    assert [b["reference"] for b in sim.state.bookings.values()] == [booking.number]
    assert 10 <= len(before) < 2000
    assert left > 0  # the backlog was still draining when the booking landed


async def test_a_backlog_drains_at_the_budget_rate_in_a_few_activities_not_one_per_token(
    session_factory: async_sessionmaker[AsyncSession],
    temporal_client: Client,
    task_queue: str,
) -> None:
    size = 30
    async with sim_channel() as sim:
        channel = await connected_channel(session_factory, sim.url, rate_rps=20, rate_burst=1)
        dispatcher = IntentDispatcher(session_factory, TemporalClientProvider.of(temporal_client))
        relay = OutboxRelay(
            session_factory,
            channel_push_subscribers(task_queue, FAST),
            after_commit=dispatcher.dispatch,
        )
        await backlog(session_factory, channel, size)
        async with build_worker(temporal_client, session_factory, task_queue=task_queue):
            await wake(session_factory, dispatcher, channel, task_queue)

            async def drained() -> bool:
                return await pending_intents(session_factory) == 0

            await until(relay, drained)
            handle = temporal_client.get_workflow_handle(
                starts.queue_workflow_id("availability", channel.id)
            )
            history = await handle.fetch_history()
            await handle.terminate()
    drains = [
        e
        for e in history.events
        if e.HasField("activity_task_scheduled_event_attributes")
        and e.activity_task_scheduled_event_attributes.activity_type.name == "channel_push.drain"
    ]
    assert len(sim.state.availability) == size
    # 30 pushes at 20 rps with a burst of 1: one token at a time. Sleeping out each short
    # token wait inside the drain keeps that to a few drain runs; a workflow round trip
    # per token would be about 30.
    assert len(drains) <= 4, len(drains)


@pytest.mark.parametrize("inline_waiters", [INLINE_TOKEN_WAITERS, 0])
async def test_a_booking_denied_a_token_waits_for_it_inside_its_attempt_while_slots_last(
    session_factory: async_sessionmaker[AsyncSession],
    temporal_client: Client,
    task_queue: str,
    inline_waiters: int,
) -> None:
    product, option = await product_with_option(session_factory)
    departure = await slot(session_factory, option)
    async with sim_channel() as sim:
        # One token per 1.5 s, and the backlog has just taken it: the booking is denied.
        channel = await connected_channel(session_factory, sim.url, rate_rps=1 / 1.5, rate_burst=1)
        async with unit_of_work(session_factory) as session:
            await make_mapping(session, channel, product.id)
            assert (await budget.take_token(session, channel.id, "availability")).granted
        dispatcher = IntentDispatcher(session_factory, TemporalClientProvider.of(temporal_client))
        relay = OutboxRelay(
            session_factory,
            channel_push_subscribers(task_queue, FAST),
            after_commit=dispatcher.dispatch,
        )
        worker = Worker(
            temporal_client,
            task_queue=task_queue,
            workflows=[ChannelBookingPushWorkflow],
            activities=ChannelPushActivities(session_factory, inline_waiters=inline_waiters).all(),
        )
        async with worker:
            booking = await book(session_factory, spec_for(departure, status="confirmed"))

            async def landed() -> bool:
                return len(sim.state.bookings) == 1

            await until(relay, landed)
            handle = temporal_client.get_workflow_handle(
                starts.booking_workflow_id("push", booking.id, channel.id)
            )
            await handle.result()
            history = await handle.fetch_history()
    attempts = [
        e
        for e in history.events
        if e.HasField("activity_task_scheduled_event_attributes")
        and e.activity_task_scheduled_event_attributes.activity_type.name
        == "channel_push.attempt_link"
    ]
    timers = [e for e in history.events if e.HasField("timer_started_event_attributes")]
    async with session_factory() as session:
        bucket = await session.scalar(
            select(ChannelRateBucket).where(ChannelRateBucket.channel_id == channel.id)
        )
    assert bucket is not None and bucket.granted == 2  # the backlog's token, then the booking's
    assert bucket.booking_demand_until is not None  # it was denied first and marked its demand
    if inline_waiters:
        # Slept in the attempt and retaken when due: one attempt, no timer.
        assert (len(attempts), len(timers)) == (1, 0)
    else:
        # No slot to sleep in: the wait went back to the workflow as a durable timer.
        assert len(attempts) >= 2 and len(timers) >= 1
