"""Channel push tables: connections, push intents, the shared rate buckets, the delivery log.

Push state on booking links lives on `channel_booking_links` (distribution core). The
availability and content intents carry the same state (status, attempts, last error,
payload hash); a content intent is one per (channel, product), i.e. one per mapping, and
holds the mapping's acknowledged content hash.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    Double,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from domain.base import Base, Timestamps, TypeIdPk

PUSH_STATUSES = ("pending", "in_flight", "ok", "failed", "compensated", "abandoned")
FLOWS = ("booking", "cancel", "availability", "content", "report")


class ChannelConnection(TypeIdPk, Timestamps, Base):
    """How tourflow reaches one channel: adapter kind, base URL and secret.

    The adapter registry is keyed by this row (its id and `updated_at`).
    """

    __tablename__ = "channel_connections"
    id_prefix = "chcx"

    channel_id: Mapped[str] = mapped_column(
        ForeignKey("channels.id", ondelete="CASCADE"), unique=True
    )
    adapter_kind: Mapped[str] = mapped_column(String(32), server_default="http")
    base_url: Mapped[str] = mapped_column(String(500))
    secret: Mapped[str | None] = mapped_column(String(500))
    status: Mapped[str] = mapped_column(String(16), server_default="active")

    __table_args__ = (CheckConstraint("status IN ('active', 'disabled')", name="status"),)


class ChannelRateBucket(TypeIdPk, Timestamps, Base):
    """The per-channel token bucket every worker process shares (one row per channel).

    Rate and burst are not stored: they are read live (contract override, else the
    channel's default) on every take. `*_demand_until` mark a higher-priority class
    waiting for a token; lower classes yield until then. `blocked_until` is set by an
    upstream 429's Retry-After.
    """

    __tablename__ = "channel_rate_buckets"
    id_prefix = "chrb"

    channel_id: Mapped[str] = mapped_column(
        ForeignKey("channels.id", ondelete="CASCADE"), unique=True
    )
    tokens: Mapped[float] = mapped_column(Double)
    refilled_at: Mapped[datetime]
    blocked_until: Mapped[datetime | None]
    booking_demand_until: Mapped[datetime | None]
    availability_demand_until: Mapped[datetime | None]
    granted: Mapped[int] = mapped_column(BigInteger, server_default="0")


class _PushState:
    push_status: Mapped[str] = mapped_column(String(16), server_default="pending")
    attempts: Mapped[int] = mapped_column(Integer, server_default="0")
    last_error: Mapped[str | None] = mapped_column(Text)
    payload_hash: Mapped[str | None] = mapped_column(String(128))
    seq: Mapped[int] = mapped_column(BigInteger, server_default="0")
    pushed_seq: Mapped[int | None] = mapped_column(BigInteger)
    changes: Mapped[int] = mapped_column(Integer, server_default="0")
    requested_at: Mapped[datetime] = mapped_column(server_default=text("now()"))
    next_attempt_at: Mapped[datetime] = mapped_column(server_default=text("now()"))
    claimed_at: Mapped[datetime | None]
    last_pushed_at: Mapped[datetime | None]


class ChannelAvailabilityPushIntent(_PushState, TypeIdPk, Timestamps, Base):
    """One slot's availability owed to one channel; repeated changes bump `seq` and collapse.

    `seq` is the outbox sequence of the latest known change; a push is `ok` only when
    the pushed state was read at that `seq` or later, else it stays pending.
    """

    __tablename__ = "channel_availability_push_intents"
    id_prefix = "chai"

    channel_id: Mapped[str] = mapped_column(ForeignKey("channels.id", ondelete="CASCADE"))
    slot_id: Mapped[str] = mapped_column(String(90))
    product_id: Mapped[str | None] = mapped_column(String(90))
    pushed_available: Mapped[int | None] = mapped_column(Integer)

    __table_args__ = (
        UniqueConstraint("channel_id", "slot_id"),
        CheckConstraint(f"push_status IN {PUSH_STATUSES!r}", name="push_status"),
        Index(
            "ix_channel_availability_push_intents_due",
            "channel_id",
            "next_attempt_at",
            postgresql_where=text("push_status IN ('pending', 'failed')"),
        ),
    )


class ChannelContentPushIntent(_PushState, TypeIdPk, Timestamps, Base):
    """One product's content owed to one channel (its mapping's push state).

    `acked_hash` is the content hash the channel last acknowledged: an unchanged hash is
    never pushed again.
    """

    __tablename__ = "channel_content_push_intents"
    id_prefix = "chci"

    channel_id: Mapped[str] = mapped_column(ForeignKey("channels.id", ondelete="CASCADE"))
    product_id: Mapped[str] = mapped_column(String(90))
    acked_hash: Mapped[str | None] = mapped_column(String(128))

    __table_args__ = (
        UniqueConstraint("channel_id", "product_id"),
        CheckConstraint(f"push_status IN {PUSH_STATUSES!r}", name="push_status"),
        Index(
            "ix_channel_content_push_intents_due",
            "channel_id",
            "next_attempt_at",
            postgresql_where=text("push_status IN ('pending', 'failed')"),
        ),
    )


class ChannelDelivery(TypeIdPk, Timestamps, Base):
    """One outbound HTTP attempt, auth headers and traveller PII redacted.

    `lag_ms` (successful pushes only) is the time from the change being requested to the
    channel acknowledging it: the sync-health push lag.
    """

    __tablename__ = "channel_deliveries"
    id_prefix = "chdl"

    channel_id: Mapped[str] = mapped_column(ForeignKey("channels.id", ondelete="CASCADE"))
    connection_id: Mapped[str | None] = mapped_column(String(90))
    flow: Mapped[str] = mapped_column(String(16))
    subject_id: Mapped[str] = mapped_column(String(90))
    attempt: Mapped[int] = mapped_column(Integer)
    method: Mapped[str] = mapped_column(String(8))
    url: Mapped[str] = mapped_column(String(1000))
    request_headers: Mapped[dict[str, Any]] = mapped_column(JSONB)
    request_body: Mapped[Any] = mapped_column(JSONB, nullable=True)
    status_code: Mapped[int | None] = mapped_column(Integer)
    response_body: Mapped[Any] = mapped_column(JSONB, nullable=True)
    outcome: Mapped[str] = mapped_column(String(16))
    error: Mapped[str | None] = mapped_column(Text)
    duration_ms: Mapped[int] = mapped_column(Integer, server_default="0")
    lag_ms: Mapped[int | None] = mapped_column(BigInteger)

    __table_args__ = (
        CheckConstraint(f"flow IN {FLOWS!r}", name="flow"),
        Index("ix_channel_deliveries_channel_created", "channel_id", "created_at"),
        Index("ix_channel_deliveries_subject", "subject_id"),
    )
