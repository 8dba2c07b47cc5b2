"""P5: booking create + confirm throughput through the API vs raw Temporal throughput.

Run: python -m bench booking_throughput [--bookings 150] [--concurrency 8] [--quick]
tourflow's figure is bookings per second when `concurrency` callers each create an on-hold
booking (`POST /v1/bookings`: capacity taken under the slot lock, the booking, its
allocation, outbox events and the hold workflow's intent in one transaction, the workflow
started after commit) and confirm it (`POST /v1/bookings/{id}/confirm`: the hold workflow
signalled), with the worker running, spread over 50 slots. The baseline, measured on the
same Temporal dev server in the same run, is one-activity workflows executed end to end
with the same concurrency (bench/temporal_baseline.py): the floor of anything that starts
a workflow.
"""

from __future__ import annotations

import argparse
import asyncio
import time
from datetime import UTC, datetime, timedelta
from datetime import time as clock
from typing import Any

from sqlalchemy import select

from bench import temporal_baseline
from bench.common import Metric, measure, repeats, scratch_database, temporal_server
from bench.stack import ApiStack, api_stack
from domain.availability.models import AvailabilitySlot
from domain.catalog.models import Product, ProductOption
from domain.db import make_engine, make_session_factory, unit_of_work
from domain.intents.models import WorkflowIntent
from tourflow.temporal import connect
from worker import build_worker

DESCRIPTION = "P5: booking create + confirm via the API vs raw one-activity workflows"
TASK_QUEUE = "bench-tourflow"
SLOTS = 50


def add_arguments(parser: Any) -> None:
    """Options of this benchmark."""
    parser.add_argument("--bookings", type=int, default=None, help="per repeat (150; quick 40)")
    parser.add_argument("--concurrency", type=int, default=8, help="concurrent callers")


async def _slots(url: str) -> list[AvailabilitySlot]:
    engine = make_engine(url)
    factory = make_session_factory(engine)
    async with unit_of_work(factory) as session:
        product = Product(name="bench product")
        session.add(product)
        await session.flush()
        option = ProductOption(product_id=product.id, name="default")
        session.add(option)
        await session.flush()
        rows = []
        for n in range(SLOTS):
            starts = datetime(2027, 6, 1, 7, tzinfo=UTC) + timedelta(days=n)
            row = AvailabilitySlot(
                product_id=product.id, option_id=option.id, local_date=starts.date(),
                local_time=clock(9), timezone="Europe/Berlin", starts_at=starts,
                ends_at=starts + timedelta(hours=2), capacity_initial=100_000,
                capacity_remaining=100_000, status="open",
            )  # fmt: skip
            session.add(row)
            rows.append(row)
    await engine.dispose()
    return rows


def _body(slot: AvailabilitySlot) -> dict[str, Any]:
    return {
        "currency": "EUR",
        "status": "on_hold",
        "travellers": [{"first_name": "Ana", "last_name": "Bench", "is_lead": True}],
        "items": [
            {
                "kind": "unit", "description": "Adult", "sell_amount_minor": 4500,
                "sell_currency": "EUR", "product_id": slot.product_id,
                "option_id": slot.option_id, "slot_id": slot.id, "pax": 1, "quantity": 1,
            }
        ],
    }  # fmt: skip


async def _bookings(
    stack: ApiStack, slots: list[AvailabilitySlot], count: int, callers: int
) -> float:
    """Bookings per second: `count` create + confirm pairs, `callers` at a time."""
    queue = list(range(count))

    async def caller() -> None:
        while queue:
            n = queue.pop()
            resp = await stack.client.post(
                "/v1/bookings", json=_body(slots[n % SLOTS]), headers=stack.headers
            )
            assert resp.status_code == 201, resp.text[:300]
            resp = await stack.client.post(
                f"/v1/bookings/{resp.json()['id']}/confirm", headers=stack.headers
            )
            assert resp.json()["status"] == "confirmed", resp.text[:300]

    started = time.perf_counter()
    await asyncio.gather(*(caller() for _ in range(callers)))
    return count / (time.perf_counter() - started)


async def _stuck_intents(stack: ApiStack) -> str:
    """Workflow intents not started after the run (no sweeper runs here), with the error."""
    async with stack.runtime.session_factory() as session:
        rows = (
            await session.execute(
                select(
                    WorkflowIntent.status, WorkflowIntent.workflow_type, WorkflowIntent.last_error
                )
                .where(WorkflowIntent.status != "started")
                .limit(20)
            )
        ).all()
    if not rows:
        return "none"
    status, kind, error = rows[0]
    return f"{len(rows)} (first: {status} {kind}: {(error or '')[:120]})"


async def _measure(
    url: str, address: str, *, count: int, concurrency: int, times: int
) -> tuple[list[float], list[float], str]:
    slots = await _slots(url)
    client = await connect(address, "default")
    ours, base = [], []
    async with (
        api_stack(
            url, scopes=["bookings:*"], temporal_address=address, task_queue=TASK_QUEUE
        ) as stack,
        build_worker(client, stack.runtime.session_factory, task_queue=TASK_QUEUE),
    ):
        for _ in range(times):
            ours.append(await _bookings(stack, slots, count, concurrency))
            base.append(
                await temporal_baseline.throughput(client, count=count, concurrency=concurrency)
            )
        stuck = await _stuck_intents(stack)
    return ours, base, stuck


def run(args: argparse.Namespace) -> list[Metric]:
    """Per repeat: `bookings` create + confirm through the API, then as many raw workflows."""
    count = args.bookings or (40 if args.quick else 150)
    times = repeats(args, full=2, quick=2)
    with scratch_database() as url, temporal_server() as address:
        ours, base, stuck = asyncio.run(
            _measure(url, address, count=count, concurrency=args.concurrency, times=times)
        )
    return [
        measure(
            f"P5 booking create + confirm via the API, {count} bookings, "
            f"{args.concurrency} concurrent callers",
            "bookings/s",
            ours,
            base,
            baseline_name="one-activity workflows, same server, same concurrency",
            goal="ratio >= 0.5 (a booking costs at most 2 bare workflows)",
            notes=f"intents not dispatched at the end: {stuck}",
        )
    ]
