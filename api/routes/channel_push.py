"""Channel push: connections, sync health, the delivery log, and operator re-push."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import select

from api.deps import RuntimeDep, SessionDep, require
from domain.auth.service import AuthenticatedPrincipal
from domain.channel_push import health, repush
from domain.channel_push.budget import db_now
from domain.channel_push.connections import push_hold
from domain.channel_push.models import ChannelConnection, ChannelDelivery
from domain.distribution.models import Channel
from domain.errors import NotFound
from domain.ids import parse_id

router = APIRouter(prefix="/v1", tags=["channel push"])
Reader = Annotated[AuthenticatedPrincipal, Depends(require("distribution:read"))]
Writer = Annotated[AuthenticatedPrincipal, Depends(require("distribution:write"))]


class ConnectionIn(BaseModel):
    """How to reach the channel; the secret is write-only."""

    adapter_kind: Literal["http"] = "http"
    base_url: Annotated[str, Field(min_length=8, max_length=500, pattern=r"^https?://")]
    secret: Annotated[str, Field(min_length=1, max_length=500)] | None = None
    status: Literal["active", "disabled"] = "active"


class ConnectionOut(BaseModel):
    """A connection, without its secret."""

    model_config = ConfigDict(from_attributes=True)

    id: str
    channel_id: str
    adapter_kind: str
    base_url: str
    status: str
    has_secret: bool
    updated_at: datetime
    redriven: dict[str, int] = Field(
        default_factory=dict,
        description="On a PUT: pending work re-driven now (booking, availability, content).",
    )


class FlowHealth(BaseModel):
    """One flow's push state."""

    pending: int
    failing: int
    abandoned: int
    ok: int
    oldest_pending_age_seconds: float | None


class SyncHealthOut(BaseModel):
    """A channel's sync health."""

    channel_id: str
    pending: int
    failing: int
    abandoned: int
    last_success_at: datetime | None
    oldest_pending_age_seconds: float | None
    push_lag_ms_p50: float | None
    push_lag_ms_p95: float | None
    channel_status: str
    connection_status: str | None
    held: str | None = Field(
        description="Why nothing is pushed now (paused, archived, no active connection)."
    )
    flows: dict[str, FlowHealth]


class DeliveryOut(BaseModel):
    """One outbound attempt (auth headers and traveller PII already redacted)."""

    model_config = ConfigDict(from_attributes=True)

    id: str
    flow: str
    subject_id: str
    attempt: int
    method: str
    url: str
    request_headers: dict[str, Any]
    request_body: Any
    status_code: int | None
    response_body: Any
    outcome: str
    error: str | None
    duration_ms: int
    lag_ms: int | None
    created_at: datetime


class RedriveOut(BaseModel):
    """What was re-driven, and why nothing will be sent yet if the channel is held."""

    redriven: dict[str, int]
    held: str | None


class RepushOut(BaseModel):
    """The link, reset to pending, and the workflow that pushes it."""

    link_id: str
    push_status: str
    workflow_id: str


def _connection_out(conn: ChannelConnection) -> ConnectionOut:
    return ConnectionOut(
        id=conn.id,
        channel_id=conn.channel_id,
        adapter_kind=conn.adapter_kind,
        base_url=conn.base_url,
        status=conn.status,
        has_secret=bool(conn.secret),
        updated_at=conn.updated_at,
    )


async def _channel(session: SessionDep, channel_id: str) -> Channel:
    channel = await session.get(Channel, parse_id(channel_id, "chan", field="channel_id"))
    if channel is None:
        raise NotFound("channel_not_found", f"no channel {channel_id}")
    return channel


@router.put("/channels/{channel_id}/connection", response_model=ConnectionOut)
async def put_connection(
    channel_id: str, body: ConnectionIn, session: SessionDep, runtime: RuntimeDep, _: Writer
) -> ConnectionOut:
    """Create or replace the channel's connection (adapters pick the change up at once).

    An active connection re-drives what the channel is owed (held or failed pushes).
    """
    channel = await _channel(session, channel_id)
    conn = await session.scalar(
        select(ChannelConnection)
        .where(ChannelConnection.channel_id == channel.id)
        .with_for_update()
    )
    if conn is None:
        conn = ChannelConnection(channel_id=channel.id)
        session.add(conn)
    conn.adapter_kind, conn.base_url, conn.status = body.adapter_kind, body.base_url, body.status
    conn.secret = body.secret
    await session.flush()
    await session.refresh(conn)
    out = _connection_out(conn)
    if conn.status == "active" and channel.status == "active":
        out.redriven = await repush.redrive_channel(
            session,
            channel.id,
            task_queue=runtime.settings.temporal_task_queue,
            cause=f"{conn.id}:{conn.updated_at.isoformat()}",
        )
    return out


@router.post("/channels/{channel_id}/redrive", response_model=RedriveOut, status_code=202)
async def redrive(
    channel_id: str, session: SessionDep, runtime: RuntimeDep, _: Writer
) -> RedriveOut:
    """Push what the channel is owed now (e.g. after resuming it) instead of at the next
    held re-check: held intents become due, drainers and held booking pushes are woken."""
    channel = await _channel(session, channel_id)
    now = await db_now(session)
    counts = await repush.redrive_channel(
        session,
        channel.id,
        task_queue=runtime.settings.temporal_task_queue,
        cause=f"operator:{now.isoformat()}",
    )
    return RedriveOut(redriven=counts, held=await push_hold(session, channel.id))


@router.get("/channels/{channel_id}/connection", response_model=ConnectionOut)
async def get_connection(channel_id: str, session: SessionDep, _: Reader) -> ConnectionOut:
    """The channel's connection."""
    channel = await _channel(session, channel_id)
    conn = await session.scalar(
        select(ChannelConnection).where(ChannelConnection.channel_id == channel.id)
    )
    if conn is None:
        raise NotFound("connection_not_found", "this channel has no connection")
    return _connection_out(conn)


@router.get("/channels/{channel_id}/sync-health", response_model=SyncHealthOut)
async def get_sync_health(channel_id: str, session: SessionDep, _: Reader) -> dict[str, Any]:
    """Pending, failing and abandoned counts, last success, oldest pending age, push lag."""
    channel = await _channel(session, channel_id)
    return await health.sync_health(session, channel.id)


@router.get("/channels/{channel_id}/deliveries", response_model=list[DeliveryOut])
async def list_deliveries(
    channel_id: str,
    session: SessionDep,
    _: Reader,
    subject_id: str | None = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> list[ChannelDelivery]:
    """The outbound delivery log, newest first."""
    channel = await _channel(session, channel_id)
    q = select(ChannelDelivery).where(ChannelDelivery.channel_id == channel.id)
    if subject_id:
        q = q.where(ChannelDelivery.subject_id == subject_id)
    rows = await session.scalars(
        q.order_by(ChannelDelivery.created_at.desc(), ChannelDelivery.id.desc()).limit(limit)
    )
    return list(rows.all())


@router.post("/channel-links/{link_id}/repush", response_model=RepushOut, status_code=202)
async def repush_link(
    link_id: str, session: SessionDep, runtime: RuntimeDep, _: Writer
) -> RepushOut:
    """Push one booking link again (a no-op upstream if the channel already has it)."""
    link, workflow_id = await repush.repush_link(
        session,
        parse_id(link_id, "chbl", field="link_id"),
        task_queue=runtime.settings.temporal_task_queue,
    )
    return RepushOut(link_id=link.id, push_status=link.push_status, workflow_id=workflow_id)
