"""P7: slot generation, N rules x 1 year, against a bulk COPY of the very same rows.

Run: python -m bench slot_generation [--rules 1000] [--repeat 2] [--quick]
tourflow's figure is the full service path (RRULE expansion with DST handling, closeout
lookup, idempotent insert, one outbox event per slot) in slots per second; the baseline
COPYs the rows it produced into a twin table, which is the floor any generator pays.
"""

from __future__ import annotations

import argparse
import asyncio
from datetime import date, time
from typing import Any

import psycopg
from sqlalchemy import text

from bench.common import Metric, Stopwatch, measure, repeats, scratch_database
from domain.availability.generation import generate_availability_slots
from domain.availability.models import AvailabilityRule
from domain.catalog.models import Product, ProductOption
from domain.db import make_engine, make_session_factory, unit_of_work

RRULES = (
    "FREQ=DAILY",
    "FREQ=WEEKLY;BYDAY=MO,WE,FR",
    "FREQ=WEEKLY;INTERVAL=2;BYDAY=SA,SU",
    "FREQ=MONTHLY;BYDAY=1MO,3MO",
    "FREQ=MONTHLY;BYMONTHDAY=1,15",
)
COLUMNS = (
    "id, rule_id, product_id, option_id, local_date, local_time, timezone, starts_at, ends_at, "
    "capacity_initial, capacity_remaining, status"
)


async def _seed(url: str, rules: int) -> list[str]:
    engine = make_engine(url)
    factory = make_session_factory(engine)
    ids = []
    async with unit_of_work(factory) as session:
        for n in range(rules):
            product = Product(name=f"bench product {n}")
            session.add(product)
            await session.flush()
            option = ProductOption(product_id=product.id, name="default")
            session.add(option)
            await session.flush()
            rule = AvailabilityRule(
                product_id=product.id, option_id=option.id, rrule=RRULES[n % len(RRULES)],
                dtstart=date(2027, 1, 1), start_times=[time(9), time(14)],
                timezone="Europe/Berlin", capacity=20, exdates=[], rdates=[],
                duration_minutes=120, horizon_days=365, active=True,
            )  # fmt: skip
            session.add(rule)
            await session.flush()
            ids.append(rule.id)
    await engine.dispose()
    return ids


async def _generate(url: str, rule_ids: list[str]) -> tuple[int, float]:
    engine = make_engine(url)
    factory = make_session_factory(engine)
    async with factory() as s:
        await s.execute(text("TRUNCATE availability_slots, outbox_events CASCADE"))
        await s.commit()
    created = 0
    with Stopwatch() as sw:
        for rule_id in rule_ids:
            async with unit_of_work(factory) as session:
                result = await generate_availability_slots(
                    session, rule_id=rule_id, start=date(2027, 1, 1), end=date(2027, 12, 31)
                )
                created += result.created
    await engine.dispose()
    return created, sw.seconds


def _bulk_copy(url: str) -> tuple[int, float]:
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("DROP TABLE IF EXISTS bench_slots")
        conn.execute("CREATE TABLE bench_slots (LIKE availability_slots INCLUDING ALL)")
        rows = conn.execute(f"SELECT {COLUMNS} FROM availability_slots").fetchall()
        with (
            Stopwatch() as sw,
            conn.cursor() as cur,
            cur.copy(f"COPY bench_slots ({COLUMNS}) FROM STDIN") as copy,
        ):
            for row in rows:
                copy.write_row(row)
        return len(rows), sw.seconds


DESCRIPTION = "P7: slot generation, rules x 1 year, vs a COPY of the same rows"


def add_arguments(parser: Any) -> None:
    """Options of this benchmark."""
    parser.add_argument("--rules", type=int, default=None, help="rules (1000; quick: 50)")


def run(args: argparse.Namespace) -> list[Metric]:
    """Generate every rule's year of slots, then COPY the same rows; per repeat."""
    rules = getattr(args, "rules", None) or (50 if args.quick else 1000)
    times = repeats(args, full=2, quick=2)
    with scratch_database() as url:
        rule_ids = asyncio.run(_seed(url, rules))
        ours, base = [], []
        created = 0
        for _ in range(times):
            created, seconds = asyncio.run(_generate(url, rule_ids))
            copied, copy_seconds = _bulk_copy(url)
            assert copied == created
            ours.append(created / seconds)
            base.append(copied / copy_seconds)
    return [
        measure(
            f"P7 slot generation, {rules} rules x 1 year ({created:,} slots)",
            "slots/s",
            ours,
            base,
            baseline_name="COPY of the same rows",
            goal="ratio >= 0.1 (within 10x of a bare bulk insert)",
        )
    ]
