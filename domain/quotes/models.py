"""Quotes, quote versions and their frozen line snapshots."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, CheckConstraint, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from domain.base import Base, Timestamps, TypeIdPk

QUOTE_STATUSES = ("open", "won", "lost")
VERSION_STATUSES = ("draft", "sent", "accepted", "superseded")
LINE_KINDS = ("catalog", "manual")
# Payment terms decide the booking's first status: pay before travel keeps it on hold
# (with its hold workflow) until paid; on account confirms it straight away.
PAYMENT_TERMS = ("pay_before_travel", "on_account")


class Quote(TypeIdPk, Timestamps, Base):
    """A tracked pursuit with a buyer (a snapshot of a person and/or organization)."""

    __tablename__ = "quotes"
    id_prefix = "quot"

    title: Mapped[str] = mapped_column(String(200))
    status: Mapped[str] = mapped_column(String(16), server_default="open")
    currency: Mapped[str] = mapped_column(String(3))
    buyer_person_id: Mapped[str | None] = mapped_column(String(90))
    buyer_organization_id: Mapped[str | None] = mapped_column(String(90))
    buyer_name: Mapped[str | None] = mapped_column(String(200))
    buyer_email: Mapped[str | None] = mapped_column(String(320))
    won_version_id: Mapped[str | None] = mapped_column(String(90))
    closed_at: Mapped[datetime | None]

    __table_args__ = (CheckConstraint(f"status IN {QUOTE_STATUSES!r}", name="status"),)


class QuoteVersion(TypeIdPk, Timestamps, Base):
    """One proposal of a quote: draft -> sent -> accepted (lines frozen from creation)."""

    __tablename__ = "quote_versions"
    id_prefix = "qver"

    quote_id: Mapped[str] = mapped_column(ForeignKey("quotes.id", ondelete="CASCADE"), index=True)
    number: Mapped[int]
    status: Mapped[str] = mapped_column(String(16), server_default="draft")
    currency: Mapped[str] = mapped_column(String(3))
    payment_terms: Mapped[str] = mapped_column(String(24), server_default="pay_before_travel")
    booking_hold_seconds: Mapped[int | None]
    supplier_deadline_seconds: Mapped[int] = mapped_column(server_default="172800")
    sent_at: Mapped[datetime | None]
    accepted_at: Mapped[datetime | None]

    __table_args__ = (
        UniqueConstraint("quote_id", "number"),
        CheckConstraint(f"status IN {VERSION_STATUSES!r}", name="status"),
        CheckConstraint(f"payment_terms IN {PAYMENT_TERMS!r}", name="payment_terms"),
        CheckConstraint("supplier_deadline_seconds >= 1", name="deadline_positive"),
    )


class QuoteVersionLine(TypeIdPk, Timestamps, Base):
    """A frozen line: what was offered, for how many, at what sell price and cost.

    Catalog lines point at a product, option (and unit) and slot; manual lines name the
    supplier and the service and are confirmed by that supplier during reserve.
    Amounts are per unit; `quantity` units of `pax_per_unit` travellers each.
    """

    __tablename__ = "quote_version_lines"
    id_prefix = "qvln"

    version_id: Mapped[str] = mapped_column(
        ForeignKey("quote_versions.id", ondelete="CASCADE"), index=True
    )
    position: Mapped[int]
    kind: Mapped[str] = mapped_column(String(16))
    description: Mapped[str] = mapped_column(String(300))
    product_id: Mapped[str | None] = mapped_column(ForeignKey("products.id"))
    option_id: Mapped[str | None] = mapped_column(ForeignKey("product_options.id"))
    unit_id: Mapped[str | None] = mapped_column(ForeignKey("option_units.id"))
    slot_id: Mapped[str | None] = mapped_column(ForeignKey("availability_slots.id"))
    quantity: Mapped[int] = mapped_column(server_default="1")
    pax_per_unit: Mapped[int] = mapped_column(server_default="1")
    sell_amount_minor: Mapped[int] = mapped_column(BigInteger)
    sell_currency: Mapped[str] = mapped_column(String(3))
    cost_amount_minor: Mapped[int] = mapped_column(BigInteger, server_default="0")
    cost_currency: Mapped[str] = mapped_column(String(3))
    supplier_ref: Mapped[str | None] = mapped_column(String(200))
    service_name: Mapped[str | None] = mapped_column(String(200))
    supplier_deadline_seconds: Mapped[int | None]

    __table_args__ = (
        UniqueConstraint("version_id", "position"),
        CheckConstraint(f"kind IN {LINE_KINDS!r}", name="kind"),
        CheckConstraint("quantity >= 1", name="quantity_positive"),
        CheckConstraint("pax_per_unit >= 0", name="pax_non_negative"),
        CheckConstraint(
            "kind <> 'catalog' OR (product_id IS NOT NULL AND option_id IS NOT NULL"
            " AND slot_id IS NOT NULL)",
            name="catalog_refs",
        ),
        CheckConstraint(
            "kind <> 'manual' OR (supplier_ref IS NOT NULL AND service_name IS NOT NULL)",
            name="manual_supplier",
        ),
        CheckConstraint(
            "supplier_deadline_seconds IS NULL OR supplier_deadline_seconds >= 1",
            name="deadline_positive",
        ),
    )

    @property
    def pax(self) -> int:
        """Travellers the line needs seats for."""
        return self.quantity * self.pax_per_unit
