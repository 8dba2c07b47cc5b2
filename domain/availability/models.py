"""Availability tables: rules, slots, closeouts and holds."""

from __future__ import annotations

from datetime import date, datetime, time

from sqlalchemy import (
    ARRAY,
    Boolean,
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    String,
    Text,
    Time,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from domain.base import Base, Timestamps, TypeIdPk

SLOT_STATUSES = ("open", "closed", "sold_out", "cancelled")


class AvailabilityRule(TypeIdPk, Timestamps, Base):
    """An RFC 5545 recurrence that generates slots for one product option."""

    __tablename__ = "availability_rules"
    id_prefix = "avrl"

    product_id: Mapped[str] = mapped_column(ForeignKey("products.id", ondelete="CASCADE"))
    option_id: Mapped[str] = mapped_column(ForeignKey("product_options.id", ondelete="CASCADE"))
    # The RRULE body without DTSTART, e.g. "FREQ=WEEKLY;BYDAY=MO,WE;UNTIL=20271231".
    rrule: Mapped[str] = mapped_column(Text)
    dtstart: Mapped[date] = mapped_column(Date)
    start_times: Mapped[list[time]] = mapped_column(ARRAY(Time))
    timezone: Mapped[str] = mapped_column(String(64))
    capacity: Mapped[int | None]  # NULL = unlimited
    exdates: Mapped[list[date]] = mapped_column(ARRAY(Date), server_default="{}")
    rdates: Mapped[list[date]] = mapped_column(ARRAY(Date), server_default="{}")
    duration_minutes: Mapped[int] = mapped_column(server_default="120")
    horizon_days: Mapped[int] = mapped_column(server_default="365")
    active: Mapped[bool] = mapped_column(Boolean, server_default="true")

    __table_args__ = (
        CheckConstraint("capacity IS NULL OR capacity >= 0", name="capacity_non_negative"),
        CheckConstraint("horizon_days BETWEEN 1 AND 1100", name="horizon_range"),
        CheckConstraint("duration_minutes BETWEEN 1 AND 43200", name="duration_range"),
    )


class AvailabilitySlot(TypeIdPk, Timestamps, Base):
    """A dated departure. Capacity is a number; status is separate.

    `capacity_initial` / `capacity_remaining` NULL means unlimited. `edited_at` marks a
    slot someone changed by hand: generation never touches it again.
    """

    __tablename__ = "availability_slots"
    id_prefix = "avsl"

    rule_id: Mapped[str | None] = mapped_column(
        ForeignKey("availability_rules.id", ondelete="SET NULL")
    )
    product_id: Mapped[str] = mapped_column(ForeignKey("products.id", ondelete="CASCADE"))
    option_id: Mapped[str] = mapped_column(ForeignKey("product_options.id", ondelete="CASCADE"))
    local_date: Mapped[date] = mapped_column(Date)
    local_time: Mapped[time] = mapped_column(Time)
    timezone: Mapped[str] = mapped_column(String(64))
    starts_at: Mapped[datetime]
    ends_at: Mapped[datetime]
    capacity_initial: Mapped[int | None]
    capacity_remaining: Mapped[int | None]
    status: Mapped[str] = mapped_column(String(16), server_default="open")
    edited_at: Mapped[datetime | None]

    __table_args__ = (
        UniqueConstraint("option_id", "local_date", "local_time"),
        CheckConstraint(f"status IN {SLOT_STATUSES!r}", name="status"),
        CheckConstraint(
            "capacity_remaining IS NULL OR capacity_remaining >= 0", name="remaining_non_negative"
        ),
        CheckConstraint(
            "(capacity_initial IS NULL) = (capacity_remaining IS NULL)", name="unlimited_both"
        ),
        CheckConstraint("ends_at > starts_at", name="ends_after_start"),
        Index("ix_availability_slots_product_starts", "product_id", "starts_at"),
        Index("ix_availability_slots_rule_date", "rule_id", "local_date"),
    )


class AvailabilityCloseout(TypeIdPk, Timestamps, Base):
    """Dates on which a product (or one option of it) sells nothing; inclusive range."""

    __tablename__ = "availability_closeouts"
    id_prefix = "avco"

    product_id: Mapped[str] = mapped_column(ForeignKey("products.id", ondelete="CASCADE"))
    option_id: Mapped[str | None] = mapped_column(
        ForeignKey("product_options.id", ondelete="CASCADE")
    )
    start_date: Mapped[date] = mapped_column(Date)
    end_date: Mapped[date] = mapped_column(Date)
    reason: Mapped[str | None] = mapped_column(String(200))

    __table_args__ = (
        CheckConstraint("end_date >= start_date", name="range_order"),
        Index("ix_availability_closeouts_product_dates", "product_id", "start_date"),
    )


class AvailabilityHold(TypeIdPk, Timestamps, Base):
    """A time-limited claim of `pax` seats on a slot, addressed by its caller's token."""

    __tablename__ = "availability_holds"
    id_prefix = "avhd"

    token: Mapped[str] = mapped_column(String(200), unique=True)
    slot_id: Mapped[str] = mapped_column(ForeignKey("availability_slots.id", ondelete="CASCADE"))
    pax: Mapped[int]
    status: Mapped[str] = mapped_column(String(16), server_default="held")
    expires_at: Mapped[datetime]
    released_at: Mapped[datetime | None]

    __table_args__ = (
        CheckConstraint("pax >= 1", name="pax_positive"),
        CheckConstraint("status IN ('held', 'released', 'expired', 'converted')", name="status"),
        Index(
            "ix_availability_holds_slot_held", "slot_id", postgresql_where=text("status = 'held'")
        ),
    )
