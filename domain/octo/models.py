"""OCTO-only facts tourflow's catalog and bookings do not carry."""

from __future__ import annotations

from datetime import time
from typing import Any

from sqlalchemy import CheckConstraint, ForeignKey, String, Text, Time
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from domain.base import Base, Timestamps, TypeIdPk

AVAILABILITY_TYPES = ("START_TIME", "OPENING_HOURS")


class OctoProductSettings(TypeIdPk, Timestamps, Base):
    """How a product is shown to OCTO resellers (absent row = START_TIME, no content)."""

    __tablename__ = "octo_product_settings"
    id_prefix = "octp"

    product_id: Mapped[str] = mapped_column(
        ForeignKey("products.id", ondelete="CASCADE"), unique=True
    )
    availability_type: Mapped[str] = mapped_column(String(16), server_default="START_TIME")
    opening_from: Mapped[time | None] = mapped_column(Time)
    opening_to: Mapped[time | None] = mapped_column(Time)
    short_description: Mapped[str | None] = mapped_column(Text)

    __table_args__ = (
        CheckConstraint(f"availability_type IN {AVAILABILITY_TYPES!r}", name="availability_type"),
        CheckConstraint(
            "availability_type = 'START_TIME'"
            " OR (opening_from IS NOT NULL AND opening_to IS NOT NULL)",
            name="opening_hours_set",
        ),
    )


class OctoBooking(TypeIdPk, Timestamps, Base):
    """An OCTO booking uuid and what the reseller sent; the booking itself is a real one.

    `uuid` is unique: a reservation replayed with the same uuid returns the same booking.
    `unit_items` keeps the reseller's per-unit uuids and references in order.
    """

    __tablename__ = "octo_bookings"
    id_prefix = "octb"

    uuid: Mapped[str] = mapped_column(String(64), unique=True)
    booking_id: Mapped[str] = mapped_column(
        ForeignKey("bookings.id", ondelete="CASCADE"), unique=True
    )
    channel_id: Mapped[str] = mapped_column(String(90), index=True)
    product_id: Mapped[str] = mapped_column(ForeignKey("products.id"))
    option_id: Mapped[str] = mapped_column(ForeignKey("product_options.id"))
    slot_id: Mapped[str] = mapped_column(ForeignKey("availability_slots.id"))
    reseller_reference: Mapped[str | None] = mapped_column(String(200), index=True)
    notes: Mapped[str | None] = mapped_column(Text)
    contact: Mapped[dict[str, Any]] = mapped_column(JSONB, server_default="{}")
    unit_items: Mapped[list[dict[str, Any]]] = mapped_column(JSONB, server_default="[]")
    cancellation_reason: Mapped[str | None] = mapped_column(Text)
