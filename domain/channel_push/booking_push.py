"""One attempt at pushing (or cancelling, or compensating) one booking link.

Three steps, each short: (1) lock the link, check it still needs work, take a token
from the channel's shared budget and mark it `in_flight` - commit; (2) one HTTP call
through the connection's adapter, outside any transaction; (3) record the outcome and
the delivery-log row - commit. A short token wait (up to `MAX_INLINE_WAIT` in all) is
slept here, between transactions, and step (1) is retried at the moment the next token
is due; a longer one (an upstream 429's Retry-After) goes back to the workflow as a
durable timer. Temporal fires timers on whole seconds (measured on the dev server: a
10 ms timer fired about 1 s later), so a booking sleeping on one for its next token
would wake long after the token went to the availability backlog.
"""

from __future__ import annotations

import asyncio
from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Literal

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from adapters.channels.base import BookingPush, PushOutcome
from adapters.channels.registry import AdapterRegistry, ConnectionInfo
from domain.availability.models import AvailabilitySlot
from domain.bookings.models import Booking, BookingItem, BookingTraveller
from domain.channel_push import budget, connections
from domain.channel_push.deliveries import LagObserver, log_delivery
from domain.channel_push.policy import ABANDONED_EVENT, payload_hash
from domain.db import unit_of_work
from domain.distribution.models import ChannelBookingLink, ChannelContract, ChannelProductMapping
from domain.outbox.record import record_event

LinkAction = Literal["push", "cancel", "compensate"]
ResultKind = Literal["ok", "retry", "wait", "rejected", "skip"]
# The `status` of a `wait` while the channel is paused, archived or unconnected.
HELD = "held"
# The `status` of a `wait` for a rate token.
BUDGET = "budget"
# Token waits up to this long in all are slept inside one attempt (see the docstring).
MAX_INLINE_WAIT = 2.0


@dataclass(frozen=True, slots=True)
class LinkAttempt:
    """What happened: `wait` (no token / 429 / link busy / channel held) never counts as
    an attempt; a held channel's wait has status `held` and the workflow backs off; a
    token wait has status `budget` (returned when it is not slept inline)."""

    kind: ResultKind
    wait_seconds: float = 0.0
    error: str | None = None
    status: str | None = None
    lag_ms: int | None = None  # a landed push: from the booking link's creation


