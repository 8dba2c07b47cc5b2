"""Settlement maths, pure: items, totals, direction, minimum payout, remittance due date.

Per channel booking: gross (what the booking sold for), commission (from the commission
engine), net = gross - commission. Who owes whom follows the payment owner:
- `channel` (the channel collected the guest's money): the channel owes us the net;
- `operator` (we collected): we owe the channel its commission;
- `split`: treated as `channel` (the channel remits what it holds net of its commission).
The run's balance is positive when the channel owes us (we invoice it), negative when we
owe the channel (we pay it as a supplier).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta

from domain.errors import Conflict

PAYMENT_OWNERS = ("operator", "channel", "split")
STATUSES = (
    "computing",
    "awaiting_approval",
    "approved",
    "rejected",
    "posted",
    "below_minimum",
    "failed",
)


@dataclass(frozen=True, slots=True)
class Item:
    """One channel booking's settlement line."""

    booking_id: str
    gross_minor: int
    commission_minor: int
    net_minor: int
    payment_owner: str

    @property
    def balance_minor(self) -> int:
        """Signed: + the channel owes us the net, - we owe the channel its commission."""
        if self.payment_owner == "operator":
            return -self.commission_minor
        return self.net_minor


def item(*, booking_id: str, gross_minor: int, commission_minor: int, payment_owner: str) -> Item:
    """An item with net = gross - commission, checked."""
    if payment_owner not in PAYMENT_OWNERS:
        raise Conflict("invalid_payment_owner", f"payment owner {payment_owner!r} is unknown")
    if commission_minor < 0 or commission_minor > gross_minor:
        raise Conflict(
            "commission_out_of_range",
            f"commission {commission_minor} is not within 0..{gross_minor} for {booking_id}",
            booking_id=booking_id,
        )
    made = Item(
        booking_id, gross_minor, commission_minor, gross_minor - commission_minor, payment_owner
    )
    check_item(made)
    return made


def reversal(it: Item) -> Item:
    """The item negated: undoes an earlier settlement of a booking cancelled since."""
    return Item(
        it.booking_id, -it.gross_minor, -it.commission_minor, -it.net_minor, it.payment_owner
    )


def check_item(it: Item) -> None:
    """Raise unless gross = commission + net."""
    if it.gross_minor != it.commission_minor + it.net_minor:
        raise Conflict(
            "settlement_unbalanced",
            f"gross {it.gross_minor} != commission {it.commission_minor} + net {it.net_minor}",
            booking_id=it.booking_id,
        )


@dataclass(frozen=True, slots=True)
class Totals:
    """Sums over a run's items; `balance_minor` > 0: the channel owes us."""

    gross_minor: int
    commission_minor: int
    net_minor: int
    balance_minor: int
    count: int


def totals(items: Iterable[Item]) -> Totals:
    """Sum the items, checking every one and the sums (gross = commission + net)."""
    g = c = n = b = count = 0
    for it in items:
        check_item(it)
        g, c, n, b, count = (
            g + it.gross_minor,
            c + it.commission_minor,
            n + it.net_minor,
            b + it.balance_minor,
            count + 1,
        )
    result = Totals(g, c, n, b, count)
    if result.gross_minor != result.commission_minor + result.net_minor:
        raise Conflict("settlement_unbalanced", "sum gross != sum commission + sum net")
    return result


def direction(balance_minor: int) -> str:
    """`channel_pays` (we invoice the channel), `operator_pays` (we pay it) or `none`."""
    if balance_minor > 0:
        return "channel_pays"
    if balance_minor < 0:
        return "operator_pays"
    return "none"


def meets_minimum(balance_minor: int, minimum_payout_minor: int) -> bool:
    """True when the amount to move reaches the policy's minimum payout (and is not zero)."""
    return balance_minor != 0 and abs(balance_minor) >= minimum_payout_minor


def due_date(period_end: date, remittance_days: int) -> date:
    """Remittance is due `remittance_days` after the period ends."""
    return period_end + timedelta(days=remittance_days)
