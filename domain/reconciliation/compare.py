"""Reconciliation rules, pure: which issues one local/channel booking pair raises.

The set-based SQL in `domain.reconciliation.sql` implements exactly these rules in one
full outer join; `tests/integration/test_reconciliation_sql.py` holds the two together.

Statuses are normalised on both sides to `confirmed`, `cancelled` or `pending`.
- `missing_booking`: one side has a live (non-cancelled) booking the other lacks.
  `side="channel"`: we have it, the channel does not (e.g. a push lost in an outage);
  `side="local"`: the channel reports a booking we have no link for. A pending local
  booking the channel does not know is not an issue (it was never pushed as a sale).
- `cancel_mismatch`: cancelled on exactly one side (no further checks on that pair).
- `status_mismatch`: both live, statuses differ (confirmed vs pending).
- `amount_mismatch`: both live, currencies differ or |local - channel| beyond tolerance.
- `missing_payout`: both confirmed, the channel collected the money, no payout reported.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

ISSUE_TYPES = (
    "missing_booking",
    "status_mismatch",
    "amount_mismatch",
    "cancel_mismatch",
    "missing_payout",
)
SEVERITIES = ("low", "medium", "high")
RESOLUTIONS = ("open", "ignored", "resolved")
ACTIONS = ("repush", "cancel_locally", "accept")
SIDES = ("local", "channel")
# Issues that move money: settlement raises a remittance exception for each open one.
MONEY_ISSUES = frozenset({"amount_mismatch", "cancel_mismatch", "missing_payout"})
SEVERITY = {
    "missing_booking": "high",
    "cancel_mismatch": "high",
    "missing_payout": "high",
    "amount_mismatch": "medium",
    "status_mismatch": "medium",
}

LOCAL_STATUS = {
    "confirmed": "confirmed",
    "in_progress": "confirmed",
    "completed": "confirmed",
    "cancelled": "cancelled",
    "expired": "cancelled",
}


def local_status(booking_status: str) -> str:
    """A booking status normalised for comparison (held and draft ones are `pending`)."""
    return LOCAL_STATUS.get(booking_status, "pending")


@dataclass(frozen=True, slots=True)
class Policy:
    """What to compare, and the amount tolerance: max(minor units, bps of the local amount)."""

    check_missing: bool = True
    check_status: bool = True
    check_amounts: bool = True
    check_cancellations: bool = True
    check_payouts: bool = True
    tolerance_minor: int = 0
    tolerance_bps: int = 0


@dataclass(frozen=True, slots=True)
class Local:
    """What we know about one channel booking (statuses normalised)."""

    booking_id: str
    status: str
    amount_minor: int
    currency: str
    payment_owner: str = "operator"


@dataclass(frozen=True, slots=True)
class Reported:
    """One line of the channel's report; `booking_ref` is our booking id as echoed back."""

    booking_ref: str
    status: str
    amount_minor: int
    currency: str
    external_booking_id: str | None = None
    payout_minor: int | None = None


@dataclass(frozen=True, slots=True)
class Issue:
    """One finding for one booking."""

    issue_type: str
    booking_ref: str
    side: str | None = None

    @property
    def severity(self) -> str:
        """How urgent the finding is."""
        return SEVERITY[self.issue_type]


def tolerance(policy: Policy, local_amount_minor: int) -> int:
    """The largest difference still accepted (half-up rounding of the bps share)."""
    share = (abs(local_amount_minor) * policy.tolerance_bps + 5000) // 10000
    return max(policy.tolerance_minor, share)


def classify(local: Local | None, reported: Reported | None, policy: Policy) -> list[Issue]:
    """The issues one matched (or unmatched) pair raises."""
    if local is None and reported is None:
        return []
    if local is None:
        assert reported is not None
        if reported.status == "cancelled" or not policy.check_missing:
            return []
        return [Issue("missing_booking", reported.booking_ref, "local")]
    if reported is None:
        if local.status != "confirmed" or not policy.check_missing:
            return []
        return [Issue("missing_booking", local.booking_id, "channel")]
    ref = local.booking_id
    local_cancelled = local.status == "cancelled"
    if local_cancelled != (reported.status == "cancelled"):
        return [Issue("cancel_mismatch", ref)] if policy.check_cancellations else []
    if local_cancelled:
        return []
    found: list[Issue] = []
    if policy.check_status and local.status != reported.status:
        found.append(Issue("status_mismatch", ref))
    if policy.check_amounts and (
        local.currency != reported.currency
        or abs(local.amount_minor - reported.amount_minor) > tolerance(policy, local.amount_minor)
    ):
        found.append(Issue("amount_mismatch", ref))
    if (
        policy.check_payouts
        and local.status == "confirmed"
        and reported.status == "confirmed"
        and local.payment_owner == "channel"
        and reported.payout_minor is None
    ):
        found.append(Issue("missing_payout", ref))
    return found


def compare(locals_: Iterable[Local], reported: Iterable[Reported], policy: Policy) -> list[Issue]:
    """Full outer join of both sides by booking id, then `classify` each pair."""
    ours = {row.booking_id: row for row in locals_}
    theirs = {row.booking_ref: row for row in reported}
    issues: list[Issue] = []
    for ref in sorted(ours.keys() | theirs.keys()):
        issues.extend(classify(ours.get(ref), theirs.get(ref), policy))
    return issues
