"""Settlements: policies (-> schedules), runs, items, remittance exceptions, approve/reject.

A manual run overlapping a live run of the channel is refused (409
`settlement_period_overlap`); a booking is settled once per channel whatever the periods.
Approving a run with open remittance exceptions needs `override_exceptions: true` (409
`settlement_open_exceptions` otherwise); resolve them with `.../exceptions/{id}/resolve`.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Query
from pydantic import BaseModel, ConfigDict, Field, model_validator
from sqlalchemy import select
from temporalio.client import WorkflowUpdateFailedError
from temporalio.exceptions import ApplicationError
from temporalio.service import RPCError, RPCStatusCode

from api.deps import RuntimeDep, SessionDep, require
from api.fields import LongText, Ref
from domain.auth.service import AuthenticatedPrincipal
from domain.distribution.channels import get_channel
from domain.distribution.models import Channel
from domain.errors import Conflict
from domain.ids import parse_id
from domain.reconciliation import policies
from domain.settlement import remittance, service
from domain.settlement.models import (
    RemittanceException,
    SettlementItem,
    SettlementRun,
)

router = APIRouter(prefix="/v1/settlements", tags=["settlements"])
Reader = Annotated[AuthenticatedPrincipal, Depends(require("settlements:read"))]
Writer = Annotated[AuthenticatedPrincipal, Depends(require("settlements:write"))]
Approver = Annotated[AuthenticatedPrincipal, Depends(require("settlements:approve"))]
MAX_PERIOD_DAYS = 366


class PolicyIn(BaseModel):
    """How and how often the channel is settled."""

    currency: Annotated[str, Field(pattern=r"^[A-Z]{3}$", examples=["EUR"])]
    frequency: Literal["daily", "weekly", "monthly"] = "monthly"
    auto_run: bool = True
    active: bool = True
    minimum_payout_minor: Annotated[int, Field(ge=0, le=10**12)] = 0
    remittance_days: Annotated[int, Field(ge=0, le=365)] = 30
    approval_required: bool = True


class PolicyOut(PolicyIn):
    model_config = ConfigDict(from_attributes=True)
    id: str
    channel_id: str
    revision: int


class PeriodIn(BaseModel):
    """Settle [period_start, period_end) of one channel."""

    channel_id: Ref
    period_start: date
    period_end: date

    @model_validator(mode="after")
    def _bounded(self) -> PeriodIn:
        days = (self.period_end - self.period_start).days
        if not 0 < days <= MAX_PERIOD_DAYS:
            raise ValueError(f"period_end must be 1..{MAX_PERIOD_DAYS} days after period_start")
        return self


class RunOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: str
    channel_id: str
    period_start: date
    period_end: date
    currency: str
    status: str
    workflow_id: str
    approval_required: bool
    minimum_payout_minor: int
    item_count: int
    gross_minor: int
    commission_minor: int
    net_minor: int
    balance_minor: int
    direction: str | None
    due_date: date | None
    decided_by: str | None
    decided_at: datetime | None
    decision_note: str | None
    invoice_id: str | None
    payment_id: str | None
    credit_note_ids: list[str]
    credited_minor: int
    posted_at: datetime | None
    exceptions_overridden: bool


class ItemOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: str
    booking_id: str
    link_id: str | None
    payment_owner: str
    currency: str
    gross_minor: int
    commission_minor: int
    net_minor: int
    balance_minor: int
    commission_rule_id: str | None
    commission_source: str | None
    reverses_item_id: str | None
    kind: str
    released_at: datetime | None


class ExceptionOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: str
    reconciliation_item_id: str
    issue_type: str
    booking_ref: str
    amount_minor: int | None
    status: str
    resolved_by: str | None
    resolved_at: datetime | None
    resolution_note: str | None


class DecisionIn(BaseModel):
    """Why (optional); approving with open remittance exceptions must say so."""

    note: LongText | None = None
    override_exceptions: bool = False


class ResolutionIn(BaseModel):
    """How the exception was settled (optional)."""

    note: LongText | None = None


def _channel(channel_id: str) -> str:
    return parse_id(channel_id, Channel.id_prefix, field="channel_id")


def _run_id(run_id: str) -> str:
    return parse_id(run_id, SettlementRun.id_prefix, field="run_id")


@router.put("/policies/{channel_id}", response_model=PolicyOut, summary="Set the policy")
async def put_policy(
    channel_id: str, body: PolicyIn, session: SessionDep, runtime: RuntimeDep, _: Writer
) -> PolicyOut:
    """Create or change the policy; its Temporal Schedule follows (paused when inactive)."""
    policy = await policies.upsert_policy(
        session,
        kind="settlement",
        channel_id=_channel(channel_id),
        fields=body.model_dump(),
        task_queue=runtime.settings.temporal_task_queue,
    )
    return PolicyOut.model_validate(policy)


@router.get("/policies/{channel_id}", response_model=PolicyOut, summary="Get the policy")
async def get_policy(channel_id: str, session: SessionDep, _: Reader) -> PolicyOut:
    return PolicyOut.model_validate(await service.policy_for(session, _channel(channel_id)))


@router.post("/runs", response_model=RunOut, status_code=202, summary="Start a run")
async def start_run(body: PeriodIn, session: SessionDep, runtime: RuntimeDep, _: Writer) -> RunOut:
    """Open the run (the policy's terms are frozen into it) and start its workflow.

    The same period again returns its run. A period overlapping another live run of the
    channel is a 409 `settlement_period_overlap`; bookings of a rejected or below-minimum
    run are carried into the next run, whatever its period.
    """
    channel_id = _channel(body.channel_id)
    await get_channel(session, channel_id)
    run = await service.open_run(
        session,
        channel_id=channel_id,
        period_start=body.period_start,
        period_end=body.period_end,
        refuse_overlap=True,
    )
    await policies.request_run(
        session,
        kind="settlement",
        channel_id=channel_id,
        period_start=run.period_start,
        period_end=run.period_end,
        task_queue=runtime.settings.temporal_task_queue,
    )
    return RunOut.model_validate(run)


@router.get("/runs", response_model=list[RunOut], summary="List runs")
async def list_runs(
    session: SessionDep,
    _: Reader,
    channel_id: Annotated[Ref | None, Query()] = None,
    status: Annotated[str | None, Query(max_length=32)] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
) -> list[RunOut]:
    stmt = select(SettlementRun).order_by(SettlementRun.period_start.desc()).limit(limit)
    if channel_id is not None:
        stmt = stmt.where(SettlementRun.channel_id == _channel(channel_id))
    if status is not None:
        stmt = stmt.where(SettlementRun.status == status)
    return [RunOut.model_validate(r) for r in (await session.scalars(stmt)).all()]


@router.get("/runs/{run_id}", response_model=RunOut, summary="Get a run")
async def get_run(run_id: str, session: SessionDep, _: Reader) -> RunOut:
    return RunOut.model_validate(await service.get_run(session, _run_id(run_id)))


@router.get("/runs/{run_id}/items", response_model=list[ItemOut], summary="A run's items")
async def list_items(run_id: str, session: SessionDep, _: Reader) -> list[ItemOut]:
    run = await service.get_run(session, _run_id(run_id))
    rows = await session.scalars(
        select(SettlementItem).where(SettlementItem.run_id == run.id).order_by(SettlementItem.id)
    )
    return [ItemOut.model_validate(i) for i in rows.all()]


@router.get(
    "/runs/{run_id}/exceptions", response_model=list[ExceptionOut], summary="Remittance exceptions"
)
async def list_exceptions(run_id: str, session: SessionDep, _: Reader) -> list[ExceptionOut]:
    run = await service.get_run(session, _run_id(run_id))
    rows = await session.scalars(
        select(RemittanceException)
        .where(RemittanceException.settlement_run_id == run.id)
        .order_by(RemittanceException.id)
    )
    return [ExceptionOut.model_validate(e) for e in rows.all()]


@router.post(
    "/runs/{run_id}/exceptions/{exception_id}/resolve",
    response_model=ExceptionOut,
    summary="Resolve a remittance exception",
)
async def resolve_exception(
    run_id: str, exception_id: str, body: ResolutionIn, session: SessionDep, principal: Writer
) -> ExceptionOut:
    """Mark the exception resolved (who, when, note recorded); repeating is a no-op."""
    found = await service.resolve_exception(
        session,
        run_id=_run_id(run_id),
        exception_id=parse_id(exception_id, RemittanceException.id_prefix, field="exception_id"),
        principal_id=principal.id,
        note=body.note,
    )
    return ExceptionOut.model_validate(found)


def _refusal(exc: BaseException) -> ApplicationError | None:
    """The domain refusal (ApplicationError with a code) behind a failed update, if any."""
    seen: BaseException | None = exc
    while seen is not None:
        if isinstance(seen, ApplicationError) and seen.type:
            return seen
        seen = getattr(seen, "cause", None) or seen.__cause__
    return None


async def _decide(
    run_id: str,
    approve: bool,
    body: DecisionIn,
    session: SessionDep,
    runtime: RuntimeDep,
    principal: AuthenticatedPrincipal,
) -> RunOut:
    run = await service.get_run(session, _run_id(run_id))
    if approve and not body.override_exceptions and run.status == "awaiting_approval":
        still_open = await remittance.open_count(session, run.id)
        if still_open:
            raise Conflict(
                "settlement_open_exceptions",
                f"settlement run {run.id} has {still_open} open remittance exceptions;"
                " resolve them or approve with override_exceptions",
                open_exceptions=still_open,
            )
    client = await runtime.temporal.get()
    handle = client.get_workflow_handle(run.workflow_id)
    try:
        # The workflow persists the decision before the update returns.
        await handle.execute_update(
            "decide",
            {
                "approve": approve,
                "principal_id": principal.id,
                "scopes": list(principal.scopes),
                "note": body.note,
                "override_exceptions": body.override_exceptions,
            },
        )
    except WorkflowUpdateFailedError as exc:
        refusal = _refusal(exc)
        if refusal is not None and refusal.type == "settlement_open_exceptions":
            raise Conflict("settlement_open_exceptions", refusal.message) from exc
        raise Conflict(
            "settlement_not_awaiting_approval",
            f"settlement run {run.id} cannot be decided: {exc.cause}",
            status=run.status,
        ) from exc
    except RPCError as exc:
        if exc.status != RPCStatusCode.NOT_FOUND:
            raise
        raise Conflict(
            "settlement_not_awaiting_approval",
            f"settlement run {run.id} is {run.status}",
            status=run.status,
        ) from exc
    await session.refresh(run)
    return RunOut.model_validate(run)


@router.post("/runs/{run_id}/approve", response_model=RunOut, summary="Approve a run")
async def approve(
    run_id: str, body: DecisionIn, session: SessionDep, runtime: RuntimeDep, principal: Approver
) -> RunOut:
    """Approve a run awaiting approval; the workflow then posts its finance documents.

    Open remittance exceptions refuse the approval (409 `settlement_open_exceptions`)
    unless `override_exceptions` is true; the run records the override.
    """
    return await _decide(run_id, True, body, session, runtime, principal)


@router.post("/runs/{run_id}/reject", response_model=RunOut, summary="Reject a run")
async def reject(
    run_id: str, body: DecisionIn, session: SessionDep, runtime: RuntimeDep, principal: Approver
) -> RunOut:
    """Reject a run awaiting approval; nothing is posted and its bookings are released
    to the next run."""
    return await _decide(run_id, False, body, session, runtime, principal)
