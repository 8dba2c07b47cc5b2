"""tourflow's Prometheus series, the hooks other modules call, and on-scrape backlog gauges.

Series (all in the default registry, so process metrics come along):

- `tourflow_http_request_duration_seconds{method,route,status}`: API latency by route
  template (`/v1/bookings/{booking_id}`), never by raw path.
- `tourflow_workflow_outcomes_total{workflow_type,outcome}`: completed, failed, cancelled,
  continued_as_new, task_failed (a bug: Temporal retries the workflow task).
- `tourflow_activity_outcomes_total{activity_type,outcome}`: completed, failed, cancelled.
- `tourflow_channel_push_lag_seconds{channel_id,kind}`: from the change to the channel's
  acknowledgement, observed by the channel push activities (`observe_push_lag`).
- `tourflow_channel_rate_tokens{channel_id}`: tokens in a channel's shared rate bucket
  (`channel_rate_buckets`, read when scraped; `set_rate_tokens` for other budgets).
- `tourflow_channel_push_last_lag_seconds{channel_id}`: lag of the channel's most recent
  successful push (`channel_deliveries.lag_ms`, read when scraped).
- `tourflow_outbox_backlog{status}` / `tourflow_outbox_oldest_pending_seconds`: events not
  yet fanned out (`unfanned`) and deliveries waiting for their subscriber (`pending`), read
  from PostgreSQL when scraped.
- `tourflow_intent_backlog{status}` / `tourflow_intent_oldest_pending_seconds`: pending
  workflow intents, read from PostgreSQL when scraped.
"""

from __future__ import annotations

import logging

from prometheus_client import Counter, Gauge, Histogram
from sqlalchemy import text
from sqlalchemy.exc import ProgrammingError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

log = logging.getLogger(__name__)

HTTP_LATENCY = Histogram(
    "tourflow_http_request_duration_seconds",
    "API request latency by route template.",
    ("method", "route", "status"),
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0),
)
WORKFLOW_OUTCOMES = Counter(
    "tourflow_workflow_outcomes",
    "Workflow executions finished in this worker process, by type and outcome.",
    ("workflow_type", "outcome"),
)
ACTIVITY_OUTCOMES = Counter(
    "tourflow_activity_outcomes",
    "Activity attempts finished in this worker process, by type and outcome.",
    ("activity_type", "outcome"),
)
PUSH_LAG = Histogram(
    "tourflow_channel_push_lag_seconds",
    "Seconds from a change to the channel accepting its push, per channel and push kind.",
    ("channel_id", "kind"),
    buckets=(0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 300.0, 900.0),
)
RATE_TOKENS = Gauge(
    "tourflow_channel_rate_tokens",
    "Tokens left in a channel's rate budget when last taken or refilled.",
    ("channel_id",),
)
PUSH_LAST_LAG = Gauge(
    "tourflow_channel_push_last_lag_seconds",
    "Lag of the channel's most recent successful push (change requested to acknowledged).",
    ("channel_id",),
)
OUTBOX_BACKLOG = Gauge(
    "tourflow_outbox_backlog",
    "Outbox work waiting: unfanned events, pending deliveries.",
    ("status",),
)
OUTBOX_OLDEST = Gauge(
    "tourflow_outbox_oldest_pending_seconds", "Age of the oldest unfanned event or delivery."
)
INTENT_BACKLOG = Gauge(
    "tourflow_intent_backlog", "Workflow intents not yet accepted by Temporal.", ("status",)
)
INTENT_OLDEST = Gauge(
    "tourflow_intent_oldest_pending_seconds", "Age of the oldest pending workflow intent."
)


def observe_push_lag(channel_id: str, kind: str, seconds: float) -> None:
    """Record how long a change took to reach a channel (kind: booking, availability, content).

    The channel push activities call it for every landed push (a `LagObserver`)."""
    PUSH_LAG.labels(channel_id=channel_id, kind=kind).observe(max(seconds, 0.0))


def set_rate_tokens(channel_id: str, tokens: float) -> None:
    """Record the tokens left in a channel's rate budget."""
    RATE_TOKENS.labels(channel_id=channel_id).set(tokens)


# Both queries only touch rows under the partial `status = 'pending'` indexes, so a scrape
# stays cheap however large the delivered history grows.
_UNFANNED_SQL = text(
    "SELECT count(*), coalesce(extract(epoch FROM now() - min(created_at)), 0) "
    "FROM outbox_events WHERE fanned_out_at IS NULL"
)
_OUTBOX_SQL = text(
    "SELECT count(*), coalesce(extract(epoch FROM now() - min(created_at)), 0) "
    "FROM outbox_deliveries WHERE status = 'pending'"
)
_INTENT_SQL = text(
    "SELECT count(*), coalesce(extract(epoch FROM now() - min(created_at)), 0) "
    "FROM workflow_intents WHERE status = 'pending'"
)


async def refresh_backlog(factory: async_sessionmaker[AsyncSession]) -> None:
    """Read the outbox and intent backlogs from PostgreSQL into their gauges."""
    async with factory() as session:
        unfanned = (await session.execute(_UNFANNED_SQL)).one()
        outbox = (await session.execute(_OUTBOX_SQL)).one()
        intents = (await session.execute(_INTENT_SQL)).one()
    OUTBOX_BACKLOG.labels(status="unfanned").set(unfanned[0])
    OUTBOX_BACKLOG.labels(status="pending").set(outbox[0])
    OUTBOX_OLDEST.set(max(float(unfanned[1]), float(outbox[1])))
    INTENT_BACKLOG.labels(status="pending").set(intents[0])
    INTENT_OLDEST.set(float(intents[1]))


# One row per channel; the lag lookup walks ix_channel_deliveries_channel_created backwards.
_TOKENS_SQL = text("SELECT channel_id, tokens FROM channel_rate_buckets")
_LAST_LAG_SQL = text(
    "SELECT c.id, d.lag_ms FROM channels c CROSS JOIN LATERAL ("
    " SELECT lag_ms FROM channel_deliveries WHERE channel_id = c.id AND lag_ms IS NOT NULL"
    " ORDER BY created_at DESC LIMIT 1) d"
)


async def refresh_channels(factory: async_sessionmaker[AsyncSession]) -> None:
    """Read each channel's rate-bucket tokens and latest push lag into their gauges.

    A database without the channel tables (an older schema) just yields no series.
    """
    try:
        async with factory() as session:
            tokens = (await session.execute(_TOKENS_SQL)).all()
            lags = (await session.execute(_LAST_LAG_SQL)).all()
    except ProgrammingError as exc:
        log.debug("channel gauges skipped", extra={"error": str(exc.orig)})
        return
    for channel_id, value in tokens:
        RATE_TOKENS.labels(channel_id=channel_id).set(float(value))
    for channel_id, lag_ms in lags:
        PUSH_LAST_LAG.labels(channel_id=channel_id).set(lag_ms / 1000)
