"""Departure profitability over 10k departures, against the raw aggregate query.

Run: python -m bench profitability [--departures 10000] [--repeat 5] [--quick]
Seeds one product with N departures, two bookings per departure (one with an item on
the next departure too, so revenue is spread by sell share), an issued invoice per
booking (every tenth partly credited), and a supplier invoice with a departure line
and a booking line per departure (every fifth in USD, so the base rollup converts).
tourflow's figure is `domain.finance.profitability.compute` for every departure of the
product (per currency + base rollup); the baseline is the plain GROUP BY of the same
three sources per departure, without sell-share spreading, FX or per-currency care:
the floor any report over these rows pays. Both are milliseconds per full report.
"""

from __future__ import annotations

import argparse
import asyncio
from typing import Any

from sqlalchemy import text

from bench.common import Metric, Stopwatch, measure, repeats, scratch_database
from domain.db import make_engine, make_session_factory
from domain.finance import profitability

PRODUCT = "prod_bench"
SEED = [
    "INSERT INTO products (id, name, timezone) VALUES ('prod_bench', 'Bench tour', 'UTC')",
    "INSERT INTO product_options (id, product_id, name) VALUES ('popt_bench', 'prod_bench', 'x')",
    """INSERT INTO availability_slots (id, product_id, option_id, local_date, local_time,
         timezone, starts_at, ends_at, capacity_initial, capacity_remaining, status)
       SELECT 'avsl_' || n, 'prod_bench', 'popt_bench', DATE '2027-01-01' + (n / 4),
              TIME '06:00' + make_interval(hours => n % 4), 'UTC',
              TIMESTAMPTZ '2027-01-01' + make_interval(days => n / 4, hours => 6 + n % 4),
              TIMESTAMPTZ '2027-01-01' + make_interval(days => n / 4, hours => 8 + n % 4),
              40, 30, 'open'
       FROM generate_series(1, :n) n""",
    """INSERT INTO bookings (id, number, status, currency, sell_total_minor, cost_total_minor)
       SELECT 'book_' || n || '_' || k, 'B' || n || '-' || k, 'confirmed', 'EUR', 0, 0
       FROM generate_series(1, :n) n, generate_series(1, 2) k""",
    """INSERT INTO booking_items (id, booking_id, kind, description, product_id, slot_id,
         quantity, pax, sell_amount_minor, sell_currency, cost_amount_minor, cost_currency)
       SELECT 'bkit_' || n || '_' || k, 'book_' || n || '_' || k, 'unit', 'Adult',
              'prod_bench', 'avsl_' || n, 2 + k, 2 + k, 4000 + k * 500, 'EUR', 1900, 'EUR'
       FROM generate_series(1, :n) n, generate_series(1, 2) k""",
    """INSERT INTO booking_items (id, booking_id, kind, description, product_id, slot_id,
         quantity, pax, sell_amount_minor, sell_currency, cost_amount_minor, cost_currency)
       SELECT 'bkit_' || n || '_x', 'book_' || n || '_2', 'unit', 'Return leg', 'prod_bench',
              'avsl_' || (n % :n + 1), 1, 1, 3000, 'EUR', 1200, 'EUR'
       FROM generate_series(1, :n) n""",
    """INSERT INTO invoices (id, kind, status, number, booking_id, currency, total_minor,
         paid_minor, credited_minor, issue_date, due_date, issued_at)
       SELECT 'inv_' || b.id, 'invoice', 'issued', 'INV-' || b.id, b.id, 'EUR', t.total, 0,
              CASE WHEN right(b.id, 1) = '1' AND length(b.id) % 10 = 0 THEN 1000 ELSE 0 END,
              DATE '2026-12-01', DATE '2026-12-15', now()
       FROM bookings b
       JOIN (SELECT booking_id, SUM(quantity * sell_amount_minor) AS total
             FROM booking_items GROUP BY booking_id) t ON t.booking_id = b.id""",
    "INSERT INTO fx_rates (id, from_currency, to_currency, rate, rate_date, source)"
    " VALUES ('fxrt_bench', 'EUR', 'USD', 1.08, DATE '2026-01-01', 'manual')",
    """INSERT INTO supplier_invoices (id, supplier_id, supplier_reference, status, currency,
         issue_date, tax_mode, net_minor, tax_minor, total_minor, base_currency, fx_rate,
         fx_rate_date, fx_source, base_net_minor, spec_hash)
       VALUES ('sinv_eur', 'supp', 'EUR-1', 'received', 'EUR', DATE '2026-12-01',
               'exclusive', 0, 0, 0, 'EUR', 1, DATE '2026-12-01', 'identity', 0, 'x'),
              ('sinv_usd', 'supp', 'USD-1', 'received', 'USD', DATE '2026-12-01',
               'exclusive', 0, 0, 0, 'EUR', 0.9259259259, DATE '2026-01-01', 'manual', 0,
               'y')""",
    """INSERT INTO supplier_invoice_lines (id, supplier_invoice_id, position, description,
         amount_minor, net_minor, tax_minor, base_net_minor, slot_id, booking_id)
       SELECT 'sinl_' || n || '_' || k,
              CASE WHEN n % 5 = 0 THEN 'sinv_usd' ELSE 'sinv_eur' END,
              2 * n + k, 'cost', 9000 + k, 9000 + k, 0,
              CASE WHEN n % 5 = 0 THEN round((9000 + k) * 0.9259259259) ELSE 9000 + k END,
              CASE WHEN k = 0 THEN 'avsl_' || n END,
              CASE WHEN k = 1 THEN 'book_' || n || '_1' END
       FROM generate_series(1, :n) n, generate_series(0, 1) k""",
    "ANALYZE",
]

