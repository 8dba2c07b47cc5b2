"""Channel push (issue 14 P1-P4) against the simulated OTA over real HTTP, two worker processes.

Run: python -m bench channel_push [--quick] [--push-changes 10000] [--push-backlog 2000]
- P1 confirm -> channel latency p50/p99, idle: bookings confirmed one at a time; the time
  from the confirming commit to the channel storing the booking.
- P2 the same while the channel drains a backlog of availability intents (bookings take
  priority on the shared budget, so they must not queue behind it).
- P3 budget utilisation under that backlog (requests per second the channel received over
  a steady window / the channel's rps) and the busiest 1 s window vs rps + burst.
- P4 coalescing: N slot changes over 100 slots, made while the channel's budget is nearly
  shut (0.5 rps), then the budget is raised live to 50 rps: pushes out vs changes in; the
  channel's final state must equal tourflow's for every slot (mismatches reported).
The simulated channels run as their own processes (`tourflow sim-channel`).
Baselines: the reference system drains push intents with a periodic job (1-5 minutes,
../shared/NOTES.md): its best case, 60 s, is the latency baseline; the budget is the
utilisation baseline; "one push per change" is the coalescing baseline.
"""

from __future__ import annotations

import argparse
import asyncio
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from datetime import time as clock
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import func, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from adapters.channels.sim_channel import max_in_window
from bench.common import Metric, measure, percentile, scratch_database, temporal_server
from domain.availability.models import AvailabilitySlot
from domain.availability.slots import edit_slot
from domain.bookings import service
from domain.catalog.models import Product, ProductOption
from domain.channel_push import starts
from domain.channel_push.models import ChannelAvailabilityPushIntent, ChannelConnection
from domain.channel_push.policy import PushPolicy
from domain.channel_push.queue_push import available_for
from domain.channel_push.subscribers import channel_push_subscribers
from domain.db import make_engine, make_session_factory, unit_of_work
from domain.distribution.models import (
    Channel,
    ChannelInventoryAllotment,
    ChannelProductMapping,
)
from domain.ids import new_id
from domain.intents.dispatcher import IntentDispatcher
from domain.outbox.models import OutboxDelivery
from domain.outbox.relay import OutboxRelay
from tourflow.temporal import TemporalClientProvider, connect, ensure_search_attributes

DESCRIPTION = "P1-P4: channel push latency, budget utilisation, coalescing (simulated OTA)"
TASK_QUEUE = "bench-channel-push"
POLICY = PushPolicy(max_attempts=20, initial_interval_seconds=0.5, max_interval_seconds=5)
VOYANT_JOB_SECONDS = 60.0
COALESCE_SLOTS = 100


def add_arguments(parser: Any) -> None:
    """Options of this benchmark."""
    parser.add_argument(
        "--push-changes", type=int, default=None, help="P4 changes (10000; quick 2000)"
    )
    parser.add_argument("--push-backlog", type=int, default=2000, help="P2/P3 availability backlog")
    parser.add_argument(
        "--push-bookings", type=int, default=None, help="P1/P2 bookings (30; quick 15)"
    )


class Sim:
    """A simulated channel in its own process (`tourflow sim-channel`), read over HTTP.

    Its own process keeps its clock and event loop free of the benchmark's load, so the
    arrival times it logs are the channel's view.
    """

    def __init__(self) -> None:
        from tourflow.embedded import free_port

        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self._proc: subprocess.Popen[bytes] | None = None
        self.client = httpx.AsyncClient(base_url=self.url, timeout=30)

    async def __aenter__(self) -> Sim:
        self._proc = subprocess.Popen(  # noqa: ASYNC220 (started once, before measuring)
            [sys.executable, "-m", "tourflow", "sim-channel", "--port", str(self.port)]
        )
        for _ in range(300):
            try:
                await self.client.get("/_admin/config")
                return self
            except httpx.HTTPError:
                await asyncio.sleep(0.1)
        raise RuntimeError("sim channel did not start")

    async def __aexit__(self, *_: object) -> None:
        await self.client.aclose()
        if self._proc is not None:
            self._proc.terminate()
            self._proc.wait(30)

    async def bookings(self) -> list[dict[str, Any]]:
        """The bookings the channel holds."""
        return list((await self.client.get("/v1/bookings")).json()["bookings"])

    async def requests(self) -> list[dict[str, Any]]:
        """Every channel request it logged, minus this benchmark's own reads."""
        rows = (await self.client.get("/_admin/requests")).json()["requests"]
        return [r for r in rows if r["method"] != "GET"]

    async def availability(self) -> dict[str, Any]:
        """Latest state per slot and how many availability pushes arrived."""
        return dict((await self.client.get("/v1/availability")).json())


