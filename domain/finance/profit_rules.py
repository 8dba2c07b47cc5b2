"""Profitability arithmetic (pure): profit, variance, rollups and per-traveller splits.

- profit = revenue - actual cost; variance = planned cost - actual cost (positive:
  cheaper than planned). Both per currency; amounts of different currencies are never
  added. The base-currency rollup adds the base-converted amounts, and says whether
  every currency could be converted (`complete`); an incomplete rollup has no figures.
- Per-traveller cost splits a departure's actual cost over its travellers so the parts
  add up exactly: the first `total mod n` travellers carry one more minor unit.
"""

from __future__ import annotations

from dataclasses import dataclass

from domain.errors import BadRequest


@dataclass(frozen=True, slots=True)
class Figures:
    """One currency's (or the base rollup's) figures, integer minor units."""

    currency: str
    revenue_minor: int
    actual_cost_minor: int
    planned_cost_minor: int

    @property
    def profit_minor(self) -> int:
        return self.revenue_minor - self.actual_cost_minor

    @property
    def variance_minor(self) -> int:
        return self.planned_cost_minor - self.actual_cost_minor


@dataclass(frozen=True, slots=True)
class BaseRollup:
    """The base-currency totals; figures are None unless every currency converted."""

    currency: str
    complete: bool
    figures: Figures | None


def rollup(
    base_currency: str, rows: list[tuple[int | None, int | None, int | None, bool]]
) -> BaseRollup:
    """Add base-converted (revenue, actual, planned, converted) rows into one rollup."""
    complete = all(ok for *_, ok in rows)
    if not complete:
        return BaseRollup(base_currency, False, None)
    revenue = sum(r[0] or 0 for r in rows)
    actual = sum(r[1] or 0 for r in rows)
    planned = sum(r[2] or 0 for r in rows)
    return BaseRollup(base_currency, True, Figures(base_currency, revenue, actual, planned))


def split_evenly(total_minor: int, parts: int) -> list[int]:
    """`total_minor` in `parts` amounts that differ by at most one and add up exactly."""
    if parts <= 0:
        raise BadRequest("no_travellers", "a cost can only be split over one or more travellers")
    base, rest = divmod(abs(total_minor), parts)
    sign = -1 if total_minor < 0 else 1
    return [sign * (base + (1 if n < rest else 0)) for n in range(parts)]
