"""The reserve workflow's steps, each idempotent and keyed by plan line (version + line)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from domain.availability.holds import place_hold, release_hold
from domain.availability.models import AvailabilitySlot
from domain.bookings import supplier_rules
from domain.catalog.models import OptionUnit, Product
from domain.errors import DomainError
from domain.outbox.record import record_event
from domain.quotes import rules as quote_rules
from domain.quotes.models import QuoteVersion, QuoteVersionLine
from domain.reservations import rules
from domain.reservations.models import ReservationPlan
from domain.reservations.service import lock_line, plan_lines


@dataclass(frozen=True, slots=True)
class StepFailure:
    """Why a step could not secure its line."""

    code: str
    reason: str
    message: str


async def _live_facts(session: AsyncSession, line: QuoteVersionLine) -> quote_rules.LiveFacts:
    product = await session.get(Product, line.product_id) if line.product_id else None
    slot = await session.get(AvailabilitySlot, line.slot_id) if line.slot_id else None
    unit = await session.get(OptionUnit, line.unit_id) if line.unit_id else None
    return quote_rules.LiveFacts(
        product_status=product.status if product else None,
        slot_option_id=slot.option_id if slot else None,
        slot_status=slot.status if slot else None,
        slot_starts_at=slot.starts_at if slot else None,
        slot_remaining=slot.capacity_remaining if slot else None,
        price_minor=unit.price_minor if unit else None,
        price_currency=unit.currency if unit else None,
        cost_minor=unit.cost_minor if unit else None,
        cost_currency=unit.cost_currency if unit else None,
    )


async def recheck(session: AsyncSession, *, plan_id: str) -> quote_rules.RecheckProblem | None:
    """Recheck every catalog line of the plan against live facts; the first problem, if any.

    Reads only: nothing is held or changed, so a failed recheck leaves no trace but the plan.
    """
    plan = await session.get_one(ReservationPlan, plan_id)
    now = datetime.now(UTC)
    for pline in await plan_lines(session, plan.id):
        if pline.kind != "catalog":
            continue
        line = await session.get_one(QuoteVersionLine, pline.version_line_id)
        frozen = quote_rules.FrozenLine(
            line_id=pline.id,
            position=line.position,
            option_id=line.option_id or "",
            pax=line.pax,
            sell_amount_minor=line.sell_amount_minor,
            sell_currency=line.sell_currency,
            cost_amount_minor=line.cost_amount_minor,
            cost_currency=line.cost_currency,
        )
        problem = quote_rules.recheck_line(frozen, await _live_facts(session, line), now)
        if problem is not None:
            return problem
    if plan.status == "pending":
        plan.status = "reserving"
        await session.flush()
    return None


async def hold_ttl_for(session: AsyncSession, *, plan_id: str) -> timedelta:
    """How long the plan's seats stay held: every supplier wait of the plan plus a margin."""
    plan = await session.get_one(ReservationPlan, plan_id)
    version = await session.get_one(QuoteVersion, plan.quote_version_id)
    lines = (
        await session.scalars(
            select(QuoteVersionLine).where(
                QuoteVersionLine.version_id == version.id, QuoteVersionLine.kind == "manual"
            )
        )
    ).all()
    return rules.hold_ttl(
        [
            rules.supplier_deadline(ln.supplier_deadline_seconds, version.supplier_deadline_seconds)
            for ln in lines
        ]
    )


async def hold_line(
    session: AsyncSession, *, line_id: str, ttl: timedelta, task_queue: str
) -> StepFailure | None:
    """Hold the line's seats under its deterministic token; a retry re-finds the same hold."""
    pline = await lock_line(session, line_id)
    if pline.status == "held":
        return None
    if pline.status != "pending":  # closed by a cancellation that got here first
        return StepFailure(
            "reserve_cancelled", pline.status, f"line {pline.position} is {pline.status}"
        )
    line = await session.get_one(QuoteVersionLine, pline.version_line_id)
    assert pline.hold_token is not None and line.slot_id is not None
    try:
        async with session.begin_nested():
            outcome = await place_hold(
                session,
                token=pline.hold_token,
                slot_id=line.slot_id,
                pax=line.pax,
                ttl=ttl,
                task_queue=task_queue,
            )
    except DomainError as exc:  # sold out, closed, gone: the line cannot be held
        return StepFailure(
            "quote_unavailable",
            exc.code,
            f"line {line.position} could not be held: {exc.message}",
        )
    pline.status, pline.hold_id = "held", outcome.hold.id
    await session.flush()
    return None


