"""Inbound channel webhooks: signed by the channel (no API key), logged once, processed by
the `channel-webhook:{eventId}` workflow; the event log is readable with an API key."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel, ConfigDict
from sqlalchemy import select

from api.deps import RuntimeDep, SessionDep, require
from api.routes.distribution_channels import parse_channel_id
from domain.auth.service import AuthenticatedPrincipal
from domain.distribution import webhooks
from domain.distribution.channels import get_channel
from domain.distribution.models import ChannelWebhookEvent
from domain.errors import BadRequest

router = APIRouter(prefix="/v1/channels", tags=["distribution"])
Reader = Annotated[AuthenticatedPrincipal, Depends(require("distribution:read"))]
MAX_BODY = 256 * 1024


class ReceivedOut(BaseModel):
    event_id: str
    external_event_id: str
    status: str
    duplicate: bool


class EventOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: str
    channel_id: str
    external_event_id: str
    event_type: str
    status: str
    payload: dict[str, Any]
    booking_id: str | None
    outcome: str | None
    error: str | None
    processed_at: datetime | None
    created_at: datetime


@router.post(
    "/{channel_id}/webhooks",
    response_model=ReceivedOut,
    status_code=202,
    summary="Inbound channel event (HMAC-signed; no API key)",
)
async def receive_webhook(
    channel_id: str, request: Request, session: SessionDep, runtime: RuntimeDep
) -> ReceivedOut:
    """`X-Tourflow-Signature: sha256=<hex HMAC-SHA256 of the raw body with the channel's
    webhook secret>`. Body `{"id", "type", "data"}`. 401 `invalid_signature`; a replayed
    `id` answers 202 with `duplicate: true` and is not processed again."""
    body = await request.body()
    if len(body) > MAX_BODY:
        raise BadRequest("payload_too_large", f"webhook bodies are limited to {MAX_BODY} bytes")
    received = await webhooks.receive(
        session,
        channel_id=parse_channel_id(channel_id),
        body=body,
        signature=request.headers.get(webhooks.SIGNATURE_HEADER),
        task_queue=runtime.settings.temporal_task_queue,
    )
    event = received.event
    return ReceivedOut(
        event_id=event.id,
        external_event_id=event.external_event_id,
        status=event.status,
        duplicate=received.duplicate,
    )


@router.get("/{channel_id}/webhook-events", response_model=list[EventOut])
async def list_events(
    channel_id: str,
    session: SessionDep,
    _: Reader,
    status: Literal["pending", "processed", "failed", "ignored"] | None = None,
) -> list[ChannelWebhookEvent]:
    """The channel's inbound events, newest first (200 at most)."""
    cid = parse_channel_id(channel_id)
    await get_channel(session, cid)
    stmt = select(ChannelWebhookEvent).where(ChannelWebhookEvent.channel_id == cid)
    if status:
        stmt = stmt.where(ChannelWebhookEvent.status == status)
    return list(await session.scalars(stmt.order_by(ChannelWebhookEvent.id.desc()).limit(200)))
