"""Operator views of the spine: workflow intents and outbox deliveries."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Query
from pydantic import BaseModel, ConfigDict
from sqlalchemy import select

from api.deps import SessionDep, require
from domain.auth.service import AuthenticatedPrincipal
from domain.errors import Conflict, NotFound
from domain.ids import parse_id
from domain.intents.models import WorkflowIntent
from domain.intents.service import mark_for_dispatch
from domain.outbox.models import OutboxDelivery

router = APIRouter(prefix="/v1/ops", tags=["operations"])
Reader = Annotated[AuthenticatedPrincipal, Depends(require("ops:read"))]
Writer = Annotated[AuthenticatedPrincipal, Depends(require("ops:write"))]


class IntentOut(BaseModel):
    """A workflow intent and where it stands."""

    model_config = ConfigDict(from_attributes=True)
    id: str
    key: str
    kind: str
    workflow_type: str
    workflow_id: str
    status: str
    attempts: int
    last_error: str | None
    created_at: datetime
    started_at: datetime | None


class DeliveryOut(BaseModel):
    """One subscriber's copy of an outbox event."""

    model_config = ConfigDict(from_attributes=True)
    id: str
    event_id: str
    subscriber: str
    aggregate_type: str
    aggregate_id: str
    status: str
    attempts: int
    last_error: str | None
    available_at: datetime


@router.get("/intents", response_model=list[IntentOut], summary="List workflow intents")
async def list_intents(
    session: SessionDep,
    _: Reader,
    status: Literal["pending", "started", "failed"] | None = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> list[WorkflowIntent]:
    """Newest first; filter by status to see what is waiting for Temporal."""
    stmt = select(WorkflowIntent).order_by(WorkflowIntent.created_at.desc()).limit(limit)
    if status:
        stmt = stmt.where(WorkflowIntent.status == status)
    return list((await session.scalars(stmt)).all())


@router.get("/intents/{intent_id}", response_model=IntentOut, summary="One workflow intent")
async def get_intent(intent_id: str, session: SessionDep, _: Reader) -> WorkflowIntent:
    """404 `intent_not_found` when it does not exist."""
    intent = await session.get(WorkflowIntent, parse_id(intent_id, "wfi", field="intent_id"))
    if intent is None:
        raise NotFound("intent_not_found", f"no workflow intent {intent_id}")
    return intent


@router.post(
    "/intents/{intent_id}/redrive",
    response_model=IntentOut,
    status_code=202,
    summary="Re-drive one intent now",
)
async def redrive_intent(intent_id: str, session: SessionDep, _: Writer) -> WorkflowIntent:
    """Mark a pending or failed intent for dispatch; it is sent right after this commits."""
    iid = parse_id(intent_id, "wfi", field="intent_id")
    intent = await session.get(WorkflowIntent, iid)
    if intent is None:
        raise NotFound("intent_not_found", f"no workflow intent {intent_id}")
    if intent.status == "started":
        raise Conflict("intent_already_started", f"intent {intent_id} already started its workflow")
    intent.status = "pending"
    mark_for_dispatch(session, iid)
    return intent


@router.get("/outbox/deliveries", response_model=list[DeliveryOut], summary="Outbox deliveries")
async def list_deliveries(
    session: SessionDep,
    _: Reader,
    status: Literal["pending", "delivered", "dead"] = "dead",
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> list[OutboxDelivery]:
    """By default the dead letters: deliveries that gave up after their last attempt."""
    stmt = (
        select(OutboxDelivery)
        .where(OutboxDelivery.status == status)
        .order_by(OutboxDelivery.event_seq.desc())
        .limit(limit)
    )
    return list((await session.scalars(stmt)).all())
