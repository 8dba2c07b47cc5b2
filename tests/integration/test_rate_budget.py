"""The shared per-channel budget in PostgreSQL: atomic under concurrency, live config."""

from __future__ import annotations

import asyncio
import time
from datetime import date

from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from domain.channel_push import budget
from domain.channel_push.budget_rules import PushClass
from domain.channel_push.models import ChannelRateBucket
from domain.db import unit_of_work
from domain.distribution.models import Channel, ChannelContract
from tests.support.distribution import make_channel, make_contract


async def take(
    factory: async_sessionmaker[AsyncSession], channel_id: str, klass: PushClass
) -> bool:
    async with unit_of_work(factory) as session:
        return (await budget.take_token(session, channel_id, klass)).granted


async def test_concurrent_takers_never_get_more_than_burst_plus_rate_times_elapsed(
    session_factory: async_sessionmaker[AsyncSession],
) -> None:
    async with unit_of_work(session_factory) as session:
        channel = await make_channel(session, rate_rps=20, rate_burst=5)
    started = time.monotonic()
    results = await asyncio.gather(
        *(take(session_factory, channel.id, "content") for _ in range(60))
    )
    elapsed = time.monotonic() - started
    granted = sum(results)
    assert granted >= 5  # the burst is there
    assert granted <= 5 + 20 * elapsed + 1e-9


async def test_the_active_contract_override_wins_and_changes_apply_without_restart(
    session_factory: async_sessionmaker[AsyncSession],
) -> None:
    async with unit_of_work(session_factory) as session:
        channel = await make_channel(session, rate_rps=5, rate_burst=10)
        await make_contract(session, channel, status="expired", rate_rps_override=1)
        contract = await make_contract(
            session, channel, rate_rps_override=50, rate_burst_override=3
        )
        before = await budget.effective_rate(session, channel.id, date(2026, 6, 1))
    async with unit_of_work(session_factory) as session:
        await session.execute(
            update(ChannelContract)
            .where(ChannelContract.id == contract.id)
            .values(rate_burst_override=None)
        )
        await session.execute(update(Channel).where(Channel.id == channel.id).values(rate_burst=7))
        after = await budget.effective_rate(session, channel.id, date(2026, 6, 1))
    assert (before.rps, before.burst, before.source) == (50, 3, f"contract:{contract.id}")
    assert (after.rps, after.burst) == (50, 7)


async def test_a_lowered_burst_applies_to_the_existing_bucket_at_once(
    session_factory: async_sessionmaker[AsyncSession],
) -> None:
    async with unit_of_work(session_factory) as session:
        channel = await make_channel(session, rate_rps=0.001, rate_burst=10)
    assert await take(session_factory, channel.id, "booking")
    async with unit_of_work(session_factory) as session:
        await session.execute(update(Channel).where(Channel.id == channel.id).values(rate_burst=2))
    results = [await take(session_factory, channel.id, "booking") for _ in range(4)]
    assert results == [True, True, False, False]


async def test_a_429_drains_the_shared_bucket_for_every_class(
    session_factory: async_sessionmaker[AsyncSession],
) -> None:
    async with unit_of_work(session_factory) as session:
        channel = await make_channel(session, rate_rps=100, rate_burst=50)
    assert await take(session_factory, channel.id, "availability")
    async with unit_of_work(session_factory) as session:
        await budget.drain_for_retry_after(session, channel.id, 30)
    assert not await take(session_factory, channel.id, "booking")
    assert not await take(session_factory, channel.id, "availability")


async def test_availability_yields_to_a_waiting_booking_across_sessions(
    session_factory: async_sessionmaker[AsyncSession],
) -> None:
    async with unit_of_work(session_factory) as session:
        channel = await make_channel(session, rate_rps=0.001, rate_burst=1)
    assert await take(session_factory, channel.id, "availability")  # the burst
    assert not await take(session_factory, channel.id, "booking")  # now waiting
    async with unit_of_work(session_factory) as session:  # a token becomes available
        await session.execute(
            update(ChannelRateBucket)
            .where(ChannelRateBucket.channel_id == channel.id)
            .values(tokens=1.0)
        )
    assert not await take(session_factory, channel.id, "availability")
    assert await take(session_factory, channel.id, "booking")
