"""Collection rules, pure: schedule drafts, the collection plan, what a payment covers."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from domain.errors import BadRequest
from domain.finance.collection_models import LINE_KINDS

SECURING_KINDS = frozenset({"deposit", "hold"})


@dataclass(frozen=True, slots=True)
class LineDraft:
    """A schedule line before it is stored."""

    kind: str
    amount_minor: int
    due_date: date


@dataclass(frozen=True, slots=True)
class LineView:
    """A stored schedule line as the rules see it."""

    id: str
    position: int
    kind: str
    amount_minor: int
    due_date: date
    status: str


@dataclass(frozen=True, slots=True)
class PlanEntry:
    """One line of the plan; `state` is paid, cancelled, overdue, due_now or upcoming."""

    line_id: str
    kind: str
    amount_minor: int
    due_date: date
    status: str
    state: str


@dataclass(frozen=True, slots=True)
class CollectionPlan:
    """What will be collected and when, as of a day."""

    as_of: date
    entries: list[PlanEntry]
    scheduled_minor: int
    paid_minor: int
    outstanding_minor: int
    due_now_minor: int
    unscheduled_minor: int
    next_due_date: date | None


def validate_drafts(drafts: Sequence[LineDraft], *, booking_total_minor: int) -> None:
    """Kinds known, amounts positive, at most one deposit and one balance, not over the total."""
    if not drafts:
        raise BadRequest("empty_schedule", "a payment schedule has at least one line")
    for draft in drafts:
        if draft.kind not in LINE_KINDS:
            raise BadRequest("invalid_line_kind", f"kind must be one of {LINE_KINDS}")
        if draft.amount_minor <= 0:
            raise BadRequest("invalid_amount", "a schedule line amount is positive")
    for kind in ("deposit", "balance"):
        if sum(1 for d in drafts if d.kind == kind) > 1:
            raise BadRequest("duplicate_line_kind", f"a schedule has at most one {kind} line")
    total = sum(d.amount_minor for d in drafts if d.kind != "hold")
    if total > booking_total_minor:
        raise BadRequest(
            "schedule_exceeds_total",
            f"the lines add up to {total}, the booking totals {booking_total_minor}",
            scheduled_minor=total,
            booking_total_minor=booking_total_minor,
        )


def deposit_and_balance(
    total_minor: int, *, deposit_percent: int, deposit_due: date, balance_due: date
) -> list[LineDraft]:
    """A deposit of `deposit_percent` % (rounded down) and the balance, or one balance line."""
    if not 0 <= deposit_percent <= 100:
        raise BadRequest("invalid_deposit_percent", "deposit_percent is between 0 and 100")
    if balance_due < deposit_due:
        raise BadRequest("invalid_due_dates", "the balance is due on or after the deposit")
    deposit = total_minor * deposit_percent // 100
    drafts = [LineDraft("deposit", deposit, deposit_due)] if deposit else []
    if total_minor - deposit:
        drafts.append(LineDraft("balance", total_minor - deposit, balance_due))
    return drafts


def _state(line: LineView, as_of: date) -> str:
    if line.status != "due":
        return line.status
    if line.due_date < as_of:
        return "overdue"
    return "due_now" if line.due_date == as_of else "upcoming"


def collection_plan(
    lines: Sequence[LineView], *, booking_total_minor: int, as_of: date
) -> CollectionPlan:
    """The plan in due order, with totals (holds are secured, not collected: not scheduled)."""
    ordered = sorted(lines, key=lambda x: (x.due_date, x.position))
    entries = [
        PlanEntry(x.id, x.kind, x.amount_minor, x.due_date, x.status, _state(x, as_of))
        for x in ordered
    ]
    live = [x for x in ordered if x.status != "cancelled" and x.kind != "hold"]
    scheduled = sum(x.amount_minor for x in live)
    paid = sum(x.amount_minor for x in live if x.status == "paid")
    due = [x for x in live if x.status == "due"]
    return CollectionPlan(
        as_of=as_of,
        entries=entries,
        scheduled_minor=scheduled,
        paid_minor=paid,
        outstanding_minor=scheduled - paid,
        due_now_minor=sum(x.amount_minor for x in due if x.due_date <= as_of),
        unscheduled_minor=booking_total_minor - scheduled,
        next_due_date=min((x.due_date for x in due), default=None),
    )


def lines_to_collect(lines: Sequence[LineView], *, as_of: date) -> list[LineView]:
    """What a booking-level session collects: every line due by `as_of`, else the next one."""
    due = sorted((x for x in lines if x.status == "due"), key=lambda x: (x.due_date, x.position))
    now = [x for x in due if x.due_date <= as_of]
    return now or due[:1]


def secures_booking(lines: Sequence[LineView]) -> bool:
    """A held booking is secured once no deposit or hold line is still due and one is paid."""
    live = [x for x in lines if x.status != "cancelled"]
    if not any(x.status == "paid" for x in live):
        return False
    return not any(x.status == "due" and x.kind in SECURING_KINDS for x in live)
