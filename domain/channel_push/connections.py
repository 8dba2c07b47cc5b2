"""Channel connections: the row the adapter registry is keyed by, and push holds."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from adapters.channels.registry import ConnectionInfo
from domain.channel_push.models import ChannelConnection
from domain.distribution.models import Channel


def info(conn: ChannelConnection) -> ConnectionInfo:
    """The registry key and build parameters of one connection."""
    return ConnectionInfo(
        id=conn.id,
        adapter_kind=conn.adapter_kind,
        base_url=conn.base_url,
        secret=conn.secret,
        version=conn.updated_at.isoformat(),
    )


async def active_connection(session: AsyncSession, channel_id: str) -> ChannelConnection | None:
    """The channel's active connection, if it has one."""
    conn: ChannelConnection | None = await session.scalar(
        select(ChannelConnection).where(
            ChannelConnection.channel_id == channel_id, ChannelConnection.status == "active"
        )
    )
    return conn


async def push_hold(session: AsyncSession, channel_id: str) -> str | None:
    """Why the channel must not be pushed now (paused, archived, no active connection),
    or None. Held work stays pending and is pushed once the hold is lifted."""
    status = await session.scalar(select(Channel.status).where(Channel.id == channel_id))
    if status is None:
        return "channel deleted"
    if status != "active":
        return f"channel {status}"
    if await active_connection(session, channel_id) is None:
        return "channel has no active connection"
    return None