RAW = """
SELECT slot_id, SUM(revenue), SUM(actual), SUM(planned) FROM (
  SELECT bi.slot_id, i.total_minor - i.credited_minor AS revenue, 0 AS actual, 0 AS planned
  FROM invoices i JOIN booking_items bi ON bi.booking_id = i.booking_id
  UNION ALL
  SELECT COALESCE(l.slot_id, bi.slot_id), 0, l.net_minor, 0
  FROM supplier_invoice_lines l LEFT JOIN booking_items bi ON bi.booking_id = l.booking_id
  UNION ALL
  SELECT slot_id, 0, 0, quantity * cost_amount_minor FROM booking_items
) x GROUP BY slot_id
"""


async def _seed(url: str, departures: int) -> None:
    engine = make_engine(url)
    async with engine.begin() as conn:
        for statement in SEED:
            if statement == "ANALYZE":
                continue
            await conn.execute(text(statement), {"n": departures})
    async with engine.connect() as conn:
        await conn.execution_options(isolation_level="AUTOCOMMIT")
        await conn.execute(text("ANALYZE"))
    await engine.dispose()


async def _runs(url: str, times: int) -> tuple[list[float], list[float], str]:
    engine = make_engine(url)
    factory = make_session_factory(engine)
    ours, base = [], []
    notes = ""
    async with factory() as session:
        for _ in range(times):
            with Stopwatch() as sw:
                result = await profitability.compute(
                    session, scope="slot", ids=[], base_currency="EUR", product_filter=[PRODUCT]
                )
            ours.append(sw.seconds * 1000)
            with Stopwatch() as raw:
                rows = (await session.execute(text(RAW))).all()
            base.append(raw.seconds * 1000)
            with_usd = sum(1 for p in result.values() if len(p.currencies) > 1)
            complete = sum(1 for p in result.values() if p.base and p.base.complete)
            notes = (
                f"{len(result):,} departures reported ({len(rows):,} raw groups),"
                f" {with_usd:,} with two currencies, {complete:,} base rollups complete"
            )
    await engine.dispose()
    return ours, base, notes


DESCRIPTION = "Departure profitability over 10k departures vs the raw aggregate query"


def add_arguments(parser: Any) -> None:
    """Options of this benchmark."""
    parser.add_argument(
        "--departures", type=int, default=None, help="departures (10000; quick: 1000)"
    )


def run(args: argparse.Namespace) -> list[Metric]:
    """Seed once, then time the full report and the raw aggregate, alternately."""
    departures = getattr(args, "departures", None) or (1000 if args.quick else 10_000)
    times = repeats(args, full=5, quick=3)
    with scratch_database() as url:
        asyncio.run(_seed(url, departures))
        ours, base, notes = asyncio.run(_runs(url, times))
    return [
        measure(
            f"departure profitability, {departures:,} departures (per currency + base)",
            "ms",
            ours,
            base,
            baseline_name="raw GROUP BY of the same rows",
            goal="ratio <= 5 (set-based: within 5x of the bare aggregate)",
            higher_is_better=False,
            notes=notes,
        )
    ]
