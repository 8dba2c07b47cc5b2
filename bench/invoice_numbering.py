"""P8: invoice numbering with 32 concurrent allocators vs a bare single-row UPDATE loop.

Run: python -m bench invoice_numbering [--allocators 32] [--invoices 640] [--quick]
tourflow's figure is invoices issued per second when `allocators` tasks, each with its own
transaction per invoice, issue drafts of one series (the series row is locked, the counter
upserted, the invoice numbered and its event recorded, all in the invoice's transaction);
every repeat checks that the numbers are gapless and unique. The baseline is the floor any
row-locked counter pays: the same number of concurrent `UPDATE ... SET v = v + 1 RETURNING v`
on one row, from as many connections, checked the same way.
"""

from __future__ import annotations

import argparse
import asyncio
from typing import Any

import psycopg

from bench.common import Metric, Stopwatch, measure, repeats, scratch_database
from domain.db import make_engine, make_session_factory, unit_of_work
from domain.finance import invoices, series

DESCRIPTION = "P8: invoice numbering, 32 concurrent allocators, vs a bare UPDATE loop"


def add_arguments(parser: Any) -> None:
    """Options of this benchmark."""
    parser.add_argument("--allocators", type=int, default=32, help="concurrent allocators")
    parser.add_argument("--invoices", type=int, default=None, help="per repeat (640; quick 320)")


def check_sequence(values: list[int], expected: int) -> tuple[int, int]:
    """(gaps, duplicates) of `values` against 1..expected."""
    duplicates = len(values) - len(set(values))
    gaps = len(set(range(1, expected + 1)) - set(values))
    return gaps, duplicates


async def _tourflow(
    url: str, *, prefix: str, count: int, allocators: int
) -> tuple[float, list[int]]:
    engine = make_engine(url, pool_size=allocators + 2)
    factory = make_session_factory(engine)
    async with unit_of_work(factory) as session:
        s = await series.create_series(
            session, name=prefix, scope="invoice", format=f"{prefix}-{{seq:08}}",
            reset_rule="never", is_default=False,
        )  # fmt: skip
    drafts: asyncio.Queue[str] = asyncio.Queue()
    async with unit_of_work(factory) as session:  # the drafts, untimed, in one transaction
        for _ in range(count):
            spec = invoices.InvoiceSpec(
                currency="EUR", lines=[invoices.LineSpec(description="seat", unit_amount_minor=100)]
            )
            drafts.put_nowait((await invoices.create_invoice(session, spec)).id)
    numbers: list[int] = []

    async def allocator() -> None:
        while not drafts.empty():
            invoice_id = drafts.get_nowait()
            async with unit_of_work(factory) as session:
                done = await invoices.issue_invoice(
                    session, invoice_id=invoice_id, spec=invoices.IssueSpec(series_id=s.id)
                )
            assert done.number is not None
            numbers.append(int(done.number.removeprefix(f"{prefix}-")))

    with Stopwatch() as sw:
        await asyncio.gather(*(allocator() for _ in range(allocators)))
    await engine.dispose()
    return sw.seconds, numbers


async def _bare_updates(
    url: str, *, table: str, count: int, allocators: int
) -> tuple[float, list[int]]:
    async with await psycopg.AsyncConnection.connect(url, autocommit=True) as conn:
        await conn.execute(f"CREATE TABLE {table} (id int PRIMARY KEY, v bigint NOT NULL)")
        await conn.execute(f"INSERT INTO {table} VALUES (1, 0)")
    conns = [await psycopg.AsyncConnection.connect(url, autocommit=True) for _ in range(allocators)]
    left = [count]
    values: list[int] = []

    async def loop(conn: psycopg.AsyncConnection[Any]) -> None:
        while left[0] > 0:
            left[0] -= 1
            cur = await conn.execute(f"UPDATE {table} SET v = v + 1 WHERE id = 1 RETURNING v")
            row = await cur.fetchone()
            assert row is not None
            values.append(int(row[0]))

    with Stopwatch() as sw:
        await asyncio.gather(*(loop(c) for c in conns))
    for conn in conns:
        await conn.close()
    return sw.seconds, values


def run(args: argparse.Namespace) -> list[Metric]:
    """Issue `invoices` drafts with `allocators` concurrent tasks, per repeat."""
    allocators = args.allocators
    count = args.invoices or (allocators * 10 if args.quick else allocators * 20)
    ours, base = [], []
    problems = {"tourflow": [0, 0], "baseline": [0, 0]}
    with scratch_database() as url:
        for n in range(repeats(args, full=3, quick=2)):
            seconds, numbers = asyncio.run(
                _tourflow(url, prefix=f"R{n}", count=count, allocators=allocators)
            )
            gaps, dups = check_sequence(numbers, count)
            problems["tourflow"][0] += gaps
            problems["tourflow"][1] += dups
            ours.append(count / seconds)
            seconds, values = asyncio.run(
                _bare_updates(url, table=f"bench_counter_{n}", count=count, allocators=allocators)
            )
            gaps, dups = check_sequence(values, count)
            problems["baseline"][0] += gaps
            problems["baseline"][1] += dups
            base.append(count / seconds)
    (g, d), (bg, bd) = problems["tourflow"], problems["baseline"]
    if g or d:
        raise AssertionError(f"invoice numbers had {g} gaps and {d} duplicates")
    return [
        measure(
            f"P8 invoice numbering, {allocators} concurrent allocators, {count} invoices",
            "invoices/s",
            ours,
            base,
            baseline_name=f"{allocators} connections: single-row UPDATE ... RETURNING",
            goal="gaps 0, duplicates 0; ratio >= 0.1",
            notes=f"tourflow gaps {g} dups {d}; baseline gaps {bg} dups {bd}",
        )
    ]
