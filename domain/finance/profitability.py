"""Departure and product profitability, computed in set-based SQL.

The unit is the departure (an availability slot). For a set of departures:
- Revenue, net of tax: per issued customer invoice (kind `invoice`, not draft or
  void) `(total - tax) - round(credited x (total - tax) / total)` (credit notes take
  their net share off), summed per booking and currency and spread over the booking's
  departures by sell-value share (active items' quantity x sell amount on the
  departure / on the whole booking).
- Actual cost: net amounts of supplier-invoice lines of received (not void) supplier
  invoices allocated to the departure, plus lines allocated to a booking, spread over
  its departures by the same sell-value share. Lines allocated to a product count
  only in product profitability. Supplier tax is excluded (recoverable, or
  self-assessed under reverse charge), so revenue and cost are both net.
- Spreads use the largest-remainder method over all the booking's departures (floor
  each share, the leftover minor units go to the largest remainders, ties to the
  smaller slot id): the parts add up to the amount exactly.
- Planned cost: the cost snapshots (quantity x cost amount) of active items of live
  (not cancelled or expired) bookings on the departure, in the cost currency.
A product's profitability is the sum over its departures, plus its product-level
lines. Everything is per currency; the base rollup converts revenue and planned cost
with the rate table at the departure date (newest rate on or before it, a direct pair
before an inverted one, then `fx.SOURCE_ORDER`, exactly as `TableRateResolver`; one
lookup per distinct currency and date) and uses the base amounts stored on supplier
lines. A currency with nothing to convert (only actual cost, whose base amounts are
stored) does not make the rollup incomplete.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

from sqlalchemy import Row, text
from sqlalchemy.ext.asyncio import AsyncSession

from domain.finance.fx import EXPONENTS, SOURCE_ORDER
from domain.finance.profit_rules import BaseRollup, Figures, rollup

REVENUE_STATUSES = ("pending_external_allocation", "issued", "partially_paid", "paid", "overdue")
Scope = Literal["slot", "product"]


def _exponent_sql(column: str) -> str:
    cases = " ".join(f"WHEN '{code}' THEN {e}" for code, e in sorted(EXPONENTS.items()))
    return f"(CASE {column} {cases} ELSE 2 END)"


def _source_rank_sql(column: str) -> str:
    cases = " ".join(f"WHEN '{src}' THEN {n}" for n, src in enumerate(SOURCE_ORDER))
    return f"(CASE {column} {cases} ELSE {len(SOURCE_ORDER)} END)"


FACTS = f"""
WITH s AS (
  SELECT a.id AS slot_id, a.product_id, a.local_date
  FROM availability_slots a
  WHERE a.id = ANY(:slot_ids) OR a.product_id = ANY(:product_ids)
),
items AS (
  SELECT bi.booking_id, bi.slot_id, bi.quantity * bi.cost_amount_minor AS cost,
         bi.cost_currency, bi.pax, b.status NOT IN ('cancelled', 'expired') AS live
  FROM booking_items bi
  JOIN s ON s.slot_id = bi.slot_id
  JOIN bookings b ON b.id = bi.booking_id
  WHERE bi.status = 'active'
),
touched AS (SELECT DISTINCT booking_id FROM items),
shares AS (
  -- every departure of a touched booking (also outside s), so a split never depends
  -- on which departures were asked for
  SELECT booking_id, slot_id, part, SUM(part) OVER (PARTITION BY booking_id) AS whole
  FROM (
    SELECT bi.booking_id, bi.slot_id, SUM(bi.quantity * bi.sell_amount_minor)::numeric AS part
    FROM booking_items bi JOIN touched USING (booking_id)
    WHERE bi.status = 'active' AND bi.slot_id IS NOT NULL
    GROUP BY bi.booking_id, bi.slot_id
  ) x
),
invoiced AS (
  -- net of tax, less the net share of credits: (total - tax) x (1 - credited / total)
  SELECT i.booking_id, i.currency,
         SUM((i.total_minor - i.tax_minor)
             - round(i.credited_minor::numeric * (i.total_minor - i.tax_minor)
                     / i.total_minor))::bigint AS net
  FROM invoices i JOIN touched USING (booking_id)
  WHERE i.kind = 'invoice' AND i.status IN {REVENUE_STATUSES!r} AND i.total_minor > 0
  GROUP BY i.booking_id, i.currency
),
costs AS (
  SELECT l.id, l.slot_id, l.product_id, l.booking_id, si.currency, l.net_minor,
         l.base_net_minor
  FROM supplier_invoice_lines l
  JOIN supplier_invoices si ON si.id = l.supplier_invoice_id
  WHERE si.status = 'received' AND l.slot_id IN (SELECT slot_id FROM s)
  UNION ALL
  SELECT l.id, l.slot_id, l.product_id, l.booking_id, si.currency, l.net_minor,
         l.base_net_minor
  FROM supplier_invoice_lines l
  JOIN supplier_invoices si ON si.id = l.supplier_invoice_id
  WHERE si.status = 'received' AND l.booking_id IN (SELECT booking_id FROM touched)
  UNION ALL
  SELECT l.id, l.slot_id, l.product_id, l.booking_id, si.currency, l.net_minor,
         l.base_net_minor
  FROM supplier_invoice_lines l
  JOIN supplier_invoices si ON si.id = l.supplier_invoice_id
  WHERE si.status = 'received' AND l.product_id = ANY(:product_ids)
),
to_split AS (
  SELECT 'inv:' || booking_id || ':' || currency AS src, booking_id, currency,
         'revenue' AS kind, net AS amount
  FROM invoiced
  UNION ALL
  SELECT id, booking_id, currency, 'actual', net_minor FROM costs WHERE booking_id IS NOT NULL
  UNION ALL
  SELECT id, booking_id, currency, 'actual_base', base_net_minor
  FROM costs WHERE booking_id IS NOT NULL
),
raw AS (
  SELECT t.src, t.kind, t.currency, sh.slot_id, sign(t.amount) AS sgn, abs(t.amount) AS a,
         div(abs(t.amount)::numeric * sh.part, sh.whole) AS fl,
         mod(abs(t.amount)::numeric * sh.part, sh.whole) AS rem
  FROM to_split t JOIN shares sh USING (booking_id)
  WHERE sh.whole > 0
),
-- largest remainder: floor every part, hand the leftover units to the largest
-- remainders (ties: the smaller slot id), so the parts add up to the amount exactly
split AS (
  SELECT kind, currency, slot_id,
         (sgn * (fl + CASE WHEN rn <= leftover THEN 1 ELSE 0 END))::bigint AS amount
  FROM (
    SELECT r.*, r.a - SUM(r.fl) OVER (PARTITION BY r.src, r.kind) AS leftover,
           row_number() OVER (PARTITION BY r.src, r.kind ORDER BY r.rem DESC, r.slot_id) AS rn
    FROM raw r
  ) ranked
),
facts AS (
  SELECT slot_id, currency,
         CASE WHEN kind = 'revenue' THEN amount ELSE 0 END AS revenue,
         CASE WHEN kind = 'actual' THEN amount ELSE 0 END AS actual,
         0::bigint AS planned,
         CASE WHEN kind = 'actual_base' THEN amount ELSE 0 END AS actual_base
  FROM split
  UNION ALL
  SELECT slot_id, cost_currency, 0, 0, SUM(cost)::bigint, 0
  FROM items WHERE live GROUP BY slot_id, cost_currency
  UNION ALL
  SELECT c.slot_id, c.currency, 0, c.net_minor, 0, c.base_net_minor
  FROM costs c WHERE c.slot_id IS NOT NULL
),
sums AS (
  SELECT slot_id, currency, SUM(revenue) AS revenue, SUM(actual) AS actual,
         SUM(planned) AS planned, SUM(actual_base) AS actual_base
  FROM facts GROUP BY slot_id, currency
),
per_slot AS (
  SELECT t.*, s.product_id, s.local_date FROM sums t JOIN s USING (slot_id)
),
rates AS (
  -- one rate per distinct (currency, date): newest on or before it, a direct pair
  -- before an inverted one, then fx.SOURCE_ORDER (as TableRateResolver)
  SELECT d.currency, d.local_date,
         CASE WHEN d.currency = :base THEN 1::numeric
              ELSE r.rate * power(10::numeric,
                   {_exponent_sql(":base")} - {_exponent_sql("d.currency")}) END AS factor
  FROM (SELECT DISTINCT currency, local_date FROM per_slot) d
  LEFT JOIN LATERAL (
    SELECT CASE WHEN f.from_currency = d.currency THEN f.rate ELSE 1 / f.rate END AS rate
    FROM fx_rates f
    WHERE d.currency <> :base
      AND ((f.from_currency = d.currency AND f.to_currency = :base)
        OR (f.from_currency = :base AND f.to_currency = d.currency))
      AND f.rate_date <= d.local_date
    ORDER BY f.rate_date DESC, (f.from_currency = d.currency) DESC,
             {_source_rank_sql("f.source")}, f.source
    LIMIT 1
  ) r ON d.currency <> :base
),
converted AS (
  SELECT p.slot_id, p.product_id, p.currency, p.revenue, p.actual, p.planned, p.actual_base,
         r.factor
  FROM per_slot p JOIN rates r USING (currency, local_date)
  UNION ALL
  SELECT NULL, c.product_id, c.currency, 0, SUM(c.net_minor), 0, SUM(c.base_net_minor), 1
  FROM costs c WHERE c.product_id IS NOT NULL
  GROUP BY c.product_id, c.currency
)
"""

# One row per (key, currency), and one per key with `currency` NULL carrying the pax.
GROUPED = """
SELECT {key} AS key, currency,
       SUM(revenue)::bigint AS revenue, SUM(actual)::bigint AS actual,
       SUM(planned)::bigint AS planned,
       SUM(round(revenue * factor))::bigint AS revenue_base,
       SUM(actual_base)::bigint AS actual_base,
       SUM(round(planned * factor))::bigint AS planned_base,
       bool_and(factor IS NOT NULL OR (revenue = 0 AND planned = 0)) AS converted,
       NULL::bigint AS pax
