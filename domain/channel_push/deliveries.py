"""The outbound delivery log: one row per HTTP attempt, redacted before it is stored."""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy.ext.asyncio import AsyncSession

from adapters.channels.base import Exchange
from adapters.channels.redaction import redact_body, redact_headers
from domain.channel_push.models import ChannelDelivery

# Told (channel_id, flow, seconds) after a successful push's record commits: how long the
# change took to reach the channel (the worker feeds its push-lag histogram with it).
LagObserver = Callable[[str, str, float], None]


def log_delivery(
    session: AsyncSession,
    *,
    channel_id: str,
    connection_id: str | None,
    flow: str,
    subject_id: str,
    attempt: int,
    exchange: Exchange,
    outcome: str,
    lag_ms: int | None = None,
) -> ChannelDelivery:
    """Add the attempt to the log (auth headers and traveller PII redacted)."""
    row = ChannelDelivery(
        channel_id=channel_id,
        connection_id=connection_id,
        flow=flow,
        subject_id=subject_id,
        attempt=attempt,
        method=exchange.method,
        url=exchange.url[:1000],
        request_headers=redact_headers(exchange.request_headers),
        request_body=redact_body(exchange.request_body),
        status_code=exchange.status_code,
        response_body=redact_body(exchange.response_body),
        outcome=outcome,
        error=exchange.error,
        duration_ms=exchange.duration_ms,
        lag_ms=lag_ms,
    )
    session.add(row)
    return row
