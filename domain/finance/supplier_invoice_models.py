"""Supplier invoices (accounts payable): a sibling of customer invoices, not a direction.

Each line is allocated to exactly one departure (availability slot), product or booking
and stores its net amount in the operator's base currency, resolved through FX when the
invoice is recorded.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column

from domain.base import Base, Timestamps, TypeIdPk
from domain.finance.fx_models import RATE
from domain.finance.tax import TAX_MODES

SUPPLIER_INVOICE_STATUSES = ("received", "void")


class SupplierInvoice(TypeIdPk, Timestamps, Base):
    """What a supplier billed the operator.

    Unique per (supplier, supplier's number) among non-void invoices, so a voided
    document can be recorded again. `spec_hash` is the sha256 of the normalised
    recording (lines, allocations, tax, dates): an identical replay matches it.
    """

    __tablename__ = "supplier_invoices"
    id_prefix = "sinv"

    supplier_id: Mapped[str] = mapped_column(String(90), index=True)
    supplier_reference: Mapped[str] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(16), server_default="received")
    currency: Mapped[str] = mapped_column(String(3))
    issue_date: Mapped[date]
    due_date: Mapped[date | None]
    tax_regime_id: Mapped[str | None] = mapped_column(ForeignKey("tax_regimes.id"))
    tax_mode: Mapped[str] = mapped_column(String(16), server_default="exclusive")
    net_minor: Mapped[int]
    tax_minor: Mapped[int]
    self_assessed_tax_minor: Mapped[int] = mapped_column(server_default="0")
    total_minor: Mapped[int]
    base_currency: Mapped[str] = mapped_column(String(3))
    fx_rate: Mapped[Decimal] = mapped_column(RATE)
    fx_rate_date: Mapped[date]
    fx_source: Mapped[str] = mapped_column(String(64))
    base_net_minor: Mapped[int]
    notes: Mapped[str | None] = mapped_column(Text)
    spec_hash: Mapped[str] = mapped_column(String(64))
    voided_at: Mapped[datetime | None]
    voided_by: Mapped[str | None] = mapped_column(String(200))
    void_reason: Mapped[str | None] = mapped_column(Text)

    __table_args__ = (
        Index(
            "uq_supplier_invoices_live_reference",
            "supplier_id",
            "supplier_reference",
            unique=True,
            postgresql_where=text("status <> 'void'"),
        ),
        CheckConstraint(f"status IN {SUPPLIER_INVOICE_STATUSES!r}", name="status"),
        CheckConstraint(f"tax_mode IN {TAX_MODES!r}", name="tax_mode"),
        CheckConstraint("net_minor + tax_minor = total_minor", name="balanced"),
        CheckConstraint("fx_rate > 0", name="fx_rate_positive"),
    )


class SupplierInvoiceLine(TypeIdPk, Timestamps, Base):
    """One billed cost, allocated to a departure, a product or a booking."""

    __tablename__ = "supplier_invoice_lines"
    id_prefix = "sinl"

    supplier_invoice_id: Mapped[str] = mapped_column(
        ForeignKey("supplier_invoices.id", ondelete="CASCADE"), index=True
    )
    position: Mapped[int]
    description: Mapped[str] = mapped_column(String(300))
    amount_minor: Mapped[int]
    net_minor: Mapped[int]
    tax_minor: Mapped[int]
    self_assessed_tax_minor: Mapped[int] = mapped_column(server_default="0")
    base_net_minor: Mapped[int]
    slot_id: Mapped[str | None] = mapped_column(ForeignKey("availability_slots.id"), index=True)
    product_id: Mapped[str | None] = mapped_column(ForeignKey("products.id"), index=True)
    booking_id: Mapped[str | None] = mapped_column(ForeignKey("bookings.id"), index=True)

    __table_args__ = (
        CheckConstraint("num_nonnulls(slot_id, product_id, booking_id) = 1", name="allocation"),
    )
