"""Ground tables: vehicles, drivers, dispatches and what hangs off a dispatch."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    func,
    literal_column,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB, ExcludeConstraint
from sqlalchemy.orm import Mapped, mapped_column

from domain.base import Base, Timestamps, TypeIdPk
from domain.ground.transitions import RELEASED, STATUSES

VEHICLE_CLASSES = ("car", "van", "minibus", "bus", "coach", "other")
EVENT_KINDS = ("status_changed", "checkpoint_reached", "delay", "incident", "location", "note")
VEHICLE_OVERLAP = "ex_ground_dispatches_vehicle_overlap"
DRIVER_OVERLAP = "ex_ground_dispatches_driver_overlap"
_ACTIVE = f"status NOT IN {tuple(sorted(RELEASED))!r}"


def _no_overlap(column: str, name: str) -> ExcludeConstraint:
    """One asset, one active dispatch at a time: `column` equal and windows overlapping."""
    window = func.tstzrange(literal_column("scheduled_at"), literal_column("ends_at"))
    return ExcludeConstraint(
        (column, "="),
        (window, "&&"),
        name=name,
        using="gist",
        where=text(_ACTIVE),
    )


class Vehicle(TypeIdPk, Timestamps, Base):
    """A transport asset: `capacity` passenger seats, a class and accessibility flags."""

    __tablename__ = "ground_vehicles"
    id_prefix = "gveh"

    name: Mapped[str] = mapped_column(String(200))
    registration: Mapped[str | None] = mapped_column(String(32), unique=True)
    vehicle_class: Mapped[str] = mapped_column(String(16))
    capacity: Mapped[int] = mapped_column(Integer)
    wheelchair_accessible: Mapped[bool] = mapped_column(Boolean, server_default="false")
    step_free: Mapped[bool] = mapped_column(Boolean, server_default="false")
    active: Mapped[bool] = mapped_column(Boolean, server_default="true")

    __table_args__ = (
        CheckConstraint("capacity >= 1", name="capacity_positive"),
        CheckConstraint(f"vehicle_class IN {VEHICLE_CLASSES!r}", name="vehicle_class"),
    )


class Driver(TypeIdPk, Timestamps, Base):
    """A crew member who drives vehicles on dispatches."""

    __tablename__ = "ground_drivers"
    id_prefix = "gdrv"

    name: Mapped[str] = mapped_column(String(200))
    phone: Mapped[str | None] = mapped_column(String(32))
    license_number: Mapped[str | None] = mapped_column(String(64))
    active: Mapped[bool] = mapped_column(Boolean, server_default="true")


class Dispatch(TypeIdPk, Timestamps, Base):
    """An operational order to move passengers from A to B in a time window.

    `pax_total` mirrors the sum of its passengers' pax; it changes only under a lock on
    this row, which is also where the vehicle-capacity check happens.
    """

    __tablename__ = "ground_dispatches"
    id_prefix = "gdsp"

    status: Mapped[str] = mapped_column(String(16), server_default="draft")
    scheduled_at: Mapped[datetime]
    ends_at: Mapped[datetime]
    booking_id: Mapped[str | None] = mapped_column(String(90))  # bookings module: not yet
    vehicle_id: Mapped[str | None] = mapped_column(ForeignKey("ground_vehicles.id"))
    driver_id: Mapped[str | None] = mapped_column(ForeignKey("ground_drivers.id"))
    pickup_place_id: Mapped[str | None] = mapped_column(ForeignKey("places.id"))
    dropoff_place_id: Mapped[str | None] = mapped_column(ForeignKey("places.id"))
    pax_total: Mapped[int] = mapped_column(Integer, server_default="0")
    notes: Mapped[str | None] = mapped_column(Text)

    __table_args__ = (
        CheckConstraint(f"status IN {STATUSES!r}", name="status"),
        CheckConstraint("ends_at > scheduled_at", name="ends_after_start"),
        CheckConstraint("pax_total >= 0", name="pax_total_non_negative"),
        Index("ix_ground_dispatches_scheduled_at", "scheduled_at"),
        Index("ix_ground_dispatches_booking_id", "booking_id"),
        _no_overlap("vehicle_id", VEHICLE_OVERLAP),
        _no_overlap("driver_id", DRIVER_OVERLAP),
    )


class DispatchLeg(TypeIdPk, Timestamps, Base):
    """One A-to-B segment of a dispatch, in `sequence` order."""

    __tablename__ = "ground_dispatch_legs"
    id_prefix = "gdlg"

    dispatch_id: Mapped[str] = mapped_column(ForeignKey("ground_dispatches.id", ondelete="CASCADE"))
    sequence: Mapped[int] = mapped_column(Integer)
    from_place_id: Mapped[str] = mapped_column(ForeignKey("places.id"))
    to_place_id: Mapped[str] = mapped_column(ForeignKey("places.id"))
    departs_at: Mapped[datetime | None]
    arrives_at: Mapped[datetime | None]

    __table_args__ = (
        UniqueConstraint("dispatch_id", "sequence"),
        CheckConstraint(
            "departs_at IS NULL OR arrives_at IS NULL OR arrives_at > departs_at",
            name="arrives_after_departure",
        ),
    )


class DispatchPassenger(TypeIdPk, Timestamps, Base):
    """A party travelling on a dispatch: `pax` people under one name."""

    __tablename__ = "ground_dispatch_passengers"
    id_prefix = "gdpx"

    dispatch_id: Mapped[str] = mapped_column(
        ForeignKey("ground_dispatches.id", ondelete="CASCADE"), index=True
    )
    name: Mapped[str] = mapped_column(String(200))
    pax: Mapped[int] = mapped_column(Integer, server_default="1")
    booking_id: Mapped[str | None] = mapped_column(String(90))
    notes: Mapped[str | None] = mapped_column(Text)

    __table_args__ = (CheckConstraint("pax >= 1", name="pax_positive"),)


class DispatchCheckpoint(TypeIdPk, Timestamps, Base):
    """A planned waypoint; `reached_at` is set by a `checkpoint_reached` execution event."""

    __tablename__ = "ground_dispatch_checkpoints"
    id_prefix = "gdck"

    dispatch_id: Mapped[str] = mapped_column(ForeignKey("ground_dispatches.id", ondelete="CASCADE"))
    sequence: Mapped[int] = mapped_column(Integer)
    name: Mapped[str] = mapped_column(String(200))
    place_id: Mapped[str | None] = mapped_column(ForeignKey("places.id"))
    planned_at: Mapped[datetime | None]
    reached_at: Mapped[datetime | None]

    __table_args__ = (UniqueConstraint("dispatch_id", "sequence"),)


class DispatchEvent(TypeIdPk, Timestamps, Base):
    """An append-only record of what happened on the ground (never updated or deleted)."""

    __tablename__ = "ground_dispatch_events"
    id_prefix = "gdev"

    dispatch_id: Mapped[str] = mapped_column(ForeignKey("ground_dispatches.id", ondelete="CASCADE"))
    # Per-dispatch order, taken under the dispatch row lock: the log's reading order.
    sequence: Mapped[int] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(32))
    occurred_at: Mapped[datetime] = mapped_column(server_default=func.now())
    checkpoint_id: Mapped[str | None] = mapped_column(
        ForeignKey("ground_dispatch_checkpoints.id", ondelete="CASCADE")
    )
    note: Mapped[str | None] = mapped_column(Text)
    data: Mapped[dict[str, Any]] = mapped_column(JSONB, server_default=text("'{}'::jsonb"))

    __table_args__ = (
        UniqueConstraint("dispatch_id", "sequence"),
        CheckConstraint(f"kind IN {EVENT_KINDS!r}", name="kind"),
    )
