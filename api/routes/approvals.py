"""Approvals of held actions: list, read with the ledger, approve, reject."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query
from pydantic import BaseModel

from api.deps import RuntimeDep, SessionDep, require
from api.fields import LongText
from domain.approvals import service
from domain.approvals.checks import Refused, effective_status
from domain.approvals.models import ActionLedgerEntry, ActionRequest, Approval
from domain.auth.service import AuthenticatedPrincipal
from domain.ids import parse_id

router = APIRouter(prefix="/v1/approvals", tags=["approvals"])
Reader = Annotated[AuthenticatedPrincipal, Depends(require("approvals:read"))]
Decider = Annotated[AuthenticatedPrincipal, Depends(require("approvals:decide"))]


class ActionOut(BaseModel):
    """The requested action an approval is for."""

    id: str
    action: str
    target_type: str
    target_id: str
    principal_id: str
    principal_kind: str
    command: dict[str, Any]
    policy_inputs: dict[str, Any]
    depends_on: dict[str, Any]
    created_at: datetime


class LedgerEntryOut(BaseModel):
    """One ledger entry: request, decision, execution or refusal."""

    id: str
    kind: str
    action_id: str
    approval_id: str | None
    principal_id: str | None
    details: dict[str, Any]
    created_at: datetime


class ApprovalOut(BaseModel):
    """An approval, its requested action and (on single reads) its ledger."""

    id: str
    status: str
    expires_at: datetime
    decided_by: str | None
    decided_at: datetime | None
    decision_note: str | None
    executed_at: datetime | None
    created_at: datetime
    action: ActionOut
    ledger: list[LedgerEntryOut] | None = None


class DecisionIn(BaseModel):
    """An optional note kept with the decision."""

    note: LongText | None = None


def _out(
    approval: Approval, action: ActionRequest, ledger: list[ActionLedgerEntry] | None = None
) -> ApprovalOut:
    return ApprovalOut(
        id=approval.id,
        status=effective_status(approval, datetime.now(UTC)),
        expires_at=approval.expires_at,
        decided_by=approval.decided_by,
        decided_at=approval.decided_at,
        decision_note=approval.decision_note,
        executed_at=approval.executed_at,
        created_at=approval.created_at,
        action=ActionOut.model_validate(action, from_attributes=True),
        ledger=None
        if ledger is None
        else [LedgerEntryOut.model_validate(e, from_attributes=True) for e in ledger],
    )


def _id(approval_id: str) -> str:
    return parse_id(approval_id, "appr", field="approval_id")


@router.get("", response_model=list[ApprovalOut], summary="List approvals")
async def list_approvals(
    session: SessionDep,
    _: Reader,
    status: Literal["pending", "approved", "rejected", "executed", "invalidated"] | None = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
) -> list[ApprovalOut]:
    """Newest first; `status` filters on the stored status (expiry shows as `expired`)."""
    rows = await service.list_approvals(session, status=status, limit=limit)
    return [_out(approval, action) for approval, action in rows]


@router.get("/{approval_id}", response_model=ApprovalOut, summary="One approval with its ledger")
async def get_approval(approval_id: str, session: SessionDep, _: Reader) -> ApprovalOut:
    """The approval, its requested action and every ledger entry (request -> execution)."""
    approval, action = await service.get(session, _id(approval_id))
    return _out(approval, action, await service.ledger_for(session, action.id))


async def _decide(
    approval_id: str,
    approve: bool,
    body: DecisionIn | None,
    session: SessionDep,
    runtime: RuntimeDep,
    principal: AuthenticatedPrincipal,
) -> ApprovalOut:
    kwargs: dict[str, Any] = {
        "approval_id": _id(approval_id),
        "decider_id": principal.id,
        "approve": approve,
        "now": datetime.now(UTC),
    }
    try:
        await service.check_decision(session, **kwargs)
    except Refused as exc:
        if exc.invalidates:
            await service.record_refusal(
                runtime.session_factory, exc, principal_id=principal.id, attempt="approve"
            )
        raise
    approval = await service.decide(session, note=body.note if body else None, **kwargs)
    approval, action = await service.get(session, approval.id)
    return _out(approval, action, await service.ledger_for(session, action.id))


@router.post("/{approval_id}/approve", response_model=ApprovalOut, summary="Approve")
async def approve(
    approval_id: str,
    session: SessionDep,
    runtime: RuntimeDep,
    principal: Decider,
    body: DecisionIn | None = None,
) -> ApprovalOut:
    """Scope `approvals:decide`; not the requester; 409 if decided, expired or invalidated."""
    return await _decide(approval_id, True, body, session, runtime, principal)


@router.post("/{approval_id}/reject", response_model=ApprovalOut, summary="Reject")
async def reject(
    approval_id: str,
    session: SessionDep,
    runtime: RuntimeDep,
    principal: Decider,
    body: DecisionIn | None = None,
) -> ApprovalOut:
    """Scope `approvals:decide`; the requester must not be the decider."""
    return await _decide(approval_id, False, body, session, runtime, principal)
