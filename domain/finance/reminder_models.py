"""Payment reminders sent for schedule lines, and bank transfers received."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import CheckConstraint, ForeignKey, String, UniqueConstraint
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from domain.base import Base, Timestamps, TypeIdPk

REMINDER_KINDS = ("due", "overdue")
TRANSFER_STATUSES = ("matched", "unmatched", "amount_mismatch")


class PaymentReminder(TypeIdPk, Timestamps, Base):
    """One reminder for one schedule line: at most one per (line, kind, day)."""

    __tablename__ = "payment_reminders"
    id_prefix = "prem"

    line_id: Mapped[str] = mapped_column(ForeignKey("booking_payment_schedule_lines.id"))
    booking_id: Mapped[str] = mapped_column(ForeignKey("bookings.id"), index=True)
    kind: Mapped[str] = mapped_column(String(16))
    reminder_date: Mapped[date]
    channel: Mapped[str] = mapped_column(String(40))
    sent_at: Mapped[datetime]

    __table_args__ = (
        UniqueConstraint("line_id", "kind", "reminder_date"),
        CheckConstraint(f"kind IN {REMINDER_KINDS!r}", name="kind"),
    )


class ReceivedTransfer(TypeIdPk, Timestamps, Base):
    """A bank transfer as the bank reported it, once per bank transaction id."""

    __tablename__ = "received_bank_transfers"
    id_prefix = "rbtr"

    transaction_id: Mapped[str] = mapped_column(String(200), unique=True)
    reference: Mapped[str] = mapped_column(String(200), index=True)
    amount_minor: Mapped[int]
    currency: Mapped[str] = mapped_column(String(3))
    payer: Mapped[str | None] = mapped_column(String(200))
    received_at: Mapped[datetime]
    status: Mapped[str] = mapped_column(String(20))
    payment_session_id: Mapped[str | None] = mapped_column(
        ForeignKey("payment_sessions.id"), index=True
    )
    payment_id: Mapped[str | None] = mapped_column(ForeignKey("payments.id"))
    details: Mapped[dict[str, Any]] = mapped_column(JSONB, server_default="{}")

    __table_args__ = (
        CheckConstraint(f"status IN {TRANSFER_STATUSES!r}", name="status"),
        CheckConstraint("amount_minor > 0", name="amount_positive"),
    )
