"""A channel's sync health: what is pending, failing or abandoned, and how fast pushes land."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from domain.channel_push.budget import db_now
from domain.channel_push.connections import push_hold
from domain.channel_push.models import (
    ChannelAvailabilityPushIntent,
    ChannelConnection,
    ChannelContentPushIntent,
    ChannelDelivery,
)
from domain.distribution.models import Channel, ChannelBookingLink
from domain.errors import NotFound

PENDING = ("pending", "in_flight")
LAG_WINDOW = timedelta(hours=24)


async def _flow(
    session: AsyncSession,
    status: Any,
    since: Any,
    where: ColumnElement[bool],
    now: datetime,
) -> dict[str, Any]:
    rows = await session.execute(
        select(status, func.count(), func.min(since)).where(where).group_by(status)
    )
    counts: dict[str, int] = {}
    oldest: datetime | None = None
    for name, count, first in rows.all():
        counts[name] = count
        if name in PENDING or name == "failed":
            oldest = first if oldest is None or (first and first < oldest) else oldest
    return {
        "pending": sum(counts.get(s, 0) for s in PENDING),
        "failing": counts.get("failed", 0),
        "abandoned": counts.get("abandoned", 0),
        "ok": counts.get("ok", 0),
        "oldest_pending_age_seconds": (now - oldest).total_seconds() if oldest else None,
    }


async def sync_health(session: AsyncSession, channel_id: str) -> dict[str, Any]:
    """Per flow and overall: counts, last success, oldest pending age, push lag p50/p95."""
    channel = await session.get(Channel, channel_id)
    if channel is None:
        raise NotFound("channel_not_found", f"no channel {channel_id}")
    connection = await session.scalar(
        select(ChannelConnection.status).where(ChannelConnection.channel_id == channel_id)
    )
    now = await db_now(session)
    flows = {
        "booking": await _flow(
            session,
            ChannelBookingLink.push_status,
            ChannelBookingLink.created_at,
            (ChannelBookingLink.channel_id == channel_id)
            & (ChannelBookingLink.direction == "outbound"),
            now,
        ),
        "availability": await _flow(
            session,
            ChannelAvailabilityPushIntent.push_status,
            ChannelAvailabilityPushIntent.requested_at,
            ChannelAvailabilityPushIntent.channel_id == channel_id,
            now,
        ),
        "content": await _flow(
            session,
            ChannelContentPushIntent.push_status,
            ChannelContentPushIntent.requested_at,
            ChannelContentPushIntent.channel_id == channel_id,
            now,
        ),
    }
    lag = await session.execute(
        select(
            func.percentile_cont(0.5).within_group(ChannelDelivery.lag_ms),
            func.percentile_cont(0.95).within_group(ChannelDelivery.lag_ms),
            func.max(ChannelDelivery.created_at),
        ).where(
            ChannelDelivery.channel_id == channel_id,
            ChannelDelivery.outcome == "ok",
            ChannelDelivery.created_at >= now - LAG_WINDOW,
        )
    )
    p50, p95, _ = lag.one()
    last_success = await session.scalar(
        select(func.max(ChannelDelivery.created_at)).where(
            ChannelDelivery.channel_id == channel_id, ChannelDelivery.outcome == "ok"
        )
    )
    ages = [f["oldest_pending_age_seconds"] for f in flows.values()]
    known = [a for a in ages if a is not None]
    return {
        "channel_id": channel_id,
        "pending": sum(f["pending"] for f in flows.values()),
        "failing": sum(f["failing"] for f in flows.values()),
        "abandoned": sum(f["abandoned"] for f in flows.values()),
        "last_success_at": last_success,
        "oldest_pending_age_seconds": max(known) if known else None,
        "push_lag_ms_p50": float(p50) if p50 is not None else None,
        "push_lag_ms_p95": float(p95) if p95 is not None else None,
        "channel_status": channel.status,
        "connection_status": connection,
        "held": await push_hold(session, channel_id),
        "flows": flows,
    }
