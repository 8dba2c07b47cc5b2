"""Outbox tables: one row per event, one delivery row per (event, subscriber)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    ForeignKey,
    Identity,
    Index,
    String,
    Text,
    UniqueConstraint,
    func,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from domain.base import Base, Timestamps, TypeIdPk


class OutboxEvent(TypeIdPk, Timestamps, Base):
    """A domain event, written in the same transaction as the change it describes."""

    __tablename__ = "outbox_events"
    id_prefix = "evt"

    # Global order; per-aggregate order follows because writers lock the aggregate first.
    seq: Mapped[int] = mapped_column(BigInteger, Identity(always=True), unique=True)
    aggregate_type: Mapped[str] = mapped_column(String(64))
    aggregate_id: Mapped[str] = mapped_column(String(90))
    event_type: Mapped[str] = mapped_column(String(128))
    payload: Mapped[dict[str, Any]] = mapped_column(JSONB)
    occurred_at: Mapped[datetime] = mapped_column(server_default=func.now())
    fanned_out_at: Mapped[datetime | None]

    __table_args__ = (
        Index("ix_outbox_events_unfanned", "seq", postgresql_where=text("fanned_out_at IS NULL")),
    )


class OutboxDelivery(TypeIdPk, Timestamps, Base):
    """One subscriber's copy of one event; its `delivered` status is the dedupe record."""

    __tablename__ = "outbox_deliveries"
    id_prefix = "dlv"

    event_id: Mapped[str] = mapped_column(ForeignKey("outbox_events.id", ondelete="CASCADE"))
    event_seq: Mapped[int] = mapped_column(BigInteger)
    aggregate_type: Mapped[str] = mapped_column(String(64))
    aggregate_id: Mapped[str] = mapped_column(String(90))
    subscriber: Mapped[str] = mapped_column(String(128))
    status: Mapped[str] = mapped_column(String(16), server_default="pending")
    attempts: Mapped[int] = mapped_column(server_default="0")
    available_at: Mapped[datetime] = mapped_column(server_default=func.now())
    delivered_at: Mapped[datetime | None]
    last_error: Mapped[str | None] = mapped_column(Text)

    __table_args__ = (
        UniqueConstraint("subscriber", "event_id"),
        CheckConstraint("status IN ('pending', 'delivered', 'dead')", name="status"),
        Index(
            "ix_outbox_deliveries_ready",
            "available_at",
            "event_seq",
            postgresql_where=text("status = 'pending'"),
        ),
        Index(
            "ix_outbox_deliveries_aggregate_order",
            "subscriber",
            "aggregate_type",
            "aggregate_id",
            "event_seq",
            postgresql_where=text("status = 'pending'"),
        ),
    )
