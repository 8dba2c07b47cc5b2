"""Collection: booking payment schedules and lines, payment sessions, processor events."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import CheckConstraint, ForeignKey, String, UniqueConstraint
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from domain.base import Base, Timestamps, TypeIdPk

LINE_KINDS = ("deposit", "installment", "balance", "hold")
LINE_STATUSES = ("due", "paid", "cancelled")
SESSION_METHODS = ("card", "bank_transfer")
SESSION_TARGETS = ("booking", "invoice", "schedule_line", "guarantee", "reference")
SESSION_STATUSES = ("pending", "succeeded", "failed")


class PaymentSchedule(TypeIdPk, Timestamps, Base):
    """A booking's installment plan (one per booking), in the booking's currency."""

    __tablename__ = "booking_payment_schedules"
    id_prefix = "bpsc"

    booking_id: Mapped[str] = mapped_column(ForeignKey("bookings.id"), unique=True)
    currency: Mapped[str] = mapped_column(String(3))


class PaymentScheduleLine(TypeIdPk, Timestamps, Base):
    """One amount due on a date: a deposit, an installment, the balance or a hold."""

    __tablename__ = "booking_payment_schedule_lines"
    id_prefix = "bpsl"

    schedule_id: Mapped[str] = mapped_column(ForeignKey("booking_payment_schedules.id"), index=True)
    booking_id: Mapped[str] = mapped_column(ForeignKey("bookings.id"), index=True)
    position: Mapped[int]
    kind: Mapped[str] = mapped_column(String(16))
    amount_minor: Mapped[int]
    currency: Mapped[str] = mapped_column(String(3))
    due_date: Mapped[date]
    status: Mapped[str] = mapped_column(String(16), server_default="due")
    paid_at: Mapped[datetime | None]
    payment_id: Mapped[str | None] = mapped_column(ForeignKey("payments.id"))

    __table_args__ = (
        UniqueConstraint("schedule_id", "position"),
        CheckConstraint(f"kind IN {LINE_KINDS!r}", name="kind"),
        CheckConstraint(f"status IN {LINE_STATUSES!r}", name="status"),
        CheckConstraint("amount_minor > 0", name="amount_positive"),
        CheckConstraint("(status = 'paid') = (paid_at IS NOT NULL)", name="paid_at"),
    )


class PaymentSession(TypeIdPk, Timestamps, Base):
    """One payment attempt against a target, started through a payment starter."""

    __tablename__ = "payment_sessions"
    id_prefix = "pses"

    idempotency_key: Mapped[str] = mapped_column(String(200), unique=True)
    method: Mapped[str] = mapped_column(String(16))
    target_kind: Mapped[str] = mapped_column(String(16))
    target_id: Mapped[str] = mapped_column(String(90), index=True)
    booking_id: Mapped[str | None] = mapped_column(ForeignKey("bookings.id"), index=True)
    invoice_id: Mapped[str | None] = mapped_column(ForeignKey("invoices.id"), index=True)
    guarantee_id: Mapped[str | None] = mapped_column(
        ForeignKey("booking_guarantees.id"), index=True
    )
    # The schedule lines a success pays (booking targets: the due lines it covers).
    schedule_line_ids: Mapped[list[str]] = mapped_column(JSONB, server_default="[]")
    amount_minor: Mapped[int]
    currency: Mapped[str] = mapped_column(String(3))
    status: Mapped[str] = mapped_column(String(16), server_default="pending")
    provider: Mapped[str] = mapped_column(String(40))
    provider_ref: Mapped[str | None] = mapped_column(String(200), index=True)
    reference: Mapped[str] = mapped_column(String(40), unique=True)
    next_action: Mapped[dict[str, Any]] = mapped_column(JSONB, server_default="{}")
    payment_id: Mapped[str | None] = mapped_column(ForeignKey("payments.id"))
    failure_reason: Mapped[str | None] = mapped_column(String(200))
    completed_at: Mapped[datetime | None]

    __table_args__ = (
        CheckConstraint(f"method IN {SESSION_METHODS!r}", name="method"),
        CheckConstraint(f"target_kind IN {SESSION_TARGETS!r}", name="target_kind"),
        CheckConstraint(f"status IN {SESSION_STATUSES!r}", name="status"),
        CheckConstraint("amount_minor > 0", name="amount_positive"),
    )


class ProcessorEvent(TypeIdPk, Timestamps, Base):
    """A processor webhook event, kept once per (processor, event id): replays are no-ops."""

    __tablename__ = "payment_processor_events"
    id_prefix = "ppev"

    processor: Mapped[str] = mapped_column(String(40))
    event_id: Mapped[str] = mapped_column(String(200))
    event_type: Mapped[str] = mapped_column(String(60))
    session_id: Mapped[str | None] = mapped_column(String(90), index=True)
    payload: Mapped[dict[str, Any]] = mapped_column(JSONB)

    __table_args__ = (UniqueConstraint("processor", "event_id"),)
