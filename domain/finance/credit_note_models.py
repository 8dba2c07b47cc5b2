"""Credit notes: reversals or adjustments of an issued invoice, in full or by lines."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import CheckConstraint, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from domain.base import Base, Timestamps, TypeIdPk

CREDIT_NOTE_STATUSES = ("issued", "pending_external_allocation")


class CreditNote(TypeIdPk, Timestamps, Base):
    """A numbered credit against one invoice. `key` makes issuing it idempotent."""

    __tablename__ = "credit_notes"
    id_prefix = "crn"

    invoice_id: Mapped[str] = mapped_column(ForeignKey("invoices.id"), index=True)
    booking_id: Mapped[str | None] = mapped_column(ForeignKey("bookings.id"), index=True)
    key: Mapped[str] = mapped_column(String(200))
    status: Mapped[str] = mapped_column(String(32), server_default="issued")
    number: Mapped[str] = mapped_column(String(64), unique=True)
    series_id: Mapped[str | None] = mapped_column(ForeignKey("number_series.id"))
    sequence: Mapped[int | None]
    currency: Mapped[str] = mapped_column(String(3))
    total_minor: Mapped[int]
    reason: Mapped[str] = mapped_column(Text)
    issue_date: Mapped[date]
    issued_at: Mapped[datetime]
    external_provider: Mapped[str | None] = mapped_column(String(64))
    external_ref: Mapped[str | None] = mapped_column(String(200))

    __table_args__ = (
        UniqueConstraint("invoice_id", "key"),
        CheckConstraint(f"status IN {CREDIT_NOTE_STATUSES!r}", name="status"),
        CheckConstraint("total_minor > 0", name="total_positive"),
    )


class CreditNoteLine(TypeIdPk, Timestamps, Base):
    """How much of one invoice line is credited."""

    __tablename__ = "credit_note_lines"
    id_prefix = "cnli"

    credit_note_id: Mapped[str] = mapped_column(
        ForeignKey("credit_notes.id", ondelete="CASCADE"), index=True
    )
    invoice_line_id: Mapped[str] = mapped_column(ForeignKey("invoice_lines.id"), index=True)
    description: Mapped[str] = mapped_column(String(300))
    amount_minor: Mapped[int]
