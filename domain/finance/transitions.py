"""The invoice status machine and the settlement rule, pure: no database, HTTP or Temporal.

draft                        -> issued | pending_external_allocation | void
pending_external_allocation  -> issued | void
issued                       -> partially_paid | paid | overdue | void
partially_paid               -> paid | overdue | issued            (issued: all refunded)
overdue                      -> partially_paid | paid | void
paid                         -> partially_paid | issued            (refunds)
void: terminal

A paid (or partially paid) invoice is never voided: the customer paid, so the reversal is a
credit note. Void is the reversal of an invoice nothing was paid on.
"""

from __future__ import annotations

from collections.abc import Mapping

from domain.errors import Conflict

STATUSES = (
    "draft",
    "pending_external_allocation",
    "issued",
    "partially_paid",
    "paid",
    "overdue",
    "void",
)
ALLOWED: Mapping[str, frozenset[str]] = {
    "draft": frozenset({"issued", "pending_external_allocation", "void"}),
    "pending_external_allocation": frozenset({"issued", "void"}),
    "issued": frozenset({"partially_paid", "paid", "overdue", "void"}),
    "partially_paid": frozenset({"paid", "overdue", "issued"}),
    "overdue": frozenset({"partially_paid", "paid", "void"}),
    "paid": frozenset({"partially_paid", "issued"}),
    "void": frozenset(),
}
TERMINAL = frozenset(s for s, nxt in ALLOWED.items() if not nxt)
# Statuses in which money moves against the invoice (payments, refunds, credit notes).
SETTLING = frozenset({"issued", "partially_paid", "paid", "overdue"})
# Statuses the overdue sweep looks at: something is still owed.
OVERDUE_CANDIDATES = frozenset({"issued", "partially_paid"})


def can_transition(current: str, to: str) -> bool:
    """True when an invoice in `current` may move to `to`."""
    return to in ALLOWED.get(current, frozenset())


def transition(current: str, to: str) -> str:
    """Return `to` if the move is allowed, else raise 409 `invalid_transition`."""
    if not can_transition(current, to):
        raise Conflict(
            "invalid_transition",
            f"an invoice cannot go from '{current}' to '{to}'",
            **{"from": current, "to": to, "allowed": sorted(ALLOWED.get(current, ()))},
        )
    return to


def outstanding(*, total_minor: int, credited_minor: int, paid_minor: int) -> int:
    """What the payer still owes (negative when the operator owes money back)."""
    return total_minor - credited_minor - paid_minor


def settled_status(*, total_minor: int, credited_minor: int, paid_minor: int, overdue: bool) -> str:
    """The status of an issued invoice after money moved.

    `paid` means nothing is outstanding (payments and credit notes cover the total);
    `overdue` sticks until that is true, because only the sweep decides lateness.
    """
    owed = outstanding(
        total_minor=total_minor, credited_minor=credited_minor, paid_minor=paid_minor
    )
    if owed <= 0:
        return "paid"
    if overdue:
        return "overdue"
    return "partially_paid" if paid_minor > 0 else "issued"


def next_status(current: str, target: str) -> str:
    """`target` when it differs from `current` and the move is legal; `current` when equal."""
    return current if current == target else transition(current, target)


def check_voidable(status: str, *, paid_minor: int, credited_minor: int) -> None:
    """Raise unless the invoice may be voided: nothing paid, nothing credited, not void."""
    if paid_minor > 0 or status in ("paid", "partially_paid"):
        raise Conflict(
            "invoice_has_payments",
            "a paid invoice is never voided; issue a credit note instead",
            status=status,
            paid_minor=paid_minor,
        )
    if credited_minor > 0:
        raise Conflict(
            "invoice_has_credit_notes",
            "an invoice with credit notes cannot be voided",
            credited_minor=credited_minor,
        )
    transition(status, "void")