async def _product(factory: async_sessionmaker[AsyncSession], slots: int) -> list[AvailabilitySlot]:
    async with unit_of_work(factory) as session:
        product = Product(name=f"bench {new_id('x')[-6:]}")
        session.add(product)
        await session.flush()
        option = ProductOption(product_id=product.id, name="default")
        session.add(option)
        await session.flush()
        rows = []
        for n in range(slots):
            at = datetime(2027, 6, 1, 7, tzinfo=UTC) + timedelta(days=n)
            row = AvailabilitySlot(
                product_id=product.id, option_id=option.id, local_date=at.date(),
                local_time=clock(9), timezone="Europe/Berlin", starts_at=at,
                ends_at=at + timedelta(hours=2), capacity_initial=100_000,
                capacity_remaining=100_000, status="open",
            )  # fmt: skip
            session.add(row)
            rows.append(row)
    return rows


async def _channel(
    factory: async_sessionmaker[AsyncSession], url: str, product_id: str, *, rps: float, burst: int,
    mapping: bool = True, allotment: bool = False,
) -> Channel:  # fmt: skip
    async with unit_of_work(factory) as session:
        channel = Channel(name=f"sim {url}", kind="ota", rate_rps=rps, rate_burst=burst)
        session.add(channel)
        await session.flush()
        session.add(ChannelConnection(channel_id=channel.id, base_url=url, secret=None))
        if mapping:
            session.add(
                ChannelProductMapping(
                    channel_id=channel.id, product_id=product_id, external_product_id="ext",
                    push_bookings=True, push_availability=False, push_content=False,
                )
            )  # fmt: skip
        if allotment:
            session.add(
                ChannelInventoryAllotment(
                    channel_id=channel.id, product_id=product_id, guaranteed_capacity=0,
                    max_capacity=100_000, status="active",
                )
            )  # fmt: skip
    return channel


async def _confirm(
    factory: async_sessionmaker[AsyncSession], slot: AvailabilitySlot
) -> tuple[str, float]:
    spec = service.BookingSpec(
        currency="EUR",
        status="confirmed",
        items=[
            service.ItemSpec(
                kind="unit", description="Adult", sell_amount_minor=4500, sell_currency="EUR",
                product_id=slot.product_id, option_id=slot.option_id, slot_id=slot.id, pax=1,
                quantity=1,
            )
        ],
        travellers=[service.TravellerSpec(first_name="Ana", last_name="Bench", is_lead=True)],
    )  # fmt: skip
    ctx = service.Context(actor_id="bench", task_queue=TASK_QUEUE)
    async with unit_of_work(factory) as session:
        booking = await service.create_booking(session, spec, ctx)
        number = booking.number
    return number, time.time()


async def _landed(sim: Sim, number: str, within: float = 120) -> float:
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        for b in await sim.bookings():
            if b["reference"] == number:
                return datetime.fromisoformat(b["created_at"]).timestamp()
        await asyncio.sleep(0.02)
    raise TimeoutError(f"booking {number} never reached the channel")


async def _latencies(
    factory: async_sessionmaker[AsyncSession], sim: Sim, slot: AvailabilitySlot, count: int,
    gap: float,
) -> list[float]:  # fmt: skip
    out = []
    for _ in range(count):
        number, committed = await _confirm(factory, slot)
        out.append(await _landed(sim, number) - committed)
        await asyncio.sleep(gap)
    return out


async def _backlog(factory: async_sessionmaker[AsyncSession], channel: Channel, size: int) -> None:
    async with unit_of_work(factory) as session:
        await session.execute(
            insert(ChannelAvailabilityPushIntent),
            [
                {
                    "id": new_id(ChannelAvailabilityPushIntent.id_prefix),
                    "channel_id": channel.id,
                    "slot_id": f"avsl_gone_{n:06d}",
                    "seq": 1,
                }
                for n in range(size)
            ],
        )


