"""Availability and content push intents: coalescing upserts, claims, outcomes.

One intent row per (channel, slot) or (channel, product). A change bumps its `seq`
(the outbox sequence of the change) and leaves one pending row however many changes
arrive. The drainer claims a due row, reads the current state, pushes it, and marks it
`ok` only if no newer change arrived meanwhile (else it stays pending and is pushed
again). Pushes of one row never overlap (row claim), so a stale value never lands after
a newer one.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Literal

from sqlalchemy import ColumnElement, or_, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from domain.channel_push.models import ChannelAvailabilityPushIntent, ChannelContentPushIntent
from domain.ids import new_id

QueueFlow = Literal["availability", "content"]
IntentRow = ChannelAvailabilityPushIntent | ChannelContentPushIntent
# A claim older than this is from a crashed attempt and may be taken over.
STALE_CLAIM = timedelta(minutes=2)
# Statuses after which a new change needs the drainer woken (it may be idle).
SETTLED = ("ok", "abandoned", "compensated", "failed")
# A pending row due this long ago means its drainer is not draining (closed, or stuck):
# a change to it wakes the drainer again, at most once per channel per this interval.
OVERDUE = timedelta(minutes=1)


def model_of(flow: QueueFlow) -> type[IntentRow]:
    """The intent table of a flow."""
    return ChannelAvailabilityPushIntent if flow == "availability" else ChannelContentPushIntent


async def request_push(
    session: AsyncSession,
    flow: QueueFlow,
    *,
    channel_id: str,
    subject_id: str,
    seq: int,
    cause: str,
    product_id: str | None = None,
) -> str | None:
    """Record that `subject_id` (slot or product) changed for the channel.

    Returns the cause to wake the drainer with, or None when the drainer already has the
    row in hand: `cause` when the row is new or was settled; `overdue:{minute}` when the
    row has been due for over `OVERDUE` (one wake per channel and minute, however many
    changes hit overdue rows, so a dead drainer is revived without a wake storm).
    """
    model = model_of(flow)
    subject = model.slot_id if flow == "availability" else model.product_id  # type: ignore[union-attr]
    values: dict[str, object] = {
        "id": new_id(model.id_prefix),
        "channel_id": channel_id,
        "seq": seq,
        "changes": 1,
    }
    if flow == "availability":
        values.update(slot_id=subject_id, product_id=product_id)
    else:
        values.update(product_id=subject_id)
    inserted = await session.scalar(
        insert(model)
        .values(**values)
        .on_conflict_do_nothing(index_elements=["channel_id", subject.key])
        .returning(model.id)
    )
    if inserted is not None:
        return cause
    row: IntentRow | None = await session.scalar(
        select(model)
        .where(model.channel_id == channel_id, subject == subject_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    assert row is not None
    row.seq = max(row.seq, seq)
    row.changes += 1
    if row.push_status in SETTLED:
        if row.push_status != "failed":
            row.push_status = "pending"
            row.attempts = 0
            row.last_error = None
            row.requested_at = await _now(session)
            row.next_attempt_at = row.requested_at
        return cause
    now = await _now(session)
    since = row.claimed_at if row.push_status == "in_flight" else row.next_attempt_at
    limit = STALE_CLAIM if row.push_status == "in_flight" else OVERDUE
    if since is not None and since <= now - limit:
        return f"overdue:{int(now.timestamp() // OVERDUE.total_seconds())}"
    return None


async def _now(session: AsyncSession) -> datetime:
    from domain.channel_push.budget import db_now

    return await db_now(session)


def is_due(model: type[IntentRow], now: datetime) -> ColumnElement[bool]:
    """Due now: pending or failed past its next attempt, or claimed by a crashed attempt."""
    return or_(
        model.push_status.in_(("pending", "failed")) & (model.next_attempt_at <= now),
        (model.push_status == "in_flight") & (model.claimed_at <= now - STALE_CLAIM),
    )


async def due(
    session: AsyncSession, flow: QueueFlow, channel_id: str, now: datetime, limit: int = 1
) -> list[IntentRow]:
    """The oldest due intents of the channel, locked (SKIP LOCKED)."""
    model = model_of(flow)
    rows = await session.scalars(
        select(model)
        .where(model.channel_id == channel_id, is_due(model, now))
        .order_by(model.next_attempt_at, model.requested_at, model.id)
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    return [
        row
        for row in rows.all()
        if isinstance(row, ChannelAvailabilityPushIntent | ChannelContentPushIntent)
    ]


async def next_due_at(session: AsyncSession, flow: QueueFlow, channel_id: str) -> datetime | None:
    """When the channel's next waiting intent (a failed one in backoff) becomes due."""
    model = model_of(flow)
    return await session.scalar(
        select(model.next_attempt_at)
        .where(model.channel_id == channel_id, model.push_status.in_(("pending", "failed")))
        .order_by(model.next_attempt_at)
        .limit(1)
    )


async def lock(session: AsyncSession, flow: QueueFlow, intent_id: str) -> IntentRow:
    """One intent row, locked."""
    model = model_of(flow)
    row: IntentRow | None = await session.scalar(
        select(model)
        .where(model.id == intent_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    assert row is not None
    return row