FROM converted
WHERE {key} IS NOT NULL
GROUP BY {key}, currency
UNION ALL
SELECT {key}, NULL, 0, 0, 0, 0, 0, 0, true, SUM(pax)::bigint
FROM items JOIN s USING (slot_id)
WHERE live
GROUP BY {key}
ORDER BY 1, 2
"""


@dataclass
class Profitability:
    """One departure's or product's P&L: per currency, plus the base rollup."""

    scope: Scope
    id: str
    travellers: int
    currencies: list[Figures] = field(default_factory=list)
    base: BaseRollup | None = None


async def compute(
    session: AsyncSession,
    *,
    scope: Scope,
    ids: list[str],
    base_currency: str,
    product_filter: list[str] | None = None,
) -> dict[str, Profitability]:
    """Profitability for each id (slots or products) in one round of set-based SQL.

    `product_filter` with `scope="slot"` reports every departure of those products.
    """
    key = "slot_id" if scope == "slot" else "product_id"
    slot_ids = ids if scope == "slot" else []
    product_ids = ids if scope == "product" else (product_filter or [])
    params = {"slot_ids": slot_ids, "product_ids": product_ids, "base": base_currency}
    fetched = await session.execute(text(FACTS + GROUPED.format(key=key)), params)
    rows: list[Row[Any]] = []
    pax: dict[str, int] = {}
    for row in fetched:
        if row.currency is None:
            pax[row.key] = row.pax
        else:
            rows.append(row)
    out: dict[str, Profitability] = {
        i: Profitability(scope, i, 0) for i in ids if scope == "product" or not product_filter
    }
    grouped: dict[str, list[tuple[int | None, int | None, int | None, bool]]] = {}
    for row in rows:
        entry = out.setdefault(row.key, Profitability(scope, row.key, 0))
        entry.currencies.append(Figures(row.currency, row.revenue, row.actual, row.planned))
        grouped.setdefault(row.key, []).append(
            (row.revenue_base, row.actual_base, row.planned_base, row.converted)
        )
    for key_id, entry in out.items():
        entry.travellers = int(pax.get(key_id, 0) or 0)
        entry.base = rollup(base_currency, grouped.get(key_id, []))
    return out