async def _wake(
    factory: async_sessionmaker[AsyncSession], dispatcher: IntentDispatcher, channel: Channel
) -> None:
    async with unit_of_work(factory, after_commit=dispatcher.dispatch) as session:
        await starts.wake_queue(
            session, flow="availability", channel_id=channel.id, task_queue=TASK_QUEUE,
            policy=POLICY, cause="bench-backlog",
        )  # fmt: skip


async def _relay_left(factory: async_sessionmaker[AsyncSession]) -> int:
    async with factory() as session:
        left = await session.scalar(
            select(func.count())
            .select_from(OutboxDelivery)
            .where(OutboxDelivery.status == "pending")
        )
    return int(left or 0)


async def _coalesce(
    factory: async_sessionmaker[AsyncSession], sim: Sim, channel: Channel,
    slots: list[AvailabilitySlot], changes: int,
) -> tuple[int, int]:  # fmt: skip
    """Apply `changes` capacity edits round-robin while the channel's budget is nearly shut
    (0.5 rps), then open it (50 rps, applied live): (pushes, final-state mismatches)."""
    rounds = changes // len(slots)
    for r in range(rounds):
        async with unit_of_work(factory) as session:
            for s in slots:
                await edit_slot(
                    session, slot_id=s.id, capacity=100_000 - (r * 7 + hash(s.id)) % 5000
                )
    while await _relay_left(factory):  # noqa: ASYNC110
        await asyncio.sleep(0.2)
    async with unit_of_work(factory) as session:
        await session.execute(
            update(Channel).where(Channel.id == channel.id).values(rate_rps=50, rate_burst=50)
        )
    deadline = time.monotonic() + 600
    while time.monotonic() < deadline:
        async with factory() as session:
            undelivered = await session.scalar(
                select(func.count())
                .select_from(ChannelAvailabilityPushIntent)
                .where(
                    ChannelAvailabilityPushIntent.channel_id == channel.id,
                    ChannelAvailabilityPushIntent.push_status != "ok",
                )
            )
        if not undelivered and not await _relay_left(factory):
            break
        await asyncio.sleep(0.2)
    mismatches = 0
    pushed = await sim.availability()
    async with factory() as session:
        for s in slots:
            expected, _ = await available_for(session, channel.id, s.id)
            got = pushed["slots"].get(s.id, {}).get("available")
            mismatches += got != expected
    return int(pushed["history_count"]), mismatches


