"""Inbound channel webhooks: verify (HMAC-SHA256), log once per event id, process.

Receiving writes the `channel_webhook_events` row and the intent for the
`channel-webhook:{eventId}` workflow in one transaction; a replayed external event id
finds the existing row and starts nothing. Processing happens in that workflow's
activity (`process_event`), which moves the row to processed, failed or ignored.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import or_, select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from domain.bookings import service as bookings
from domain.bookings.models import Booking
from domain.db import AfterCommit, unit_of_work
from domain.distribution.channels import get_channel
from domain.distribution.models import (
    BookingDistributionDetails,
    ChannelBookingLink,
    ChannelWebhookEvent,
)
from domain.errors import BadRequest, DomainError, Unauthorized
from domain.ids import new_id
from domain.intents.service import IntentSpec, write_intent

SIGNATURE_HEADER = "X-Tourflow-Signature"
WORKFLOW = "ChannelWebhook"
CANCELLED = "booking.cancelled"


def workflow_id(event_id: str) -> str:
    return f"channel-webhook:{event_id}"


def sign(secret: str, body: bytes) -> str:
    """The header value a channel sends: `sha256=<hex of HMAC-SHA256(secret, raw body)>`."""
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def signature_ok(secret: str | None, body: bytes, header: str | None) -> bool:
    """Constant-time comparison against the expected signature (pure)."""
    if not secret or not header:
        return False
    # Bytes, not str: compare_digest raises TypeError on non-ASCII text (a 500).
    given = header.strip().encode("utf-8", errors="surrogatepass")
    return hmac.compare_digest(sign(secret, body).encode(), given)


@dataclass(frozen=True)
class Received:
    event: ChannelWebhookEvent
    duplicate: bool


def parse_body(body: bytes) -> tuple[str, str, dict[str, Any]]:
    """`{"id": ..., "type": ..., "data": {...}}` or 400 `invalid_webhook_payload`."""
    try:
        doc = json.loads(body)
    except (ValueError, UnicodeDecodeError) as exc:
        raise BadRequest("invalid_webhook_payload", "the body is not JSON") from exc
    if not isinstance(doc, dict):
        raise BadRequest("invalid_webhook_payload", "the body must be a JSON object")
    try:  # JSON may escape lone surrogates, which no UTF-8 column or JSONB can hold
        json.dumps(doc, ensure_ascii=False).encode("utf-8")
    except UnicodeEncodeError as exc:
        raise BadRequest("invalid_webhook_payload", "the body holds invalid unicode") from exc
    event_id, event_type, data = doc.get("id"), doc.get("type"), doc.get("data", {})
    if not isinstance(event_id, str) or not 1 <= len(event_id) <= 200 or "\x00" in event_id:
        raise BadRequest("invalid_webhook_payload", "id must be a string of 1-200 characters")
    if not isinstance(event_type, str) or not 1 <= len(event_type) <= 80:
        raise BadRequest("invalid_webhook_payload", "type must be a string of 1-80 characters")
    if not isinstance(data, dict) or "\\u0000" in json.dumps(data):
        raise BadRequest("invalid_webhook_payload", "data must be a JSON object")
    return event_id, event_type, data


async def receive(
    session: AsyncSession,
    *,
    channel_id: str,
    body: bytes,
    signature: str | None,
    task_queue: str,
) -> Received:
    """Verify, then log the event once and start its workflow; replays return the first."""
    channel = await get_channel(session, channel_id)
    if not signature_ok(channel.webhook_secret, body, signature):
        raise Unauthorized(
            "invalid_signature", f"{SIGNATURE_HEADER} does not match the channel's secret"
        )
    external_id, event_type, data = parse_body(body)
    row_id = await session.scalar(
        insert(ChannelWebhookEvent)
        .values(
            id=new_id(ChannelWebhookEvent.id_prefix),
            channel_id=channel.id,
            external_event_id=external_id,
            event_type=event_type,
            status="pending",
            payload=data,
        )
        .on_conflict_do_nothing(index_elements=["channel_id", "external_event_id"])
        .returning(ChannelWebhookEvent.id)
    )
    duplicate = row_id is None
    event = await session.scalar(
        select(ChannelWebhookEvent).where(
            ChannelWebhookEvent.channel_id == channel.id,
            ChannelWebhookEvent.external_event_id == external_id,
        )
    )
    assert event is not None
    if not duplicate:
        await write_intent(
            session,
            IntentSpec(
                workflow_type=WORKFLOW,
                workflow_id=workflow_id(event.id),
                task_queue=task_queue,
                input={"event_id": event.id},
                search_attributes={"ChannelId": channel.id},
            ),
        )
    return Received(event=event, duplicate=duplicate)


@dataclass(frozen=True)
class Processed:
    status: str
    outcome: str | None = None
    error: str | None = None


async def _local_booking(
    session: AsyncSession, channel_id: str, data: dict[str, Any]
) -> Booking | None:
    """The local booking a channel event names: by the channel's booking id/reference,
    or by our id when the booking came from (or was pushed to) this channel."""
    ext = data.get("external_booking_id") or data.get("external_reference")
    if isinstance(ext, str):
        booking_id = await session.scalar(
            select(ChannelBookingLink.booking_id).where(
                ChannelBookingLink.channel_id == channel_id,
                or_(
                    ChannelBookingLink.external_booking_id == ext,
                    ChannelBookingLink.external_reference == ext,
                ),
            )
        )
        if booking_id is not None:
            return await session.get(Booking, booking_id)
    local = data.get("booking_id")
    if not isinstance(local, str):
        return None
    linked = await session.scalar(
        select(ChannelBookingLink.id).where(
            ChannelBookingLink.channel_id == channel_id, ChannelBookingLink.booking_id == local
        )
    ) or await session.scalar(
        select(BookingDistributionDetails.id).where(
            BookingDistributionDetails.source_channel_id == channel_id,
            BookingDistributionDetails.booking_id == local,
        )
    )
    return await session.get(Booking, local) if linked else None


async def _cancel(
    session: AsyncSession, event: ChannelWebhookEvent, task_queue: str
) -> tuple[str, str]:
    booking = await _local_booking(session, event.channel_id, event.payload)
    if booking is None:
        raise _Failed("booking_not_found", "no local booking of this channel matches the event")
    event.booking_id = booking.id
    await session.execute(
        update(ChannelBookingLink)
        .where(
            ChannelBookingLink.channel_id == event.channel_id,
            ChannelBookingLink.booking_id == booking.id,
        )
        .values(external_status="cancelled")
    )
    if booking.status == "cancelled":
        return "processed", f"booking {booking.id} was already cancelled"
    ctx = bookings.Context(actor_id=f"channel:{event.channel_id}", task_queue=task_queue)
    try:
        async with session.begin_nested():
            await bookings.change_status(
                session, booking_id=booking.id, target="cancelled", ctx=ctx
            )
    except DomainError as exc:
        raise _Failed(exc.code, exc.message) from exc
    return "processed", f"booking {booking.id} cancelled"


class _Failed(Exception):
    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.text = f"{code}: {message}"


async def process_event(
    factory: async_sessionmaker[AsyncSession],
    *,
    event_id: str,
    task_queue: str,
    after_commit: AfterCommit | None = None,
) -> Processed:
    """Apply one event in one transaction; a non-pending event is returned untouched."""
    async with unit_of_work(factory, after_commit=after_commit) as session:
        event = await session.scalar(
            select(ChannelWebhookEvent)
            .where(ChannelWebhookEvent.id == event_id)
            .with_for_update()
            .execution_options(populate_existing=True)
        )
        if event is None:
            return Processed(status="failed", error="event_not_found")
        if event.status != "pending":
            return Processed(status=event.status, outcome=event.outcome, error=event.error)
        try:
            if event.event_type == CANCELLED:
                event.status, event.outcome = await _cancel(session, event, task_queue)
            else:
                event.status, event.outcome = "ignored", f"no handler for {event.event_type}"
        except _Failed as exc:
            event.status, event.error = "failed", exc.text
        event.processed_at = datetime.now(UTC)
        await session.flush()
        return Processed(status=event.status, outcome=event.outcome, error=event.error)


async def mark_failed(
    factory: async_sessionmaker[AsyncSession], *, event_id: str, error: str
) -> Processed:
    """Processing gave up (retries exhausted): a still-pending event becomes `failed` with
    the error, so staff see it instead of a row pending forever."""
    async with unit_of_work(factory) as session:
        event = await session.scalar(
            select(ChannelWebhookEvent)
            .where(ChannelWebhookEvent.id == event_id)
            .with_for_update()
            .execution_options(populate_existing=True)
        )
        if event is None:
            return Processed(status="failed", error="event_not_found")
        if event.status == "pending":
            event.status, event.error = "failed", f"gave_up: {error}"[:2000]
            event.processed_at = datetime.now(UTC)
            await session.flush()
        return Processed(status=event.status, outcome=event.outcome, error=event.error)
