"""The commission engine: which rule applies to a booking, and what the channel earns.

Pure: no database, HTTP or Temporal. Precedence, documented and tested:

1. Only rules valid on the booking's date apply (`valid_from` / `valid_to` inclusive,
   NULL = open-ended), and only if their scope matches the booking: `booking` scope
   matches every booking of the channel; `product`, `rate` and `category` match when
   `scope_ref` equals the booking's product id, rate (option) id, or one of its
   categories. Fixed rules in another currency than the booking never apply.
2. The most specific scope wins: rate > product > category > booking.
3. Ties go to the latest `valid_from` (NULL counts as the earliest); a remaining tie goes
   to the greatest rule id (TypeIDs sort by creation time, so the newest rule).
4. No rule: the contract's `commission_bps`, when given, else nothing (0).

Percentage: round half up of gross x bps / 10000. Fixed: the rule's amount, capped at
the gross (a channel never earns more than the booking is worth).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from typing import Protocol

SCOPE_RANK = {"rate": 4, "product": 3, "category": 2, "booking": 1}


class RuleLike(Protocol):
    """What the engine reads from a rule (ORM rows and `Rule` both qualify)."""

    @property
    def id(self) -> str: ...
    @property
    def scope(self) -> str: ...
    @property
    def scope_ref(self) -> str | None: ...
    @property
    def kind(self) -> str: ...
    @property
    def amount_minor(self) -> int | None: ...
    @property
    def currency(self) -> str | None: ...
    @property
    def bps(self) -> int | None: ...
    @property
    def valid_from(self) -> date | None: ...
    @property
    def valid_to(self) -> date | None: ...


@dataclass(frozen=True)
class Rule:
    """A plain rule, for callers without ORM rows."""

    id: str
    scope: str
    kind: str
    scope_ref: str | None = None
    amount_minor: int | None = None
    currency: str | None = None
    bps: int | None = None
    valid_from: date | None = None
    valid_to: date | None = None


@dataclass(frozen=True)
class BookingContext:
    """What the rules are matched against. `gross_minor` is in `currency`."""

    gross_minor: int
    currency: str
    on_date: date
    product_id: str | None = None
    rate_id: str | None = None
    categories: tuple[str, ...] = ()
    fallback_bps: int | None = None


@dataclass(frozen=True)
class CommissionResult:
    """The amount, the winning rule (None for a fallback or nothing) and why."""

    amount_minor: int
    currency: str
    rule_id: str | None
    explanation: str
    considered: tuple[str, ...] = field(default=())


def is_valid_on(rule: RuleLike, day: date) -> bool:
    return (rule.valid_from is None or rule.valid_from <= day) and (
        rule.valid_to is None or day <= rule.valid_to
    )


def matches_scope(rule: RuleLike, ctx: BookingContext) -> bool:
    if rule.scope == "booking":
        return True
    if rule.scope == "product":
        return rule.scope_ref is not None and rule.scope_ref == ctx.product_id
    if rule.scope == "rate":
        return rule.scope_ref is not None and rule.scope_ref == ctx.rate_id
    if rule.scope == "category":
        return rule.scope_ref is not None and rule.scope_ref in ctx.categories
    return False


def precedence(rule: RuleLike) -> tuple[int, date, str]:
    """Sort key: scope rank, then latest valid_from, then newest id."""
    return (SCOPE_RANK[rule.scope], rule.valid_from or date.min, rule.id)


def percentage_of(gross_minor: int, bps: int) -> int:
    """gross x bps / 10000, rounded half up (gross and bps non-negative)."""
    return (gross_minor * bps + 5_000) // 10_000


def amount_for(rule: RuleLike, ctx: BookingContext) -> int:
    if rule.kind == "percentage":
        assert rule.bps is not None
        return percentage_of(ctx.gross_minor, rule.bps)
    assert rule.amount_minor is not None
    return min(rule.amount_minor, ctx.gross_minor)


def describe(rule: RuleLike) -> str:
    ref = f" {rule.scope_ref}" if rule.scope_ref else ""
    terms = (
        f"{rule.bps} bps" if rule.kind == "percentage" else f"{rule.amount_minor} {rule.currency}"
    )
    window = f"{rule.valid_from or 'open'}..{rule.valid_to or 'open'}"
    return f"rule {rule.id} ({rule.scope}{ref}, {rule.kind} {terms}, valid {window})"


def compute_commission(rules: Iterable[RuleLike], ctx: BookingContext) -> CommissionResult:
    """Pick the applicable rule by the module's precedence and compute the commission."""
    if ctx.gross_minor < 0:
        raise ValueError("gross_minor must be 0 or more")
    all_rules = list(rules)
    skipped: list[str] = []
    candidates: list[RuleLike] = []
    for rule in all_rules:
        if not is_valid_on(rule, ctx.on_date):
            skipped.append(f"{rule.id}: not valid on {ctx.on_date}")
        elif not matches_scope(rule, ctx):
            skipped.append(f"{rule.id}: {rule.scope} {rule.scope_ref} does not match")
        elif rule.kind == "fixed" and rule.currency != ctx.currency:
            skipped.append(f"{rule.id}: fixed in {rule.currency}, booking in {ctx.currency}")
        else:
            candidates.append(rule)
    considered = tuple(r.id for r in all_rules)
    if not candidates:
        if ctx.fallback_bps is not None:
            amount = percentage_of(ctx.gross_minor, ctx.fallback_bps)
            why = f"no rule applies; the contract's {ctx.fallback_bps} bps"
        else:
            amount, why = 0, "no rule applies and the contract has no commission"
        if skipped:
            why += " (skipped: " + "; ".join(skipped) + ")"
        return CommissionResult(amount, ctx.currency, None, why, considered)
    ranked = sorted(candidates, key=precedence, reverse=True)
    winner = ranked[0]
    amount = amount_for(winner, ctx)
    reason = "most specific scope (rate > product > category > booking)"
    if len(ranked) > 1 and SCOPE_RANK[ranked[1].scope] == SCOPE_RANK[winner.scope]:
        reason += ", then latest valid_from"
    why = f"{describe(winner)} wins: {reason}; {len(ranked) - 1} other applicable rule(s)"
    if winner.kind == "fixed" and (winner.amount_minor or 0) > ctx.gross_minor:
        why += f"; capped at the gross {ctx.gross_minor}"
    if skipped:
        why += "; skipped: " + "; ".join(skipped)
    return CommissionResult(amount, ctx.currency, winner.id, why, considered)
