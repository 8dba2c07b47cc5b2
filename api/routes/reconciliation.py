"""Reconciliation: policies (-> schedules), runs, their issues, and resolving issues."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Query
from pydantic import BaseModel, ConfigDict, Field, model_validator
from sqlalchemy import or_, select

from api.deps import RuntimeDep, SessionDep, require
from api.fields import LongText, Ref
from domain.auth.service import AuthenticatedPrincipal
from domain.distribution.channels import get_channel
from domain.distribution.models import Channel
from domain.errors import Conflict, NotFound
from domain.ids import parse_id
from domain.reconciliation import policies, resolution, service
from domain.reconciliation.models import (
    ReconciliationItem,
    ReconciliationPolicy,
    ReconciliationRun,
)

router = APIRouter(prefix="/v1/reconciliation", tags=["reconciliation"])
Reader = Annotated[AuthenticatedPrincipal, Depends(require("reconciliation:read"))]
Writer = Annotated[AuthenticatedPrincipal, Depends(require("reconciliation:write"))]
Frequency = Literal["daily", "weekly", "monthly"]
IssueType = Literal[
    "missing_booking", "status_mismatch", "amount_mismatch", "cancel_mismatch", "missing_payout"
]
Resolution = Literal["open", "ignored", "resolved"]
MAX_PERIOD_DAYS = 366


class PolicyIn(BaseModel):
    """How and how often the channel is reconciled."""

    frequency: Frequency = "daily"
    auto_run: bool = True
    active: bool = True
    check_missing: bool = True
    check_status: bool = True
    check_amounts: bool = True
    check_cancellations: bool = True
    check_payouts: bool = True
    tolerance_minor: Annotated[int, Field(ge=0, le=10**12)] = 0
    tolerance_bps: Annotated[int, Field(ge=0, le=10_000)] = 0


class PolicyOut(PolicyIn):
    model_config = ConfigDict(from_attributes=True)
    id: str
    channel_id: str
    revision: int
    schedule_id: str


class PeriodIn(BaseModel):
    """Reconcile [period_start, period_end) of one channel."""

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
    status: str
    workflow_id: str
    report_lines: int
    local_bookings: int
    issue_count: int
    repushed: int
    error: str | None
    created_at: datetime
    completed_at: datetime | None


class ItemOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: str
    run_id: str
    last_run_id: str | None
    channel_id: str
    issue_type: str
    side: str | None
    severity: str
    booking_ref: str
    booking_id: str | None
    link_id: str | None
    external_booking_id: str | None
    local_status: str | None
    channel_status: str | None
    local_amount_minor: int | None
    channel_amount_minor: int | None
    currency: str | None
    channel_currency: str | None
    resolution: str
    resolution_action: str | None
    resolution_note: str | None
    resolved_by: str | None
    resolved_at: datetime | None


class ResolveIn(BaseModel):
    """`ignore`, `accept`, `repush` (re-drive our booking to the channel) or
    `cancel_locally` (the channel cancelled it; cancel ours too)."""

    action: Literal["ignore", "accept", "repush", "cancel_locally"]
    note: LongText | None = None


def _channel(channel_id: str) -> str:
    return parse_id(channel_id, Channel.id_prefix, field="channel_id")


def _policy_out(policy: ReconciliationPolicy) -> PolicyOut:
    return PolicyOut.model_validate(
        {
            **{c: getattr(policy, c) for c in PolicyOut.model_fields if hasattr(policy, c)},
            "schedule_id": f"channel-reconciliation-schedule:{policy.channel_id}",
        }
    )


@router.put("/policies/{channel_id}", response_model=PolicyOut, summary="Set the policy")
async def put_policy(
    channel_id: str, body: PolicyIn, session: SessionDep, runtime: RuntimeDep, _: Writer
) -> PolicyOut:
    """Create or change the policy; its Temporal Schedule follows (paused when inactive)."""
    policy = await policies.upsert_policy(
        session,
        kind="reconciliation",
        channel_id=_channel(channel_id),
        fields=body.model_dump(),
        task_queue=runtime.settings.temporal_task_queue,
    )
    assert isinstance(policy, ReconciliationPolicy)
    return _policy_out(policy)


@router.get("/policies/{channel_id}", response_model=PolicyOut, summary="Get the policy")
async def get_policy(channel_id: str, session: SessionDep, _: Reader) -> PolicyOut:
    policy = await session.scalar(
        select(ReconciliationPolicy).where(ReconciliationPolicy.channel_id == _channel(channel_id))
    )
    if policy is None:
        raise NotFound("reconciliation_policy_not_found", f"no policy for channel {channel_id}")
    return _policy_out(policy)


@router.post("/runs", response_model=RunOut, status_code=202, summary="Start a run")
async def start_run(body: PeriodIn, session: SessionDep, runtime: RuntimeDep, _: Writer) -> RunOut:
    """Open the run and start its workflow after commit (starting it again is a no-op;
    the same period_start with another period_end is 409 `reconciliation_run_exists`).
    Runs may overlap: issues found again are carried forward, not reported twice."""
    channel_id = _channel(body.channel_id)
    await get_channel(session, channel_id)
    run = await service.open_run(
        session, channel_id=channel_id, period_start=body.period_start, period_end=body.period_end
    )
    if run.period_end != body.period_end:
        raise Conflict(
            "reconciliation_run_exists",
            f"the run of {run.period_start} covers up to {run.period_end}; "
            "start another period_start for a different period",
            run_id=run.id,
            period_end=run.period_end.isoformat(),
        )
    await policies.request_run(
        session,
        kind="reconciliation",
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
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
) -> list[RunOut]:
    stmt = select(ReconciliationRun).order_by(ReconciliationRun.period_start.desc()).limit(limit)
    if channel_id is not None:
        stmt = stmt.where(ReconciliationRun.channel_id == _channel(channel_id))
    return [RunOut.model_validate(r) for r in (await session.scalars(stmt)).all()]


@router.get("/runs/{run_id}", response_model=RunOut, summary="Get a run")
async def get_run(run_id: str, session: SessionDep, _: Reader) -> RunOut:
    run = await service.get_run(
        session, parse_id(run_id, ReconciliationRun.id_prefix, field="run_id")
    )
    return RunOut.model_validate(run)


@router.get("/issues", response_model=list[ItemOut], summary="List issues")
async def list_issues(
    session: SessionDep,
    _: Reader,
    run_id: Annotated[Ref | None, Query()] = None,
    channel_id: Annotated[Ref | None, Query()] = None,
    issue_type: Annotated[IssueType | None, Query()] = None,
    resolution: Annotated[Resolution | None, Query()] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> list[ItemOut]:
    """Issues, filtered; newest first. An open issue is listed once however many
    (overlapping) runs found it: `run_id` raised it, `last_run_id` saw it last."""
    stmt = select(ReconciliationItem).order_by(ReconciliationItem.id.desc()).limit(limit)
    if run_id is not None:
        rid = parse_id(run_id, ReconciliationRun.id_prefix, field="run_id")
        # The run's issues: those it raised and those it found still open from earlier runs.
        stmt = stmt.where(
            or_(ReconciliationItem.run_id == rid, ReconciliationItem.last_run_id == rid)
        )
    if channel_id is not None:
        stmt = stmt.where(ReconciliationItem.channel_id == _channel(channel_id))
    if issue_type is not None:
        stmt = stmt.where(ReconciliationItem.issue_type == issue_type)
    if resolution is not None:
        stmt = stmt.where(ReconciliationItem.resolution == resolution)
    return [ItemOut.model_validate(i) for i in (await session.scalars(stmt)).all()]


@router.post("/issues/{item_id}/resolve", response_model=ItemOut, summary="Resolve an issue")
async def resolve_issue(
    item_id: str,
    body: ResolveIn,
    session: SessionDep,
    runtime: RuntimeDep,
    principal: Writer,
) -> ItemOut:
    """Apply a resolution action; re-sending the same one is a no-op, another is a 409."""
    item = await resolution.resolve(
        session,
        item_id=parse_id(item_id, ReconciliationItem.id_prefix, field="item_id"),
        verb=body.action,
        actor_id=principal.id,
        note=body.note,
        task_queue=runtime.settings.temporal_task_queue,
    )
    return ItemOut.model_validate(item)
