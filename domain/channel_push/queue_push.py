"""Draining a channel's availability or content intents, one push per due intent.

Each round: in one short transaction, claim the oldest due intents (SKIP LOCKED), read
the current state of as many subjects as the shared budget has tokens for (peeked
without a lock), skip those unchanged (content hash already acknowledged), take the
tokens (availability or content class; the bucket row is locked only from there to the
commit) and mark those `in_flight` at their current `seq`; then the HTTP calls; then
record the outcomes.
A short denial (the next token, a higher class's turn) is waited out inside the drain,
so a backlog drains at the budget's rate without a workflow round trip per token; a
long one (an upstream 429's Retry-After) is returned for the workflow's durable timer.
Stops when nothing is due, or after `max_items` / `max_seconds`.
"""

from __future__ import annotations

import asyncio
import time as clock
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from sqlalchemy import case, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from adapters.channels.base import AvailabilityPush, ContentPush, PushOutcome
from adapters.channels.registry import AdapterRegistry, ConnectionInfo
from domain.availability.models import AvailabilitySlot
from domain.catalog.models import OptionUnit, Product, ProductOption
from domain.channel_push import budget, connections, queue
from domain.channel_push.booking_push import raise_abandoned
from domain.channel_push.deliveries import LagObserver, log_delivery
from domain.channel_push.models import ChannelAvailabilityPushIntent, ChannelContentPushIntent
from domain.channel_push.policy import (
    UNLIMITED_AVAILABLE,
    PushPolicy,
    backoff_seconds,
    exhausted,
    payload_hash,
)
from domain.channel_push.queue import IntentRow
from domain.db import unit_of_work
from domain.distribution.models import ChannelInventoryAllotmentTarget, ChannelProductMapping

# Token waits up to this long are slept inside the drain (one token interval at 1 rps, a
# higher class's turn); longer ones go back to the workflow as a durable timer.
MAX_INLINE_WAIT = 1.0


@dataclass(frozen=True, slots=True)
class DrainResult:
    """`wait_seconds` > 0: the budget said wait. `more`: due work is left. `next_due_in`:
    seconds until a failed intent's backoff ends (None: nothing waiting)."""

    pushed: int
    skipped: int
    more: bool
    wait_seconds: float
    next_due_in: float | None


async def available_for(session: AsyncSession, channel_id: str, slot_id: str) -> tuple[int, str]:
    """What the channel may sell on the slot now: 0 when closed, cancelled or deleted.

    General pool remaining plus the channel's unsold carved-out allotment units.
    """
    slot = await session.get(AvailabilitySlot, slot_id, populate_existing=True)
    if slot is None:
        return 0, "deleted"
    if slot.status in ("closed", "cancelled"):
        return 0, slot.status
    if slot.capacity_remaining is None:
        return UNLIMITED_AVAILABLE, slot.status
    held = await session.scalars(
        select(ChannelInventoryAllotmentTarget.held).where(
            ChannelInventoryAllotmentTarget.slot_id == slot_id,
            ChannelInventoryAllotmentTarget.channel_id == channel_id,
            ChannelInventoryAllotmentTarget.status == "open",
        )
    )
    return slot.capacity_remaining + sum(held.all()), slot.status


async def product_content(session: AsyncSession, product_id: str) -> dict[str, Any] | None:
    """The product as channels see it (name, options, units, prices)."""
    product = await session.get(Product, product_id, populate_existing=True)
    if product is None:
        return None
    options = (
        await session.scalars(
            select(ProductOption)
            .where(ProductOption.product_id == product_id)
            .order_by(ProductOption.id)
        )
    ).all()
    out_options = []
    for option in options:
        units = (
            await session.scalars(
                select(OptionUnit).where(OptionUnit.option_id == option.id).order_by(OptionUnit.id)
            )
        ).all()
        out_options.append(
            {
                "id": option.id,
                "name": option.name,
                "units": [
                    {
                        "id": u.id,
                        "name": u.name,
                        "category": u.category,
                        "pax": u.pax,
                        "price_minor": u.price_minor,
                        "currency": u.currency,
                    }
                    for u in units
                ],
            }
        )
    return {
        "id": product.id,
        "name": product.name,
        "status": product.status,
        "timezone": product.timezone,
        "currency": product.default_currency,
        "options": out_options,
    }


