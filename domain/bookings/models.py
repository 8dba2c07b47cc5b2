"""Booking, items, travellers, allocations and origin."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    ForeignKey,
    Index,
    Sequence,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from domain.base import Base, Timestamps, TypeIdPk
from domain.bookings.status import STATUSES

ITEM_KINDS = ("unit", "service", "extra", "fee", "tax", "discount", "accommodation", "transport")
ORIGIN_KINDS = (
    "accepted_quote_version",
    "catalog_price_availability",
    "catalog_snapshot",
    "provider_source_order",
    "legacy_transaction",
    "manual",
    "direct",
)
BOOKING_NUMBER_SEQ = Sequence("booking_number_seq", start=1001)


class Booking(TypeIdPk, Timestamps, Base):
    """The durable first-party commitment. The buyer is a snapshot, never owned here."""

    __tablename__ = "bookings"
    id_prefix = "book"

    number: Mapped[str] = mapped_column(String(32), unique=True)
    status: Mapped[str] = mapped_column(String(20), server_default="draft")
    currency: Mapped[str] = mapped_column(String(3))
    sell_total_minor: Mapped[int] = mapped_column(BigInteger, server_default="0")
    cost_total_minor: Mapped[int] = mapped_column(BigInteger, server_default="0")
    buyer_person_id: Mapped[str | None] = mapped_column(String(90))
    buyer_organization_id: Mapped[str | None] = mapped_column(String(90))
    buyer_name: Mapped[str | None] = mapped_column(String(200))
    buyer_email: Mapped[str | None] = mapped_column(String(320))
    buyer_phone: Mapped[str | None] = mapped_column(String(40))
    channel_id: Mapped[str | None] = mapped_column(String(90))
    external_ref: Mapped[str | None] = mapped_column(String(200))
    hold_expires_at: Mapped[datetime | None]
    confirmed_at: Mapped[datetime | None]
    paid_at: Mapped[datetime | None]
    started_at: Mapped[datetime | None]
    completed_at: Mapped[datetime | None]
    expired_at: Mapped[datetime | None]
    cancelled_at: Mapped[datetime | None]

    __table_args__ = (
        CheckConstraint(f"status IN {STATUSES!r}", name="status"),
        CheckConstraint(
            "status NOT IN ('on_hold', 'awaiting_payment') OR hold_expires_at IS NOT NULL",
            name="held_has_expiry",
        ),
        Index("ix_bookings_status_hold", "status", "hold_expires_at"),
    )


class BookingItem(TypeIdPk, Timestamps, Base):
    """A priced line: sell and cost amounts, each with its currency."""

    __tablename__ = "booking_items"
    id_prefix = "bkit"

    booking_id: Mapped[str] = mapped_column(
        ForeignKey("bookings.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[str] = mapped_column(String(20))
    description: Mapped[str] = mapped_column(String(300))
    product_id: Mapped[str | None] = mapped_column(ForeignKey("products.id"))
    option_id: Mapped[str | None] = mapped_column(ForeignKey("product_options.id"))
    unit_id: Mapped[str | None] = mapped_column(ForeignKey("option_units.id"))
    slot_id: Mapped[str | None] = mapped_column(ForeignKey("availability_slots.id"))
    quantity: Mapped[int] = mapped_column(server_default="1")
    pax: Mapped[int] = mapped_column(server_default="0")
    sell_amount_minor: Mapped[int] = mapped_column(BigInteger)
    sell_currency: Mapped[str] = mapped_column(String(3))
    cost_amount_minor: Mapped[int] = mapped_column(BigInteger, server_default="0")
    cost_currency: Mapped[str] = mapped_column(String(3))
    status: Mapped[str] = mapped_column(String(16), server_default="active")

    __table_args__ = (
        CheckConstraint(f"kind IN {ITEM_KINDS!r}", name="kind"),
        CheckConstraint("quantity >= 1", name="quantity_positive"),
        CheckConstraint("pax >= 0", name="pax_non_negative"),
        CheckConstraint("status IN ('active', 'cancelled')", name="status"),
    )


class BookingTraveller(TypeIdPk, Timestamps, Base):
    """A person travelling on the booking (travel-document PII lives in its own table)."""

    __tablename__ = "booking_travellers"
    id_prefix = "bkps"

    booking_id: Mapped[str] = mapped_column(
        ForeignKey("bookings.id", ondelete="CASCADE"), index=True
    )
    category: Mapped[str] = mapped_column(String(20), server_default="adult")
    first_name: Mapped[str] = mapped_column(String(100))
    last_name: Mapped[str] = mapped_column(String(100))
    email: Mapped[str | None] = mapped_column(String(320))
    phone: Mapped[str | None] = mapped_column(String(40))
    is_lead: Mapped[bool] = mapped_column(server_default="false")
    person_id: Mapped[str | None] = mapped_column(String(90))

    __table_args__ = (
        CheckConstraint(
            "category IN ('adult', 'child', 'infant', 'youth', 'senior', 'student')",
            name="category",
        ),
    )


class BookingAllocation(TypeIdPk, Timestamps, Base):
    """A capacity claim of one item against a slot, a slot pickup or a slot resource."""

    __tablename__ = "booking_allocations"
    id_prefix = "bkan"

    booking_id: Mapped[str] = mapped_column(
        ForeignKey("bookings.id", ondelete="CASCADE"), index=True
    )
    item_id: Mapped[str] = mapped_column(ForeignKey("booking_items.id", ondelete="CASCADE"))
    target: Mapped[str] = mapped_column(String(16))
    slot_id: Mapped[str | None] = mapped_column(ForeignKey("availability_slots.id"))
    slot_pickup_id: Mapped[str | None] = mapped_column(ForeignKey("slot_pickups.id"))
    slot_resource_id: Mapped[str | None] = mapped_column(ForeignKey("slot_resources.id"))
    traveller_id: Mapped[str | None] = mapped_column(
        ForeignKey("booking_travellers.id", ondelete="SET NULL")
    )
    pax: Mapped[int] = mapped_column(server_default="0")
    status: Mapped[str] = mapped_column(String(16), server_default="held")
    released_at: Mapped[datetime | None]

    __table_args__ = (
        CheckConstraint("target IN ('slot', 'pickup', 'resource')", name="target"),
        CheckConstraint("status IN ('held', 'confirmed', 'fulfilled', 'released')", name="status"),
        CheckConstraint(
            "(target = 'slot' AND slot_id IS NOT NULL)"
            " OR (target = 'pickup' AND slot_pickup_id IS NOT NULL)"
            " OR (target = 'resource' AND slot_resource_id IS NOT NULL)",
            name="target_ref",
        ),
        Index(
            "ix_booking_allocations_slot", "slot_id", postgresql_where=text("status <> 'released'")
        ),
    )


class BookingOrigin(TypeIdPk, Timestamps, Base):
    """How the booking came to be (one per booking), with the matching reference ids."""

    __tablename__ = "booking_origins"
    id_prefix = "bkor"

    booking_id: Mapped[str] = mapped_column(
        ForeignKey("bookings.id", ondelete="CASCADE"), unique=True
    )
    kind: Mapped[str] = mapped_column(String(32))
    quote_version_id: Mapped[str | None] = mapped_column(String(90))
    reservation_plan_id: Mapped[str | None] = mapped_column(String(90))
    trip_snapshot_id: Mapped[str | None] = mapped_column(String(90))
    catalog_response_id: Mapped[str | None] = mapped_column(String(90))
    provider_order_ref: Mapped[str | None] = mapped_column(String(200))
    legacy_transaction_id: Mapped[str | None] = mapped_column(String(200))
    channel_id: Mapped[str | None] = mapped_column(String(90))
    note: Mapped[str | None] = mapped_column(Text)

    __table_args__ = (CheckConstraint(f"kind IN {ORIGIN_KINDS!r}", name="kind"),)


class BookingSupplierStatus(TypeIdPk, Timestamps, Base):
    """A supplier's answer for one item: requested -> confirmed | declined (or cancelled)."""

    __tablename__ = "booking_supplier_statuses"
    id_prefix = "bkss"

    booking_id: Mapped[str] = mapped_column(
        ForeignKey("bookings.id", ondelete="CASCADE"), index=True
    )
    item_id: Mapped[str] = mapped_column(ForeignKey("booking_items.id", ondelete="CASCADE"))
    supplier_ref: Mapped[str] = mapped_column(String(200))
    status: Mapped[str] = mapped_column(String(16), server_default="requested")
    confirmation_ref: Mapped[str | None] = mapped_column(String(200))
    respond_by: Mapped[datetime | None]
    responded_at: Mapped[datetime | None]

    __table_args__ = (
        UniqueConstraint("item_id", "supplier_ref"),
        CheckConstraint(
            "status IN ('requested', 'confirmed', 'declined', 'cancelled')", name="status"
        ),
    )


class BookingActivity(TypeIdPk, Timestamps, Base):
    """Append-only activity log: who did what to the booking, and why."""

    __tablename__ = "booking_activity"
    id_prefix = "bkal"

    booking_id: Mapped[str] = mapped_column(
        ForeignKey("bookings.id", ondelete="CASCADE"), index=True
    )
    action: Mapped[str] = mapped_column(String(64))
    actor_id: Mapped[str | None] = mapped_column(String(90))
    reason: Mapped[str | None] = mapped_column(Text)
    details: Mapped[dict[str, object]] = mapped_column(JSONB, server_default="{}")


class BookingNote(TypeIdPk, Timestamps, Base):
    """A staff note on a booking."""

    __tablename__ = "booking_notes"
    id_prefix = "bnot"

    booking_id: Mapped[str] = mapped_column(
        ForeignKey("bookings.id", ondelete="CASCADE"), index=True
    )
    author_id: Mapped[str | None] = mapped_column(String(90))
    body: Mapped[str] = mapped_column(Text)
    visibility: Mapped[str] = mapped_column(String(16), server_default="internal")

    __table_args__ = (CheckConstraint("visibility IN ('internal', 'customer')", name="visibility"),)
