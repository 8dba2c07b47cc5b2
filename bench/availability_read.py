"""Availability read: one product's slots over 30 days, p50/p99 under concurrent load,
vs the raw SQL query.

Run: python -m bench availability_read [--readers 16] [--reads 800] [--products 200] [--quick]
The database holds `products` products with 4 slots a day for a year (the target product
among them). tourflow's figure is the latency of `GET /v1/availability/slots?product_id=..
&start=..&end=..` (30 days) through the real app in-process (auth, session, query, JSON),
with `readers` concurrent callers; the baseline runs the same SELECT with psycopg on as
many connections. Each repeat gives a p50 and a p99; the table shows their medians.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import time
from datetime import date, timedelta
from typing import Any

import psycopg

from bench.common import Metric, measure, percentile, repeats, scratch_database
from bench.stack import api_stack
from domain.catalog.models import Product, ProductOption
from domain.db import make_engine, make_session_factory, unit_of_work

DESCRIPTION = "availability read, one product over 30 days, p50/p99 under load, vs raw SQL"
FIRST_DAY = date(2027, 1, 1)
RAW = (
    "SELECT * FROM availability_slots WHERE product_id = %s"
    " AND local_date BETWEEN %s AND %s ORDER BY starts_at LIMIT 500"
)
SEED = """
INSERT INTO availability_slots (id, product_id, option_id, local_date, local_time, timezone,
    starts_at, ends_at, capacity_initial, capacity_remaining, status)
SELECT 'avsl_bench_' || md5(%(option)s || d::text || t::text), %(product)s, %(option)s,
    d::date, t::time, 'Europe/Berlin', (d + t) AT TIME ZONE 'Europe/Berlin',
    (d + t + interval '2 hours') AT TIME ZONE 'Europe/Berlin', 20, 20, 'open'
FROM generate_series(%(first)s::timestamp, %(first)s::timestamp + interval '364 days',
                     interval '1 day') AS d,
     unnest(ARRAY['09:00', '11:00', '14:00', '17:00']::time[]) AS t
"""


def add_arguments(parser: Any) -> None:
    """Options of this benchmark."""
    parser.add_argument("--readers", type=int, default=16, help="concurrent callers")
    parser.add_argument("--reads", type=int, default=None, help="per repeat (800; quick 320)")
    parser.add_argument("--products", type=int, default=None, help="seeded (200; quick 20)")


async def _seed(url: str, products: int) -> list[str]:
    engine = make_engine(url)
    factory = make_session_factory(engine)
    pairs = []
    async with unit_of_work(factory) as session:
        for n in range(products):
            product = Product(name=f"bench product {n}")
            session.add(product)
            await session.flush()
            option = ProductOption(product_id=product.id, name="default")
            session.add(option)
            await session.flush()
            pairs.append((product.id, option.id))
    await engine.dispose()
    async with await psycopg.AsyncConnection.connect(url, autocommit=True) as conn:
        for product_id, option_id in pairs:
            await conn.execute(
                SEED, {"product": product_id, "option": option_id, "first": FIRST_DAY}
            )
        await conn.execute("ANALYZE availability_slots")
    return [p for p, _ in pairs]


def _windows(products: list[str], reads: int) -> list[tuple[str, date, date]]:
    rng = random.Random(7)
    out = []
    for _ in range(reads):
        start = FIRST_DAY + timedelta(days=rng.randrange(0, 330))
        out.append((rng.choice(products), start, start + timedelta(days=29)))
    return out


async def _load(workers: int, calls: list[Any]) -> list[float]:
    """Run `calls` (coroutine factories) with `workers` concurrent callers; latencies in ms."""
    queue = list(reversed(calls))
    latencies: list[float] = []

    async def worker(n: int) -> None:
        while queue:
            call = queue.pop()
            started = time.perf_counter()
            await call(n)
            latencies.append((time.perf_counter() - started) * 1000)

    await asyncio.gather(*(worker(n) for n in range(workers)))
    return latencies


async def _api(url: str, windows: list[tuple[str, date, date]], readers: int) -> list[float]:
    async with api_stack(url, scopes=["operations:read"], pool_size=readers) as stack:

        def call(product: str, start: date, end: date) -> Any:
            async def go(_: int) -> None:
                resp = await stack.client.get(
                    "/v1/availability/slots",
                    params={"product_id": product, "start": str(start), "end": str(end)},
                    headers=stack.headers,
                )
                assert resp.status_code == 200 and len(resp.json()) == 120, resp.text[:200]

            return go

        await _load(readers, [call(*w) for w in windows[: readers * 2]])  # warm-up
        return await _load(readers, [call(*w) for w in windows])


async def _raw(url: str, windows: list[tuple[str, date, date]], readers: int) -> list[float]:
    conns = [await psycopg.AsyncConnection.connect(url, autocommit=True) for _ in range(readers)]

    def call(product: str, start: date, end: date) -> Any:
        async def go(n: int) -> None:
            cur = await conns[n].execute(RAW, (product, start, end))
            assert len(await cur.fetchall()) == 120

        return go

    try:
        await _load(readers, [call(*w) for w in windows[: readers * 2]])
        return await _load(readers, [call(*w) for w in windows])
    finally:
        for conn in conns:
            await conn.close()


def run(args: argparse.Namespace) -> list[Metric]:
    """Seed, then per repeat: the API under load, then the raw query under the same load."""
    readers = args.readers
    reads = args.reads or (320 if args.quick else 800)
    products = args.products or (20 if args.quick else 200)
    p50s: tuple[list[float], list[float]] = ([], [])
    p99s: tuple[list[float], list[float]] = ([], [])
    with scratch_database() as url:
        ids = asyncio.run(_seed(url, products))
        windows = _windows(ids, reads)
        for _ in range(repeats(args, full=3, quick=2)):
            for side, fn in enumerate((_api, _raw)):
                latencies = asyncio.run(fn(url, windows, readers))
                p50s[side].append(percentile(latencies, 50))
                p99s[side].append(percentile(latencies, 99))
    label = f"{readers} concurrent readers, {products} products x 4 slots/day, 120 slots a read"
    return [
        measure(
            f"availability read {name} ({label})",
            "ms",
            ours,
            base,
            baseline_name="raw SELECT via psycopg",
            goal=goal,
            higher_is_better=False,
        )
        for name, (ours, base), goal in (
            ("p50", p50s, "p50 < 50 ms"),
            ("p99", p99s, "p99 < 250 ms"),
        )
    ]