async def _product_ref(session: AsyncSession, channel_id: str, product_id: str | None) -> str:
    if not product_id:
        return ""
    ref = await session.scalar(
        select(ChannelProductMapping.external_product_id).where(
            ChannelProductMapping.channel_id == channel_id,
            ChannelProductMapping.product_id == product_id,
        )
    )
    return ref or product_id


Prepared = tuple[str, int, AvailabilityPush | ContentPush, ConnectionInfo]


async def _prepare(
    session: AsyncSession, channel_id: str, row: IntentRow, conn: ConnectionInfo
) -> tuple[Prepared | None, str]:
    """The push for one claimed row and its digest; None when there is nothing to send."""
    push: AvailabilityPush | ContentPush
    if isinstance(row, ChannelAvailabilityPushIntent):
        available, status = await available_for(session, channel_id, row.slot_id)
        slot = await session.get(AvailabilitySlot, row.slot_id)
        push = AvailabilityPush(
            slot_ref=row.slot_id,
            product_ref=await _product_ref(session, channel_id, row.product_id),
            start_at=slot.starts_at.isoformat() if slot else None,
            available=available,
            status=status,
            seq=row.seq,
        )
        return (row.id, row.seq, push, conn), payload_hash(
            {"available": available, "status": status}
        )
    assert isinstance(row, ChannelContentPushIntent)
    content = await product_content(session, row.product_id)
    digest = payload_hash(content)
    if content is None or digest == row.acked_hash:
        return None, digest
    push = ContentPush(
        product_ref=await _product_ref(session, channel_id, row.product_id),
        content=content,
        content_hash=digest,
    )
    return (row.id, row.seq, push, conn), digest


async def _claim(
    session: AsyncSession,
    flow: queue.QueueFlow,
    channel_id: str,
    batch: int,
    policy: PushPolicy,
) -> tuple[list[Prepared], int, float, bool]:
    """Claim up to `batch` due intents that got a token: (claims, skipped, wait, found any).

    Only as many subjects are read as the budget has tokens for (peeked without a lock),
    so a round that can send one push reads one subject, not `batch`; the tokens are then
    taken under the bucket's row lock, held only until this transaction commits.
    """
    now = await budget.db_now(session)
    rows = await queue.due(session, flow, channel_id, now, limit=batch)
    if not rows:
        return [], 0, 0.0, False
    hold = await connections.push_hold(session, channel_id)
    if hold is not None:  # paused, archived or unconnected: everything due stays pending
        model = queue.model_of(flow)
        await session.execute(
            update(model)
            .where(model.channel_id == channel_id, queue.is_due(model, now))
            .values(
                push_status=case(
                    (model.push_status == "in_flight", "pending"), else_=model.push_status
                ),
                claimed_at=None,
                next_attempt_at=now + timedelta(seconds=policy.held_recheck_seconds),
                last_error=hold,
            )
        )
        return [], 0, 0.0, True
    conn_row = await connections.active_connection(session, channel_id)
    assert conn_row is not None
    conn = connections.info(conn_row)
    room = max(await budget.peek_tokens(session, channel_id, flow), 1)
    ready: list[tuple[IntentRow, Prepared, str]] = []
    skipped = 0
    for row in rows:
        if len(ready) >= room:
            break
        prepared, digest = await _prepare(session, channel_id, row, conn)
        if prepared is None:  # content unchanged since the channel acknowledged it
            row.push_status, row.pushed_seq, row.last_error = "ok", row.seq, None
            row.payload_hash = digest
            skipped += 1
            continue
        ready.append((row, prepared, digest))
    if not ready:
        return [], skipped, 0.0, True
    # The shared bucket row is locked only from here to the commit, never while reading.
    granted, wait = await budget.take_tokens(session, channel_id, flow, len(ready))
    for row, _, digest in ready[:granted]:
        row.push_status, row.claimed_at, row.payload_hash = "in_flight", now, digest
    return [p for _, p, _ in ready[:granted]], skipped, wait.total_seconds(), True


