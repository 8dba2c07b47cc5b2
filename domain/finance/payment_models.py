"""Payments (inbound against an invoice, outbound to a supplier) and refunds."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from domain.base import Base, Timestamps, TypeIdPk

METHODS = ("bank_transfer", "card", "cash", "voucher", "direct_bill")
DIRECTIONS = ("inbound", "outbound")
PAYMENT_STATUSES = ("recorded", "void")


class Payment(TypeIdPk, Timestamps, Base):
    """A recorded transfer of money. `idempotency_key` makes recording it retry-safe.

    Inbound money is applied to an invoice, or (collected through a payment session
    before any invoice exists) to a booking.
    """

    __tablename__ = "payments"
    id_prefix = "pay"

    direction: Mapped[str] = mapped_column(String(16), server_default="inbound")
    method: Mapped[str] = mapped_column(String(16))
    status: Mapped[str] = mapped_column(String(16), server_default="recorded")
    idempotency_key: Mapped[str] = mapped_column(String(200), unique=True)
    invoice_id: Mapped[str | None] = mapped_column(ForeignKey("invoices.id"), index=True)
    booking_id: Mapped[str | None] = mapped_column(ForeignKey("bookings.id"), index=True)
    # Suppliers live in distribution: an indexed text id, validated by the service.
    supplier_id: Mapped[str | None] = mapped_column(String(90), index=True)
    # The payment schedule line (bpsl) this pays, when collected against one.
    schedule_line_id: Mapped[str | None] = mapped_column(String(90), index=True)
    amount_minor: Mapped[int]
    currency: Mapped[str] = mapped_column(String(3))
    refunded_minor: Mapped[int] = mapped_column(server_default="0")
    reference: Mapped[str | None] = mapped_column(String(200))
    note: Mapped[str | None] = mapped_column(Text)
    received_at: Mapped[datetime]
    voided_at: Mapped[datetime | None]
    void_reason: Mapped[str | None] = mapped_column(Text)

    __table_args__ = (
        CheckConstraint(f"method IN {METHODS!r}", name="method"),
        CheckConstraint(f"direction IN {DIRECTIONS!r}", name="direction"),
        CheckConstraint(f"status IN {PAYMENT_STATUSES!r}", name="status"),
        CheckConstraint("amount_minor > 0", name="amount_positive"),
        CheckConstraint("refunded_minor >= 0 AND refunded_minor <= amount_minor", name="refunded"),
        CheckConstraint(
            "(direction = 'inbound' AND (invoice_id IS NOT NULL OR booking_id IS NOT NULL)"
            " AND supplier_id IS NULL)"
            " OR (direction = 'outbound' AND supplier_id IS NOT NULL AND invoice_id IS NULL)",
            name="counterparty",
        ),
    )


class Refund(TypeIdPk, Timestamps, Base):
    """Money given back against one payment (never more than was paid)."""

    __tablename__ = "refunds"
    id_prefix = "rfnd"

    payment_id: Mapped[str] = mapped_column(ForeignKey("payments.id"), index=True)
    invoice_id: Mapped[str | None] = mapped_column(ForeignKey("invoices.id"), index=True)
    idempotency_key: Mapped[str] = mapped_column(String(200), unique=True)
    amount_minor: Mapped[int]
    currency: Mapped[str] = mapped_column(String(3))
    reason: Mapped[str] = mapped_column(Text)
    refunded_at: Mapped[datetime]

    __table_args__ = (CheckConstraint("amount_minor > 0", name="amount_positive"),)