async def request_supplier(
    session: AsyncSession, *, line_id: str, as_of: datetime
) -> datetime | StepFailure:
    """Move a manual line into supplier confirmation; returns its (stable) respond-by time."""
    pline = await lock_line(session, line_id)
    if pline.respond_by is not None:
        return pline.respond_by
    if pline.status != "pending":  # closed by a cancellation that got here first
        return StepFailure(
            "reserve_cancelled", pline.status, f"line {pline.position} is {pline.status}"
        )
    line = await session.get_one(QuoteVersionLine, pline.version_line_id)
    version = await session.get_one(QuoteVersion, line.version_id)
    deadline = rules.supplier_deadline(
        line.supplier_deadline_seconds, version.supplier_deadline_seconds
    )
    pline.supplier_status, pline.status = "requested", "supplier_requested"
    pline.respond_by = as_of + deadline
    record_event(
        session,
        aggregate_type="reservation_plan",
        aggregate_id=pline.plan_id,
        event_type="reservation_plan.supplier_requested",
        payload={
            "plan_id": pline.plan_id,
            "line_id": pline.id,
            "supplier_ref": line.supplier_ref,
            "service_name": line.service_name,
            "respond_by": pline.respond_by.isoformat(),
        },
    )
    await session.flush()
    return pline.respond_by


async def settle_supplier(
    session: AsyncSession, *, line_id: str, as_of: datetime
) -> tuple[str, StepFailure | None]:
    """Read the supplier's answer (the database is the truth); call it off when overdue.

    Returns the outcome (`confirmed`, `declined`, `timed_out` or `waiting`) and, for the
    two bad ones, the failure naming the line.
    """
    pline = await lock_line(session, line_id)
    outcome = rules.supplier_outcome(pline.supplier_status or "", pline.respond_by, as_of)
    failure = None
    if outcome == "confirmed":
        pline.status = "supplier_confirmed"
    elif outcome == "declined":
        why = f": {pline.detail}" if pline.detail else ""
        failure = StepFailure(
            "supplier_declined", "declined", f"the supplier declined line {pline.position}{why}"
        )
    elif outcome == "timed_out":
        if pline.supplier_status == "requested":
            pline.supplier_status = supplier_rules.transition("requested", "cancelled")
        failure = StepFailure(
            "supplier_timeout",
            "no_answer",
            f"the supplier did not answer line {pline.position} by {pline.respond_by}",
        )
    if failure is not None and pline.status in ("pending", "supplier_requested"):
        pline.status, pline.failure_code, pline.detail = "failed", failure.code, failure.message
    await session.flush()
    return outcome, failure


async def release_line(session: AsyncSession, *, line_id: str, close_pending: bool = False) -> str:
    """Undo one completed line; returns its final status. Safe to run again.

    `close_pending` (cancellation): a line still pending is closed as `skipped`, under the
    same row lock its hold or supplier request takes, so a step still in flight finds it
    closed and places nothing (or, if it got there first, its hold is released here).
    """
    pline = await lock_line(session, line_id)
    if close_pending and pline.status == "pending":
        pline.status = "skipped"
        await session.flush()
        return pline.status
    action = rules.compensation(pline.kind, pline.status)
    if action == "release":
        assert pline.hold_token is not None
        await release_hold(session, token=pline.hold_token)
        pline.status = "released"
    elif action == "call_off":
        pline.supplier_status = supplier_rules.transition(pline.supplier_status or "", "cancelled")
        pline.status = "released"
    elif action == "not_configured":
        pline.status = "release_not_configured"
        pline.detail = "the supplier confirmed; cancel it with the supplier directly"
    await session.flush()
    return pline.status


async def alert_release_stuck(
    session: AsyncSession, *, line_id: str, error: str, attempts: int
) -> str:
    """Raise the `release_failed` alert for a release that keeps failing but is still being
    retried (`definitive: false`): the line keeps its status until a retry succeeds."""
    pline = await lock_line(session, line_id)
    pline.detail = f"release still retrying after {attempts} attempts: {error}"[:2000]
    record_event(
        session,
        aggregate_type="reservation_plan",
        aggregate_id=pline.plan_id,
        event_type="reservation_plan.release_failed",
        payload={
            "plan_id": pline.plan_id,
            "line_id": pline.id,
            "hold_token": pline.hold_token,
            "error": error[:500],
            "attempts": attempts,
            "definitive": False,
            "alert": True,
        },
    )
    await session.flush()
    return pline.status


async def mark_release_failed(session: AsyncSession, *, line_id: str, error: str) -> str:
    """Record a compensation that failed for good (a non-retryable error), and raise the
    alert event for an operator (`definitive: true`)."""
    pline = await lock_line(session, line_id)
    if pline.status in ("released", "release_not_configured", "release_failed"):
        return pline.status
    pline.status, pline.detail = "release_failed", error[:2000]
    record_event(
        session,
        aggregate_type="reservation_plan",
        aggregate_id=pline.plan_id,
        event_type="reservation_plan.release_failed",
        payload={
            "plan_id": pline.plan_id,
            "line_id": pline.id,
            "hold_token": pline.hold_token,
            "error": error[:500],
            "definitive": True,
            "alert": True,
        },
    )
    await session.flush()
    return pline.status