async def _record(
    session: AsyncSession,
    flow: queue.QueueFlow,
    channel_id: str,
    prepared: Prepared,
    outcome: PushOutcome,
    policy: PushPolicy,
) -> tuple[float, int | None]:
    """Apply the outcome: (seconds to wait (a 429) else 0, the lag of a landed push)."""
    intent_id, seq, push, conn = prepared
    row = await queue.lock(session, flow, intent_id)
    now = await budget.db_now(session)
    if outcome.kind != "rate_limited":
        row.attempts += 1
    ok = outcome.kind == "ok"
    lag_ms = int((now - row.requested_at).total_seconds() * 1000) if ok else None
    log_delivery(
        session,
        channel_id=channel_id,
        connection_id=conn.id,
        flow=flow,
        subject_id=intent_id,
        attempt=row.attempts,
        exchange=outcome.exchange,
        outcome=outcome.kind,
        lag_ms=lag_ms,
    )
    row.claimed_at = None
    if ok:
        row.pushed_seq, row.last_pushed_at, row.last_error = seq, now, None
        if isinstance(push, AvailabilityPush):
            row.pushed_available = push.available  # type: ignore[union-attr]
        else:
            row.acked_hash = push.content_hash  # type: ignore[union-attr]
        if row.seq > seq:  # a newer change arrived while this one was in flight
            row.push_status, row.attempts, row.requested_at = "pending", 0, now
            row.next_attempt_at = now
        else:
            row.push_status, row.attempts = "ok", 0
        return 0.0, lag_ms
    row.last_error = outcome.error
    if outcome.kind == "rate_limited":
        row.push_status = "pending"
        until = await budget.drain_for_retry_after(session, channel_id, outcome.retry_after)
        return max((until - now).total_seconds(), 0.0), None
    if outcome.kind == "rejected" or exhausted(policy, row.attempts):
        row.push_status = "abandoned"
        raise_abandoned(
            session, channel_id=channel_id, flow=flow, subject_id=intent_id, error=outcome.error
        )
        return 0.0, None
    row.push_status = "failed"
    row.next_attempt_at = now + timedelta(seconds=backoff_seconds(policy, row.attempts))
    return 0.0, None


async def _push_one(
    factory: async_sessionmaker[AsyncSession],
    registry: AdapterRegistry,
    flow: queue.QueueFlow,
    channel_id: str,
    prepared: Prepared,
    policy: PushPolicy,
    on_lag: LagObserver | None,
) -> float:
    adapter = registry.for_connection(prepared[3])
    push = prepared[2]
    if isinstance(push, AvailabilityPush):
        outcome = await adapter.push_availability(push)
    else:
        outcome = await adapter.push_content(push)
    async with unit_of_work(factory) as session:
        wait, lag_ms = await _record(session, flow, channel_id, prepared, outcome, policy)
    if on_lag is not None and lag_ms is not None:
        on_lag(channel_id, flow, lag_ms / 1000)
    return wait


async def drain(
    factory: async_sessionmaker[AsyncSession],
    registry: AdapterRegistry,
    flow: queue.QueueFlow,
    channel_id: str,
    policy: PushPolicy,
    *,
    max_items: int = 200,
    max_seconds: float = 10.0,
    batch: int = 10,
    max_inline_wait: float = MAX_INLINE_WAIT,
    on_lag: LagObserver | None = None,
) -> DrainResult:
    """Push due intents until nothing is due, a long wait is needed, or the run is done.

    Each round claims up to `batch` intents and as many tokens as the budget has, then
    pushes those concurrently (different slots: their order does not matter; one slot is
    never in flight twice). A denial up to `max_inline_wait` seconds is slept here.
    `on_lag` hears each landed push's lag once its record is committed.
    """
    started = clock.monotonic()
    pushed = skipped = 0
    while pushed + skipped < max_items and clock.monotonic() - started < max_seconds:
        async with unit_of_work(factory) as session:
            claims, passed, wait, found = await _claim(session, flow, channel_id, batch, policy)
        skipped += passed
        if not found:
            return await _idle(factory, flow, channel_id, pushed, skipped)
        if not claims:
            if wait > max_inline_wait:
                return DrainResult(pushed, skipped, True, wait, None)
            if wait > 0:
                await asyncio.sleep(wait)
            continue
        waits = await asyncio.gather(
            *(_push_one(factory, registry, flow, channel_id, p, policy, on_lag) for p in claims)
        )
        pushed += len(claims)
        if max(waits) > 0:
            return DrainResult(pushed, skipped, True, max(waits), None)
    return DrainResult(pushed, skipped, True, 0.0, None)


async def _idle(
    factory: async_sessionmaker[AsyncSession],
    flow: queue.QueueFlow,
    channel_id: str,
    pushed: int,
    skipped: int,
) -> DrainResult:
    async with unit_of_work(factory) as session:
        at = await queue.next_due_at(session, flow, channel_id)
        now = await budget.db_now(session)
    next_in = max((at - now).total_seconds(), 0.0) if at is not None else None
    return DrainResult(pushed, skipped, False, 0.0, next_in)
