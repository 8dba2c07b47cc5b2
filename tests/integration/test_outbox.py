import asyncio
import os
import signal
import subprocess
import sys
import time
from collections import Counter, defaultdict

import pytest
from sqlalchemy import select, text

from domain.db import unit_of_work
from domain.outbox.models import OutboxDelivery
from domain.outbox.record import record_event
from domain.outbox.relay import OutboxRelay
from domain.outbox.subscribers import Subscriber
from tests.support.factories import events
from tests.support.outbox import create_effects_table, effects, write_effect


@pytest.fixture
async def effects_table(engine):
    await create_effects_table(engine)


def recording(name, calls=None, fail_times=0):
    """A subscriber that writes one effect row per delivery and counts handler runs."""
    failures: Counter[str] = Counter()

    async def handle(session, event):
        if calls is not None:
            calls.append((name, event.id))
            await asyncio.sleep(0.002)  # widen the window in which a second relay could collide
        if failures[event.id] < fail_times:
            failures[event.id] += 1
            raise RuntimeError(f"transient failure {failures[event.id]}")
        await write_effect(session, name, event)

    return Subscriber(name, ("thing.*",), handle)


async def deliveries(session_factory):
    async with session_factory() as s:
        return list((await s.scalars(select(OutboxDelivery))).all())


async def make_due(engine):
    async with engine.begin() as conn:
        await conn.execute(
            text("UPDATE outbox_deliveries SET available_at = now() - interval '1 s'")
        )


async def test_events_of_a_rolled_back_transaction_are_never_delivered(
    session_factory, engine, effects_table
):
    with pytest.raises(RuntimeError):
        async with unit_of_work(session_factory) as session:
            record_event(
                session,
                aggregate_type="thing",
                aggregate_id="a1",
                event_type="thing.made",
                payload={},
            )
            raise RuntimeError("the change failed")
    await OutboxRelay(session_factory, [recording("audit")]).drain()
    assert await effects(engine) == []


async def test_each_subscriber_gets_each_event_once(session_factory, engine, effects_table):
    ids = await events(session_factory, count=3)
    relay = OutboxRelay(session_factory, [recording("audit"), recording("mailer")])
    assert await relay.drain() == 6
    assert await relay.drain() == 0
    got = await effects(engine)
    assert Counter((s, e) for s, e, _, _ in got) == Counter(
        {(s, e): 1 for s in ("audit", "mailer") for e in ids}
    )


async def test_a_subscriber_only_receives_the_types_it_asked_for(
    session_factory, engine, effects_table
):
    await events(session_factory, event_type="other.event")
    await OutboxRelay(session_factory, [recording("audit")]).drain()
    assert await effects(engine) == []
    assert await deliveries(session_factory) == []


async def test_a_failing_handler_is_retried_and_holds_back_later_events_of_its_aggregate(
    session_factory, engine, effects_table
):
    first, second = await events(session_factory, aggregate_id="agg_a", count=2)
    [other] = await events(session_factory, aggregate_id="agg_b")
    relay = OutboxRelay(session_factory, [recording("audit", fail_times=1)])
    await relay.drain()
    # agg_a's first event failed once and waits for its backoff; its second event must wait
    # too (order per aggregate); agg_b is independent and went through.
    assert [e for _, e, _, _ in await effects(engine)] == []  # every first attempt failed
    await make_due(engine)
    await relay.drain()
    assert {e for _, e, _, _ in await effects(engine)} == {first, other}
    failed = {d.event_id: d for d in await deliveries(session_factory)}
    assert failed[second].status == "pending" and failed[second].attempts == 1
    await make_due(engine)
    await relay.drain()
    rows = await effects(engine)
    assert [e for _, e, a, _ in rows if a == "agg_a"] == [first, second]
    d = {x.event_id: x for x in await deliveries(session_factory)}
    assert d[first].attempts == 2 and d[first].status == "delivered"
    assert d[first].last_error is None


async def test_a_handler_that_keeps_failing_is_dead_lettered_and_releases_its_aggregate(
    session_factory, engine, effects_table
):
    async def always_fails(session, event):
        if event.payload["n"] == 0:
            raise ValueError("poison message")
        await write_effect(session, "audit", event)

    first, second = await events(session_factory, aggregate_id="agg_p", count=2)
    relay = OutboxRelay(
        session_factory, [Subscriber("audit", ("thing.*",), always_fails, max_attempts=3)]
    )
    for _ in range(3):
        await relay.drain()
        await make_due(engine)
    await relay.drain()
    d = {x.event_id: x for x in await deliveries(session_factory)}
    assert (d[first].status, d[first].attempts) == ("dead", 3)
    assert "poison message" in (d[first].last_error or "")
    assert [e for _, e, _, _ in await effects(engine)] == [second]


async def test_a_relay_process_killed_mid_delivery_loses_nothing_and_the_effect_happens_once(
    database_url, session_factory, engine, effects_table, tmp_path
):
    [event_id] = await events(session_factory)
    ready = tmp_path / "ready"
    proc = subprocess.Popen(
        [sys.executable, "-m", "tests.support.crashing_relay", database_url, str(ready)]
    )
    try:
        deadline = time.monotonic() + 30
        while not ready.exists():
            assert proc.poll() is None, "crashing relay exited early"
            assert time.monotonic() < deadline, "crashing relay never reached the handler"
            await asyncio.sleep(0.05)
        # While the first relay holds the row, another relay must not take it.
        assert await OutboxRelay(session_factory, [recording("audit")]).drain() == 0
        os.kill(proc.pid, signal.SIGKILL)
    finally:
        proc.wait(10)
    # PostgreSQL notices the dead connection and rolls its transaction back.
    deadline = time.monotonic() + 10
    relay = OutboxRelay(session_factory, [recording("audit")])
    while not await effects(engine) and time.monotonic() < deadline:
        await relay.drain()
        await asyncio.sleep(0.1)
    assert [(s, e) for s, e, _, _ in await effects(engine)] == [("audit", event_id)]
    [d] = await deliveries(session_factory)
    assert d.status == "delivered"


async def test_two_relays_racing_never_run_a_handler_twice_and_keep_order_per_aggregate(
    session_factory, engine, effects_table
):
    aggregates = [f"agg_{n}" for n in range(8)]
    for agg in aggregates:
        await events(session_factory, aggregate_id=agg, count=15)
    calls: list[tuple[str, str]] = []
    subs = [recording("audit", calls), recording("ledger", calls)]
    relays = [OutboxRelay(session_factory, subs) for _ in range(4)]
    await asyncio.gather(*(r.drain() for r in relays))
    expected = 8 * 15 * 2
    assert len(calls) == expected, "a handler ran more than once (or not at all)"
    assert len(set(calls)) == expected
    rows = await effects(engine)
    assert len(rows) == expected
    by_key = defaultdict(list)
    for subscriber, _, aggregate, seq in rows:
        by_key[(subscriber, aggregate)].append(seq)
    assert all(seqs == sorted(seqs) for seqs in by_key.values()), "per-aggregate order broken"
