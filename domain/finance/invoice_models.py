"""Invoices (and proformas) and their lines."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import CheckConstraint, ForeignKey, Index, Numeric, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column

from domain.base import Base, Timestamps, TypeIdPk
from domain.finance.transitions import STATUSES

INVOICE_KINDS = ("invoice", "proforma")


class Invoice(TypeIdPk, Timestamps, Base):
    """A billing document issued to a payer; money moves against it once issued."""

    __tablename__ = "invoices"
    id_prefix = "inv"

    kind: Mapped[str] = mapped_column(String(16), server_default="invoice")
    status: Mapped[str] = mapped_column(String(32), server_default="draft")
    number: Mapped[str | None] = mapped_column(String(64), unique=True)
    series_id: Mapped[str | None] = mapped_column(ForeignKey("number_series.id"))
    sequence: Mapped[int | None]
    booking_id: Mapped[str | None] = mapped_column(ForeignKey("bookings.id"), index=True)
    currency: Mapped[str] = mapped_column(String(3))
    total_minor: Mapped[int] = mapped_column(server_default="0")
    paid_minor: Mapped[int] = mapped_column(server_default="0")
    credited_minor: Mapped[int] = mapped_column(server_default="0")
    bill_to_name: Mapped[str | None] = mapped_column(String(200))
    bill_to_email: Mapped[str | None] = mapped_column(String(320))
    issue_date: Mapped[date | None]
    due_date: Mapped[date | None]
    issued_at: Mapped[datetime | None]
    paid_at: Mapped[datetime | None]
    voided_at: Mapped[datetime | None]
    void_reason: Mapped[str | None] = mapped_column(Text)
    external_provider: Mapped[str | None] = mapped_column(String(64))
    external_ref: Mapped[str | None] = mapped_column(String(200))
    # Tax applied at finalisation (domain.finance.invoice_tax); total_minor includes it.
    tax_mode: Mapped[str | None] = mapped_column(String(16))
    tax_minor: Mapped[int] = mapped_column(server_default="0")
    # FX provenance set at issue when the currency differs from the base (domain.finance.fx).
    fx_base_currency: Mapped[str | None] = mapped_column(String(3))
    fx_rate: Mapped[Decimal | None] = mapped_column(Numeric(20, 10))
    fx_rate_date: Mapped[date | None]
    fx_source: Mapped[str | None] = mapped_column(String(64))
    fx_commission_bps: Mapped[int | None]
    fx_effective_rate: Mapped[Decimal | None] = mapped_column(Numeric(20, 10))
    fx_base_total_minor: Mapped[int | None]
    fx_mention: Mapped[str | None] = mapped_column(Text)

    __table_args__ = (
        CheckConstraint(f"kind IN {INVOICE_KINDS!r}", name="kind"),
        CheckConstraint(f"status IN {STATUSES!r}", name="status"),
        CheckConstraint(
            "status IN ('draft', 'void') OR number IS NOT NULL", name="issued_has_number"
        ),
        CheckConstraint("paid_minor >= 0", name="paid_non_negative"),
        CheckConstraint("credited_minor >= 0 AND credited_minor <= total_minor", name="credited"),
        CheckConstraint(
            "due_date IS NULL OR issue_date IS NULL OR due_date >= issue_date", name="due"
        ),
        Index(
            "ix_invoices_overdue_candidates",
            "due_date",
            postgresql_where=text("status IN ('issued', 'partially_paid')"),
        ),
    )


class InvoiceLine(TypeIdPk, Timestamps, Base):
    """One billed line; `total_minor` = quantity x unit amount (negative for discounts)."""

    __tablename__ = "invoice_lines"
    id_prefix = "inli"

    invoice_id: Mapped[str] = mapped_column(
        ForeignKey("invoices.id", ondelete="CASCADE"), index=True
    )
    position: Mapped[int]
    description: Mapped[str] = mapped_column(String(300))
    quantity: Mapped[int] = mapped_column(server_default="1")
    unit_amount_minor: Mapped[int]
    total_minor: Mapped[int]
    booking_item_id: Mapped[str | None] = mapped_column(
        ForeignKey("booking_items.id", ondelete="SET NULL")
    )

    __table_args__ = (
        CheckConstraint("quantity >= 1", name="quantity_positive"),
        CheckConstraint("total_minor = quantity * unit_amount_minor", name="total"),
    )
