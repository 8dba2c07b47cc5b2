"""Reservation plans: written at acceptance, read by the API, answered by suppliers, failed."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from domain.bookings import supplier_rules
from domain.errors import BadRequest, Conflict, NotFound
from domain.intents.service import IntentSpec, write_intent
from domain.outbox.record import record_event
from domain.quotes.models import QuoteVersion, QuoteVersionLine
from domain.reservations import rules
from domain.reservations.models import ReservationPlan, ReservationPlanLine

SUPPLIER_SIGNAL = "supplier_answered"


async def create_plan(
    session: AsyncSession,
    *,
    version: QuoteVersion,
    lines: list[QuoteVersionLine],
    workflow_id: str,
) -> ReservationPlan:
    """A pending plan with one pending line per version line (holds keyed by version+line)."""
    plan = ReservationPlan(quote_version_id=version.id, workflow_id=workflow_id, status="pending")
    session.add(plan)
    await session.flush()
    session.add_all(
        ReservationPlanLine(
            plan_id=plan.id,
            version_line_id=line.id,
            position=line.position,
            kind=line.kind,
            status="pending",
            hold_token=rules.hold_token(version.id, line.id) if line.kind == "catalog" else None,
        )
        for line in lines
    )
    await session.flush()
    return plan


async def plan_for_version(session: AsyncSession, version_id: str) -> ReservationPlan:
    """The version's plan; 404 `reservation_plan_not_found` until the version is accepted."""
    plan = await session.scalar(
        select(ReservationPlan)
        .where(ReservationPlan.quote_version_id == version_id)
        .execution_options(populate_existing=True)
    )
    if plan is None:
        raise NotFound(
            "reservation_plan_not_found", f"quote version {version_id} has no reservation plan"
        )
    return plan


async def plan_lines(session: AsyncSession, plan_id: str) -> list[ReservationPlanLine]:
    """The plan's lines in position order."""
    stmt = (
        select(ReservationPlanLine)
        .where(ReservationPlanLine.plan_id == plan_id)
        .order_by(ReservationPlanLine.position)
        .execution_options(populate_existing=True)
    )
    return list((await session.scalars(stmt)).all())


async def lock_line(
    session: AsyncSession, line_id: str, *, plan_id: str | None = None
) -> ReservationPlanLine:
    """A plan line locked FOR UPDATE; 404 `reservation_line_not_found`."""
    stmt = select(ReservationPlanLine).where(ReservationPlanLine.id == line_id)
    if plan_id is not None:
        stmt = stmt.where(ReservationPlanLine.plan_id == plan_id)
    line = await session.scalar(stmt.with_for_update().execution_options(populate_existing=True))
    if line is None:
        raise NotFound("reservation_line_not_found", f"no reservation plan line {line_id}")
    return line


async def answer_supplier(
    session: AsyncSession,
    *,
    plan_id: str,
    line_id: str,
    to: str,
    confirmation_ref: str | None,
    actor_id: str | None,
    source: str,
    task_queue: str,
    reason: str | None = None,
) -> ReservationPlanLine:
    """Record a supplier's confirm or decline of a manual line and wake the workflow.

    Staff and supplier webhooks both land here. The line lock plus the supplier status
    rules make a racing confirm and decline end with exactly one winner (the other 409s).
    The same answer again (a decline, or a confirm with the same confirmation_ref) is a
    replay, e.g. a webhook retry: it returns the line and records and signals nothing.
    """
    if to not in supplier_rules.RESPONSES:
        raise BadRequest("invalid_answer", "a supplier answer is confirmed or declined")
    if to == "confirmed" and not (confirmation_ref or "").strip():
        raise BadRequest("confirmation_ref_required", "a confirmation needs a confirmation_ref")
    plan = await session.get(ReservationPlan, plan_id)
    if plan is None:
        raise NotFound("reservation_plan_not_found", f"no reservation plan {plan_id}")
    line = await lock_line(session, line_id, plan_id=plan_id)
    if line.kind != "manual":
        raise Conflict("not_a_manual_line", f"line {line.position} is not confirmed by a supplier")
    if line.supplier_status is None:
        raise Conflict(
            "supplier_not_requested", f"the supplier of line {line.position} was not asked yet"
        )
    ref = (confirmation_ref or "").strip() or None
    if line.supplier_status == to and (to == "declined" or line.confirmation_ref == ref):
        return line  # a replay (a webhook retried): the same answer again changes nothing
    previous = line.supplier_status
    line.supplier_status = supplier_rules.transition(previous, to)
    line.confirmation_ref = ref
    line.responded_at = datetime.now(UTC)
    line.answered_by = actor_id
    if reason:
        line.detail = reason.strip()[:2000]
    record_event(
        session,
        aggregate_type="reservation_plan",
        aggregate_id=plan.id,
        event_type=f"reservation_plan.supplier_{to}",
        payload={"plan_id": plan.id, "line_id": line.id, "source": source, "actor_id": actor_id},
    )
    key = f"supplier:{line.id}:{to}"
    await write_intent(
        session,
        IntentSpec(
            kind="signal",
            key=key,
            workflow_type=rules.RESERVE_WORKFLOW,
            workflow_id=plan.workflow_id,
            task_queue=task_queue,
            signal_name=SUPPLIER_SIGNAL,
            signal_input={"line_id": line.id, "status": to, "key": key},
        ),
    )
    await session.flush()
    return line


async def fail_plan(
    session: AsyncSession, *, plan_id: str, code: str, line_id: str | None, message: str
) -> ReservationPlan:
    """Mark the plan failed (naming the line), the failing line failed, unreached lines skipped."""
    plan = await session.scalar(
        select(ReservationPlan).where(ReservationPlan.id == plan_id).with_for_update()
    )
    if plan is None:
        raise NotFound("reservation_plan_not_found", f"no reservation plan {plan_id}")
    if plan.status in ("failed", "booked"):  # a cancel that came after the booking: keep it
        return plan
    if line_id is not None:
        await session.execute(
            update(ReservationPlanLine)
            .where(ReservationPlanLine.id == line_id, ReservationPlanLine.status == "pending")
            .values(status="failed", failure_code=code, detail=message)
        )
    await session.execute(
        update(ReservationPlanLine)
        .where(ReservationPlanLine.plan_id == plan_id, ReservationPlanLine.status == "pending")
        .values(status="skipped")
    )
    plan.status, plan.failure_code, plan.failure_line_id = "failed", code, line_id
    plan.failure_message, plan.finished_at = message, datetime.now(UTC)
    record_event(
        session,
        aggregate_type="reservation_plan",
        aggregate_id=plan.id,
        event_type="reservation_plan.failed",
        payload={"plan_id": plan.id, "code": code, "line_id": line_id, "message": message},
    )
    await session.flush()
    return plan
