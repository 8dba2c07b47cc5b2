"""Quote rules, pure: version transitions and the recheck of a frozen line against live facts."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from domain.errors import Conflict

VERSION_MOVES = {
    "draft": frozenset({"sent"}),
    "sent": frozenset({"accepted", "superseded"}),
    "accepted": frozenset(),
    "superseded": frozenset(),
}


def move_version(current: str, to: str) -> str:
    """Return `to` if a version may go there from `current`, else 409 `invalid_transition`."""
    if to not in VERSION_MOVES.get(current, frozenset()):
        raise Conflict(
            "invalid_transition",
            f"a quote version cannot go from '{current}' to '{to}'",
            **{"from": current, "to": to},
        )
    return to


@dataclass(frozen=True, slots=True)
class FrozenLine:
    """What the client accepted for one catalog line (amounts per unit)."""

    line_id: str
    position: int
    option_id: str
    pax: int
    sell_amount_minor: int
    sell_currency: str
    cost_amount_minor: int
    cost_currency: str


@dataclass(frozen=True, slots=True)
class LiveFacts:
    """The line's product, slot and unit as they are now. None means missing: a missing
    price makes the line unavailable; a missing cost (the unit keeps none) is not compared."""

    product_status: str | None
    slot_option_id: str | None
    slot_status: str | None
    slot_starts_at: datetime | None
    slot_remaining: int | None  # None with a slot = unlimited
    price_minor: int | None = None
    price_currency: str | None = None
    cost_minor: int | None = None
    cost_currency: str | None = None


@dataclass(frozen=True, slots=True)
class RecheckProblem:
    """Why a line can no longer be reserved as quoted: `quote_unavailable` or `price_changed`."""

    code: str
    line_id: str
    reason: str
    message: str


def recheck_line(line: FrozenLine, live: LiveFacts, now: datetime) -> RecheckProblem | None:
    """Is the line still sellable at the quoted price and cost? The first problem, or None."""

    def unavailable(reason: str, why: str) -> RecheckProblem:
        return RecheckProblem(
            "quote_unavailable", line.line_id, reason, f"line {line.position} {why}"
        )

    if live.product_status != "active":
        return unavailable("product_not_sellable", "is for a product that is not on sale")
    if live.slot_status is None or live.slot_option_id != line.option_id:
        return unavailable("slot_missing", "names a departure that no longer exists")
    if live.slot_status != "open":
        return unavailable(f"slot_{live.slot_status}", f"departure is {live.slot_status}")
    if live.slot_starts_at is not None and live.slot_starts_at <= now:
        return unavailable("slot_departed", "departure has already started")
    if live.slot_remaining is not None and live.slot_remaining < line.pax:
        return unavailable(
            "insufficient_capacity",
            f"needs {line.pax} seats, {live.slot_remaining} left",
        )
    if live.price_minor is None:  # no unit, or a unit without a price: nothing to recheck
        return unavailable("price_missing", "has no live price to recheck")
    if live.price_minor != line.sell_amount_minor or live.price_currency != line.sell_currency:
        return RecheckProblem(
            "price_changed",
            line.line_id,
            "sell_price",
            f"line {line.position} was quoted at {line.sell_amount_minor} {line.sell_currency},"
            f" the price is now {live.price_minor} {live.price_currency}",
        )
    if live.cost_minor is not None and (
        live.cost_minor != line.cost_amount_minor or live.cost_currency != line.cost_currency
    ):
        return RecheckProblem(
            "price_changed",
            line.line_id,
            "cost",
            f"line {line.position} was costed at {line.cost_amount_minor} {line.cost_currency},"
            f" the cost is now {live.cost_minor} {live.cost_currency}",
        )
    return None
