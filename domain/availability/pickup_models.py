"""Pickup points, groups, and per-slot pickups with their own capacity."""

from __future__ import annotations

from datetime import time

from sqlalchemy import CheckConstraint, ForeignKey, String, Text, Time, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from domain.base import Base, Timestamps, TypeIdPk


class PickupPoint(TypeIdPk, Timestamps, Base):
    """Where travellers are collected, dropped off or meet (optionally a shared Place)."""

    __tablename__ = "pickup_points"
    id_prefix = "pkpt"

    name: Mapped[str] = mapped_column(String(200))
    place_id: Mapped[str | None] = mapped_column(String(90))
    instructions: Mapped[str | None] = mapped_column(Text)


class PickupGroup(TypeIdPk, Timestamps, Base):
    """A named set of pickup points offered together (e.g. 'Old Town hotels')."""

    __tablename__ = "pickup_groups"
    id_prefix = "pkgr"

    name: Mapped[str] = mapped_column(String(200))
    product_id: Mapped[str | None] = mapped_column(ForeignKey("products.id", ondelete="CASCADE"))


class PickupGroupMember(TypeIdPk, Timestamps, Base):
    """Membership of a point in a group."""

    __tablename__ = "pickup_group_members"
    id_prefix = "pkgm"

    group_id: Mapped[str] = mapped_column(ForeignKey("pickup_groups.id", ondelete="CASCADE"))
    pickup_point_id: Mapped[str] = mapped_column(ForeignKey("pickup_points.id", ondelete="CASCADE"))

    __table_args__ = (UniqueConstraint("group_id", "pickup_point_id"),)


class SlotPickup(TypeIdPk, Timestamps, Base):
    """A pickup offered on one slot, at a local time, with its own capacity (NULL = unlimited)."""

    __tablename__ = "slot_pickups"
    id_prefix = "slpk"

    slot_id: Mapped[str] = mapped_column(ForeignKey("availability_slots.id", ondelete="CASCADE"))
    pickup_point_id: Mapped[str] = mapped_column(ForeignKey("pickup_points.id", ondelete="CASCADE"))
    pickup_time: Mapped[time | None] = mapped_column(Time)
    capacity: Mapped[int | None]
    remaining: Mapped[int | None]

    __table_args__ = (
        UniqueConstraint("slot_id", "pickup_point_id"),
        CheckConstraint("remaining IS NULL OR remaining >= 0", name="remaining_non_negative"),
    )