async def _lock_link(session: AsyncSession, link_id: str) -> ChannelBookingLink | None:
    link: ChannelBookingLink | None = await session.scalar(
        select(ChannelBookingLink)
        .where(ChannelBookingLink.id == link_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    return link


async def _booking_payload(session: AsyncSession, link: ChannelBookingLink) -> BookingPush | None:
    booking = await session.get(Booking, link.booking_id)
    item = await session.get(BookingItem, link.booking_item_id) if link.booking_item_id else None
    if booking is None or item is None or item.product_id is None:
        return None
    mapping = await session.scalar(
        select(ChannelProductMapping).where(
            ChannelProductMapping.channel_id == link.channel_id,
            ChannelProductMapping.product_id == item.product_id,
        )
    )
    if mapping is None:
        return None
    slot = await session.get(AvailabilitySlot, item.slot_id) if item.slot_id else None
    lead = await session.scalar(
        select(BookingTraveller)
        .where(BookingTraveller.booking_id == booking.id)
        .order_by(BookingTraveller.is_lead.desc(), BookingTraveller.id)
        .limit(1)
    )
    contact = (
        {"first_name": lead.first_name, "last_name": lead.last_name, "email": lead.email}
        if lead is not None
        else None
    )
    return BookingPush(
        idempotency_key=link.idempotency_key,
        reference=booking.number,
        product_ref=mapping.external_product_id,
        rate_ref=mapping.external_rate_id,
        slot_ref=item.slot_id,
        start_at=slot.starts_at.isoformat() if slot else None,
        pax=item.pax or item.quantity,
        amount_minor=item.sell_amount_minor * item.quantity,  # the item total, not per unit
        currency=item.sell_currency,
        contact=contact,
    )


def raise_abandoned(
    session: AsyncSession,
    *,
    channel_id: str,
    flow: str,
    subject_id: str,
    error: str | None,
    **extra: object,
) -> None:
    """The alert: an outbox event operators (and alerting subscribers) see."""
    record_event(
        session,
        aggregate_type="channel",
        aggregate_id=channel_id,
        event_type=ABANDONED_EVENT,
        payload={
            "channel_id": channel_id,
            "flow": flow,
            "subject_id": subject_id,
            "error": error,
            **extra,
        },
    )


async def abandon_link(
    factory: async_sessionmaker[AsyncSession], link_id: str, reason: str | None
) -> None:
    """Give up on a link visibly: `abandoned` + the alert event (idempotent)."""
    async with unit_of_work(factory) as session:
        link = await _lock_link(session, link_id)
        if link is None or link.push_status in ("ok", "abandoned", "compensated"):
            return
        link.push_status = "abandoned"
        link.last_error = reason or link.last_error
        raise_abandoned(
            session,
            channel_id=link.channel_id,
            flow="booking",
            subject_id=link.id,
            error=link.last_error,
            booking_id=link.booking_id,
        )


async def _prepare(
    session: AsyncSession, link_id: str, action: LinkAction
) -> tuple[
    LinkAttempt | None, ChannelBookingLink | None, ConnectionInfo | None, BookingPush | None
]:
    link = await _lock_link(session, link_id)
    if link is None:
        return LinkAttempt("skip", error="link_not_found"), None, None, None
    if action == "push":
        if link.push_status in ("ok", "abandoned", "compensated"):
            return LinkAttempt("skip", status=link.push_status), None, None, None
        booking = await session.get(Booking, link.booking_id)
        if booking is not None and booking.status == "cancelled":
            link.push_status = "compensated"
            link.last_error = "booking cancelled before it reached the channel"
            return LinkAttempt("skip", status="compensated"), None, None, None
    else:
        if link.external_status == "cancelled" or link.push_status in ("abandoned", "compensated"):
            return LinkAttempt("skip", status=link.push_status), None, None, None
        if link.external_booking_id is None:
            if link.push_status == "ok":
                return LinkAttempt("skip", status="ok"), None, None, None
            # Its push is still running: wait for it to land (or to see the cancellation).
            return (
                LinkAttempt("wait", wait_seconds=1.0, error="push still in progress"),
                None,
                None,
                None,
            )
    hold = await connections.push_hold(session, link.channel_id)
    if hold is not None:  # paused, archived, unconnected: the link stays as it is
        link.last_error = hold
        return LinkAttempt("wait", error=hold, status=HELD), None, None, None
    conn = await connections.active_connection(session, link.channel_id)
    assert conn is not None
    payload = await _booking_payload(session, link) if action == "push" else None
    if action == "push" and payload is None:
        return (
            LinkAttempt("rejected", error="booking item or product mapping missing"),
            None,
            None,
            None,
        )
    decision = await budget.take_token(session, link.channel_id, "booking")
    if not decision.granted:
        wait = decision.wait.total_seconds()
        return LinkAttempt("wait", wait_seconds=wait, status=BUDGET), None, None, None
    if action == "push":
        assert payload is not None
        link.push_status = "in_flight"
        link.payload_hash = payload_hash(asdict(payload))
    return None, link, connections.info(conn), payload


async def attempt_link(
    factory: async_sessionmaker[AsyncSession],
    registry: AdapterRegistry,
    link_id: str,
    action: LinkAction,
    *,
    max_inline_wait: float = MAX_INLINE_WAIT,
    inline_slots: asyncio.Semaphore | None = None,
    on_lag: LagObserver | None = None,
) -> LinkAttempt:
    """One attempt of `action` on the link (see the module docstring).

    `inline_slots` bounds how many attempts of this process sleep out a token wait at
    once (each holds a worker's activity slot); past it, the wait goes to the workflow.
    """
    slots = inline_slots if inline_slots is not None else asyncio.Semaphore(1)
    waited = 0.0
    while True:
        async with unit_of_work(factory) as session:
            early, link, conn, payload = await _prepare(session, link_id, action)
            if early is None:
                assert link is not None and conn is not None
                external_id, channel_id, created_at = (
                    link.external_booking_id,
                    link.channel_id,
                    link.created_at,
                )
                break
        if early.status != BUDGET or waited + early.wait_seconds > max_inline_wait:
            return early
        if slots.locked():
            return early
        async with slots:  # the bucket marked our demand: lower classes yield meanwhile
            await asyncio.sleep(early.wait_seconds)
        waited += early.wait_seconds
    adapter = registry.for_connection(conn)
    if action == "push":
        assert payload is not None
        outcome = await adapter.push_booking(payload)
    else:
        assert external_id is not None
        outcome = await adapter.cancel_booking(external_id)
    result = await _record(factory, link_id, channel_id, conn.id, action, outcome, created_at)
    if on_lag is not None and result.lag_ms is not None:
        on_lag(channel_id, "booking", result.lag_ms / 1000)
    return result


async def _record(
    factory: async_sessionmaker[AsyncSession],
    link_id: str,
    channel_id: str,
    connection_id: str,
    action: LinkAction,
    outcome: PushOutcome,
    requested_at: datetime,
) -> LinkAttempt:
    async with unit_of_work(factory) as session:
        link = await _lock_link(session, link_id)
        assert link is not None
        now = await budget.db_now(session)
        counts = outcome.kind != "rate_limited"
        if counts:
            link.attempts += 1
        lag_ms = int((now - requested_at).total_seconds() * 1000) if outcome.kind == "ok" else None
        log_delivery(
            session,
            channel_id=channel_id,
            connection_id=connection_id,
            flow="booking" if action == "push" else "cancel",
            subject_id=link_id,
            attempt=link.attempts,
            exchange=outcome.exchange,
            outcome=outcome.kind,
            lag_ms=lag_ms if action == "push" else None,
        )
        if outcome.kind == "ok":
            link.last_error = None
            link.last_synced_at = now
            if action == "push":
                link.push_status = "ok"
                link.external_booking_id = outcome.external_id or link.external_booking_id
                link.external_status = outcome.external_status
            else:
                link.external_status = "cancelled"
                if action == "compensate":
                    link.push_status = "compensated"
            return LinkAttempt(
                "ok", status=link.push_status, lag_ms=lag_ms if action == "push" else None
            )
        link.last_error = outcome.error
        if action == "push":
            link.push_status = "failed"
        if outcome.kind == "rate_limited":
            until = await budget.drain_for_retry_after(session, channel_id, outcome.retry_after)
            return LinkAttempt(
                "wait", wait_seconds=max((until - now).total_seconds(), 0.0), error=outcome.error
            )
        if outcome.kind == "rejected":
            return LinkAttempt("rejected", error=outcome.error)
        return LinkAttempt("retry", error=outcome.error)


async def compensation_policy(session: AsyncSession, channel_id: str) -> str:
    """The channel's active contract's compensation policy (default eventually_consistent)."""
    policy = await session.scalar(
        select(ChannelContract.compensation_policy)
        .where(ChannelContract.channel_id == channel_id, ChannelContract.status == "active")
        .order_by(ChannelContract.valid_from.desc().nulls_last(), ChannelContract.id.desc())
        .limit(1)
    )
    return policy or "eventually_consistent"


async def links_to_work(
    factory: async_sessionmaker[AsyncSession], booking_id: str, channel_id: str, action: str
) -> tuple[list[str], str]:
    """The booking's outbound link ids on the channel that `action` applies to, and the
    channel's compensation policy."""
    async with unit_of_work(factory) as session:
        policy = await compensation_policy(session, channel_id)
        q = select(ChannelBookingLink.id).where(
            ChannelBookingLink.booking_id == booking_id,
            ChannelBookingLink.channel_id == channel_id,
            ChannelBookingLink.direction == "outbound",
        )
        if action == "push":
            q = q.where(ChannelBookingLink.push_status.in_(("pending", "in_flight", "failed")))
        else:
            q = q.where(ChannelBookingLink.push_status.not_in(("abandoned", "compensated")))
        return list((await session.scalars(q.order_by(ChannelBookingLink.id))).all()), policy
