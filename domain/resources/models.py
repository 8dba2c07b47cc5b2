"""Resource tables: resources, pools, members, requirements, slot assignments, closeouts."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    ForeignKey,
    String,
    UniqueConstraint,
    column,
    func,
)
from sqlalchemy.dialects.postgresql import ExcludeConstraint
from sqlalchemy.orm import Mapped, mapped_column

from domain.base import Base, Timestamps, TypeIdPk

# Names of the exclusion constraints; the services map their violations to stable codes.
ASSIGNMENT_OVERLAP = "ex_resource_slot_assignments_no_overlap"
CLOSEOUT_OVERLAP = "ex_resource_closeouts_no_overlap"


def _no_overlap_per_resource(name: str) -> ExcludeConstraint:
    # Half-open [starts_at, ends_at): back-to-back intervals touch but never overlap.
    return ExcludeConstraint(
        (column("resource_id"), "="),
        (func.tstzrange(column("starts_at"), column("ends_at")), "&&"),
        name=name,
        using="gist",
    )


class Resource(TypeIdPk, Timestamps, Base):
    """A finite assignable asset: a guide, a driver, a vehicle, a room, equipment."""

    __tablename__ = "resources"
    id_prefix = "res"

    name: Mapped[str] = mapped_column(String(200))
    type: Mapped[str] = mapped_column(String(32), index=True)
    active: Mapped[bool] = mapped_column(Boolean, server_default="true")


class ResourcePool(TypeIdPk, Timestamps, Base):
    """A named set of interchangeable resources ("French-speaking guides, Cairo").

    `resource_type`, when set, is the only type members may have; `timezone` is the
    local day the free-resources query uses by default (UTC when NULL).
    """

    __tablename__ = "resource_pools"
    id_prefix = "rpool"

    name: Mapped[str] = mapped_column(String(200))
    resource_type: Mapped[str | None] = mapped_column(String(32))
    timezone: Mapped[str | None] = mapped_column(String(64))


class ResourcePoolMember(TypeIdPk, Timestamps, Base):
    """A resource belonging to a pool; at most once per pool."""

    __tablename__ = "resource_pool_members"
    id_prefix = "rpmb"

    pool_id: Mapped[str] = mapped_column(ForeignKey("resource_pools.id", ondelete="CASCADE"))
    resource_id: Mapped[str] = mapped_column(
        ForeignKey("resources.id", ondelete="CASCADE"), index=True
    )

    __table_args__ = (UniqueConstraint("pool_id", "resource_id"),)


class ResourceRequirement(TypeIdPk, Timestamps, Base):
    """What every slot of a product option needs: `quantity` resources from a pool."""

    __tablename__ = "resource_requirements"
    id_prefix = "rreq"

    option_id: Mapped[str] = mapped_column(ForeignKey("product_options.id", ondelete="CASCADE"))
    pool_id: Mapped[str] = mapped_column(
        ForeignKey("resource_pools.id", ondelete="CASCADE"), index=True
    )
    quantity: Mapped[int] = mapped_column(server_default="1")

    __table_args__ = (
        UniqueConstraint("option_id", "pool_id"),
        CheckConstraint("quantity >= 1", name="quantity_positive"),
    )


class ResourceSlotAssignment(TypeIdPk, Timestamps, Base):
    """A resource working an availability slot, with the slot's times copied in.

    The exclusion constraint is the guarantee that a person or asset is never on two
    overlapping slots, whatever the interleaving of concurrent requests.
    """

    __tablename__ = "resource_slot_assignments"
    id_prefix = "rsas"

    resource_id: Mapped[str] = mapped_column(ForeignKey("resources.id", ondelete="CASCADE"))
    slot_id: Mapped[str] = mapped_column(
        ForeignKey("availability_slots.id", ondelete="CASCADE"), index=True
    )
    requirement_id: Mapped[str | None] = mapped_column(
        ForeignKey("resource_requirements.id", ondelete="SET NULL"), index=True
    )
    starts_at: Mapped[datetime]
    ends_at: Mapped[datetime]

    __table_args__ = (
        CheckConstraint("ends_at > starts_at", name="ends_after_start"),
        _no_overlap_per_resource(ASSIGNMENT_OVERLAP),
    )


class ResourceCloseout(TypeIdPk, Timestamps, Base):
    """A half-open interval [starts_at, ends_at) in which a resource cannot be assigned."""

    __tablename__ = "resource_closeouts"
    id_prefix = "rclo"

    resource_id: Mapped[str] = mapped_column(ForeignKey("resources.id", ondelete="CASCADE"))
    starts_at: Mapped[datetime]
    ends_at: Mapped[datetime]
    reason: Mapped[str | None] = mapped_column(String(200))

    __table_args__ = (
        CheckConstraint("ends_at > starts_at", name="ends_after_start"),
        _no_overlap_per_resource(CLOSEOUT_OVERLAP),
    )
