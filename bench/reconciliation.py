"""Reconciliation over 100k channel booking links vs one raw full outer join.

Run: python -m bench reconciliation [--links 100000] [--quick]
Data: one channel with `links` confirmed channel bookings (booking + link + distribution
details), and the channel's report staged for a run: the same bookings, except 1% missing
on the channel, 1% with another amount, 0.5% cancelled only on the channel, plus 1% the
channel has and we do not. Loaded with COPY, untimed.

tourflow's figure: seconds for the comparison step of a run (`service.compare_run`): the
set-based issue query (full outer join + the rules) feeding one INSERT ... SELECT of the
issues (no row comes back to Python), the sweep resolving issues no longer found, the
run's counters. Each repeat clears the run's issues and compares again. Notes check the issues
found against the planted counts. Baseline, same run, same data: one raw
`SELECT count(*)` of the bare full outer join of links and report lines.
"""

from __future__ import annotations

import argparse
import asyncio
import uuid
from datetime import UTC, date, datetime
from typing import Any

import psycopg

from bench.common import Metric, Stopwatch, measure, repeats, scratch_database
from domain.db import make_engine, make_session_factory, unit_of_work
from domain.ids import new_id
from domain.reconciliation import service
from domain.reconciliation.sql import RAW_FULL_JOIN_SQL

DESCRIPTION = "reconciliation compare over 100k links vs one raw full outer join"
START, END = date(2026, 10, 1), date(2026, 11, 1)
CREATED = datetime(2026, 10, 15, 12, tzinfo=UTC)


def add_arguments(parser: Any) -> None:
    """Options of this benchmark."""
    parser.add_argument("--links", type=int, default=None, help="links (100000; quick 10000)")


def _plant(n: int) -> tuple[str | None, int]:
    """What the channel reports for booking n: (status or None if missing, amount)."""
    if n % 100 == 1:
        return None, 0  # missing on the channel
    if n % 100 == 2:
        return "confirmed", 1_000 + n % 997 + 500  # amount mismatch
    if n % 200 == 3:
        return "cancelled", 1_000 + n % 997  # cancelled only on the channel
    return "confirmed", 1_000 + n % 997


def _expected(links: int) -> int:
    issues = sum(1 for n in range(links) if _plant(n)[0] is None or n % 100 == 2 or n % 200 == 3)
    return issues + links // 100  # + the channel's extra bookings


def _load(url: str, links: int) -> tuple[str, str]:
    """COPY the channel, bookings, links, details and the staged report; (channel, run)."""
    channel_id, run_id = new_id("chan"), new_id("chrr")
    booking_ids = [new_id("book") for _ in range(links)]
    with psycopg.connect(url) as conn:
        conn.execute(
            "INSERT INTO channels (id, name, kind) VALUES (%s, 'Bench OTA', 'ota')", (channel_id,)
        )
        with conn.cursor().copy(
            "COPY bookings (id, number, status, currency, sell_total_minor, channel_id,"
            " created_at) FROM STDIN"
        ) as copy:
            for n, bid in enumerate(booking_ids):
                copy.write_row(
                    (bid, f"B{uuid.uuid4().hex[:20]}", "confirmed", "EUR", 1_000 + n % 997,
                     channel_id, CREATED)
                )  # fmt: skip
        with conn.cursor().copy(
            "COPY channel_booking_links (id, channel_id, booking_id, idempotency_key,"
            " push_status, amount_minor, currency) FROM STDIN"
        ) as copy:
            for n, bid in enumerate(booking_ids):
                copy.write_row(
                    (new_id("chbl"), channel_id, bid, f"book:{bid}:*:{channel_id}", "ok",
                     1_000 + n % 997, "EUR")
                )  # fmt: skip
        with conn.cursor().copy(
            "COPY booking_distribution_details (id, booking_id, source_channel_id,"
            " payment_owner) FROM STDIN"
        ) as copy:
            for bid in booking_ids:
                copy.write_row((new_id("bkdd"), bid, channel_id, "operator"))
        conn.execute(
            "INSERT INTO channel_reconciliation_runs (id, channel_id, period_start, period_end,"
            " workflow_id, policy) VALUES (%s, %s, %s, %s, 'bench', %s)",
            (run_id, channel_id, START, END,
             psycopg.types.json.Jsonb({"tolerance_minor": 50})),
        )  # fmt: skip
        with conn.cursor().copy(
            "COPY channel_reconciliation_report_lines (id, run_id, line_key, booking_ref,"
            " external_booking_id, status, amount_minor, currency) FROM STDIN"
        ) as copy:
            for n, bid in enumerate(booking_ids):
                status, amount = _plant(n)
                if status is not None:
                    copy.write_row(
                        (new_id("chrl"), run_id, f"x{n}", bid, f"x{n}", status, amount, "EUR")
                    )
            for n in range(links // 100):
                copy.write_row(
                    (new_id("chrl"), run_id, f"extra{n}", f"unknown{n}", None, "confirmed", 10,
                     "EUR")
                )  # fmt: skip
        conn.execute("ANALYZE")
    return channel_id, run_id


def _clear_issues(url: str, run_id: str) -> None:
    """Forget the run's issues so the next repeat does the whole comparison again."""
    with psycopg.connect(url) as conn:
        conn.execute("DELETE FROM channel_reconciliation_items WHERE run_id = %s", (run_id,))


async def _compare(url: str, run_id: str) -> tuple[float, int]:
    engine = make_engine(url)
    factory = make_session_factory(engine)
    with Stopwatch() as sw:
        async with unit_of_work(factory) as session:
            run = await service.compare_run(session, run_id=run_id)
    await engine.dispose()
    return sw.seconds, run.issue_count


async def _raw(url: str, channel_id: str, run_id: str) -> tuple[float, int]:
    engine = make_engine(url)
    params = {
        "channel_id": channel_id,
        "run_id": run_id,
        "period_start": datetime(2026, 10, 1, tzinfo=UTC),
        "period_end": datetime(2026, 11, 1, tzinfo=UTC),
    }
    with Stopwatch() as sw:
        async with engine.connect() as conn:
            rows = int((await conn.execute(RAW_FULL_JOIN_SQL, params)).scalar_one())
    await engine.dispose()
    return sw.seconds, rows


def run(args: argparse.Namespace) -> list[Metric]:
    """Load once; per repeat, compare a fresh run and time the raw join."""
    links = args.links or (10_000 if args.quick else 100_000)
    expected = _expected(links)
    ours, base, found, joined = [], [], set(), set()
    with scratch_database() as url:
        channel_id, run_id = _load(url, links)
        for _ in range(repeats(args, full=3, quick=2)):
            _clear_issues(url, run_id)
            seconds, issues = asyncio.run(_compare(url, run_id))
            ours.append(seconds)
            found.add(issues)
            seconds, rows = asyncio.run(_raw(url, channel_id, run_id))
            base.append(seconds)
            joined.add(rows)
    if found != {expected}:
        raise AssertionError(f"expected {expected} issues, found {sorted(found)}")
    return [
        measure(
            f"reconciliation compare, {links} links vs the channel's report",
            "s",
            ours,
            base,
            baseline_name="one raw SELECT count(*) of the full outer join, same data",
            goal="ratio <= 5 (the rules and the issue inserts on top of the join)",
            higher_is_better=False,
            notes=f"issues {sorted(found)} (planted {expected}); join rows {sorted(joined)}",
        )
    ]
