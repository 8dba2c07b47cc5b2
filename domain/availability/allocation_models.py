"""Allocation resources: typed per-slot units and the travellers assigned to them."""

from __future__ import annotations

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from domain.base import Base, Timestamps, TypeIdPk


class SlotResource(TypeIdPk, Timestamps, Base):
    """One unit of a slot's inventory (a double room, a coach seat) holding `capacity` pax.

    Rows materialised from a template carry (template_id, ordinal), unique per slot, so
    re-running materialisation creates nothing; custom rows have no template.
    """

    __tablename__ = "slot_resources"
    id_prefix = "alrs"

    slot_id: Mapped[str] = mapped_column(
        ForeignKey("availability_slots.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[str] = mapped_column(String(64))
    label: Mapped[str] = mapped_column(String(100))
    capacity: Mapped[int]
    template_id: Mapped[str | None] = mapped_column(
        ForeignKey("product_option_resource_templates.id", ondelete="SET NULL")
    )
    ordinal: Mapped[int | None]

    __table_args__ = (
        UniqueConstraint("slot_id", "template_id", "ordinal"),
        CheckConstraint("capacity >= 1", name="capacity_positive"),
    )


class SlotResourceAssignment(TypeIdPk, Timestamps, Base):
    """A traveller placed in a slot resource. One traveller counts once per resource."""

    __tablename__ = "slot_resource_assignments"
    id_prefix = "alas"

    slot_id: Mapped[str] = mapped_column(ForeignKey("availability_slots.id", ondelete="CASCADE"))
    resource_id: Mapped[str] = mapped_column(ForeignKey("slot_resources.id", ondelete="CASCADE"))
    traveller_ref: Mapped[str] = mapped_column(String(90))
    booking_ref: Mapped[str | None] = mapped_column(String(90))

    __table_args__ = (
        UniqueConstraint("resource_id", "traveller_ref"),
        Index("ix_slot_resource_assignments_slot", "slot_id"),
    )