async def _measure(url: str, address: str, args: argparse.Namespace) -> dict[str, Any]:
    engine = make_engine(url, pool_size=20)
    factory = make_session_factory(engine)
    client = await connect(address, "default")
    await ensure_search_attributes(client)
    dispatcher = IntentDispatcher(factory, TemporalClientProvider.of(client))
    relay = OutboxRelay(
        factory, channel_push_subscribers(TASK_QUEUE, POLICY), after_commit=dispatcher.dispatch
    )
    stop = asyncio.Event()
    count = args.push_bookings or (15 if args.quick else 30)
    changes = args.push_changes or (2000 if args.quick else 10_000)
    ready_dir = Path(tempfile.mkdtemp(prefix="tourflow-bench-push-"))
    procs = [
        subprocess.Popen(  # noqa: ASYNC220 (started once, before measuring)
            [sys.executable, "-m", "tourflow.push_worker", url, address, TASK_QUEUE,
             str(ready_dir / f"w{n}")]
        )
        for n in range(2)
    ]  # fmt: skip
    out: dict[str, Any] = {}
    try:
        while not all((ready_dir / f"w{n}").exists() for n in range(2)):
            if any(p.poll() is not None for p in procs):
                raise RuntimeError("a push worker exited")
            await asyncio.sleep(0.1)
        relay_task = asyncio.create_task(relay.run(poll_interval=0.01, stop=stop))
        async with Sim() as idle_sim, Sim() as busy_sim, Sim() as co_sim:
            idle_slots = await _product(factory, 1)
            await _channel(factory, idle_sim.url, idle_slots[0].product_id, rps=20, burst=20)
            out["idle"] = await _latencies(factory, idle_sim, idle_slots[0], count, 0.1)

            rps = 10
            busy_slots = await _product(factory, 1)
            busy = await _channel(
                factory, busy_sim.url, busy_slots[0].product_id, rps=rps, burst=rps
            )
            await _backlog(factory, busy, args.push_backlog)
            await _wake(factory, dispatcher, busy)
            while not (await busy_sim.availability())["history_count"]:  # noqa: ASYNC110
                await asyncio.sleep(0.05)
            started = time.time()
            out["busy"] = await _latencies(factory, busy_sim, busy_slots[0], count, 0.2)
            await asyncio.sleep(max(0.0, 12 - (time.time() - started)))
            arrivals = [r["at"] for r in await busy_sim.requests()]
            window = [a for a in arrivals if started + 1 <= a < started + 11]
            out["utilisation"] = len(window) / (10 * rps)
            out["max_window"] = max_in_window(arrivals)
            out["bound"] = rps + rps
            out["rps"] = rps
            async with factory() as session:
                out["backlog_left"] = await session.scalar(
                    select(func.count())
                    .select_from(ChannelAvailabilityPushIntent)
                    .where(
                        ChannelAvailabilityPushIntent.channel_id == busy.id,
                        ChannelAvailabilityPushIntent.push_status != "ok",
                    )
                )
            await client.get_workflow_handle(
                starts.queue_workflow_id("availability", busy.id)
            ).terminate()

            co_slots = await _product(factory, COALESCE_SLOTS)
            co = await _channel(
                factory, co_sim.url, co_slots[0].product_id, rps=0.5, burst=1, mapping=False,
                allotment=True,
            )  # fmt: skip
            pushes, mismatches = await _coalesce(factory, co_sim, co, co_slots, changes)
            out["changes"] = (changes // COALESCE_SLOTS) * COALESCE_SLOTS
            out["pushes"] = pushes
            out["mismatches"] = mismatches
        stop.set()
        await relay_task
    finally:
        for p in procs:
            p.terminate()
        for p in procs:
            p.wait(30)
        await engine.dispose()
    return out


def run(args: argparse.Namespace) -> list[Metric]:
    """One pass (the phases are long; repeats would only re-measure the same machine)."""
    with scratch_database() as url, temporal_server() as address:
        out = asyncio.run(_measure(url, address, args))
    idle, busy = out["idle"], out["busy"]
    base = [VOYANT_JOB_SECONDS]
    voyant = "reference system: periodic push job, best case 60 s (documented)"
    return [
        measure("P1 confirm -> channel latency p50, idle", "s", [percentile(idle, 50)], base,
                baseline_name=voyant, goal="p99 <= 2 s", higher_is_better=False),
        measure("P1 confirm -> channel latency p99, idle", "s", [percentile(idle, 99)], base,
                baseline_name=voyant, goal="<= 2 s", higher_is_better=False,
                notes=f"{len(idle)} bookings, 2 worker processes"),
        measure("P2 confirm -> channel latency p50, during backlog", "s",
                [percentile(busy, 50)], base, baseline_name=voyant, goal="p99 <= 2 s",
                higher_is_better=False),
        measure("P2 confirm -> channel latency p99, during backlog", "s",
                [percentile(busy, 99)], base, baseline_name=voyant, goal="<= 2 s",
                higher_is_better=False,
                notes=f"backlog {args.push_backlog} availability intents, "
                      f"{out['backlog_left']} still pending after the bookings landed"),
        measure("P3 budget utilisation under backlog", "fraction of rps",
                [out["utilisation"]], [1.0], baseline_name="the channel budget (1.0)",
                goal=">= 0.9",
                notes=f"rps {out['rps']}, busiest 1 s window {out['max_window']} "
                      f"(bound rps + burst = {out['bound']}), 2 worker processes"),
        measure("P4 coalescing: pushes out per change in", "pushes/change",
                [out["pushes"] / max(out["changes"], 1)], [1.0],
                baseline_name="one push per change", goal="< 1, final state exact",
                higher_is_better=False,
                notes=f"{out['changes']} changes over {COALESCE_SLOTS} slots -> {out['pushes']} "
                      f"pushes; final-state mismatches {out['mismatches']}"),
    ]  # fmt: skip


if __name__ == "__main__":
    from bench.common import report

    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--repeat", type=int, default=None)
    add_arguments(parser)
    report("channel_push", run(parser.parse_args()))
