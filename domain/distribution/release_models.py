"""Allotment release rules and the log of their executions."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, CheckConstraint, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from domain.base import Base, Timestamps, TypeIdPk

RELEASE_MODES = ("automatic", "manual")
RELEASE_UNITS = ("days", "hours")
UNSOLD_ACTIONS = ("release_to_general_pool", "expire", "retain")
RELEASE_TRIGGERS = ("timer", "manual", "sweep")


class AllotmentReleaseRule(TypeIdPk, Timestamps, Base):
    """When (N days/hours before a slot starts) and how unsold allotment is given up.

    One rule per allotment. `automatic` rules run on a Temporal timer per target;
    `manual` ones only when someone calls release.
    """

    __tablename__ = "channel_allotment_release_rules"
    id_prefix = "chrr"

    allotment_id: Mapped[str] = mapped_column(
        ForeignKey("channel_inventory_allotments.id", ondelete="CASCADE"), unique=True
    )
    channel_id: Mapped[str] = mapped_column(
        ForeignKey("channels.id", ondelete="CASCADE"), index=True
    )
    mode: Mapped[str] = mapped_column(String(16), server_default="automatic")
    offset_unit: Mapped[str] = mapped_column(String(8))
    offset_value: Mapped[int]
    unsold_action: Mapped[str] = mapped_column(String(32), server_default="release_to_general_pool")
    active: Mapped[bool] = mapped_column(Boolean, server_default="true")

    __table_args__ = (
        CheckConstraint(f"mode IN {RELEASE_MODES!r}", name="mode"),
        CheckConstraint(f"offset_unit IN {RELEASE_UNITS!r}", name="offset_unit"),
        CheckConstraint(f"unsold_action IN {UNSOLD_ACTIONS!r}", name="unsold_action"),
        CheckConstraint("offset_value >= 0", name="offset_non_negative"),
    )


class AllotmentReleaseExecution(TypeIdPk, Timestamps, Base):
    """One release of one target (at most one: `target_id` is unique), with its effect."""

    __tablename__ = "channel_allotment_release_executions"
    id_prefix = "chrx"

    target_id: Mapped[str] = mapped_column(
        ForeignKey("channel_inventory_allotment_targets.id", ondelete="CASCADE"), unique=True
    )
    rule_id: Mapped[str | None] = mapped_column(
        ForeignKey("channel_allotment_release_rules.id", ondelete="SET NULL")
    )
    allotment_id: Mapped[str] = mapped_column(String(90), index=True)
    slot_id: Mapped[str] = mapped_column(String(90), index=True)
    channel_id: Mapped[str] = mapped_column(String(90), index=True)
    trigger: Mapped[str] = mapped_column(String(16))
    unsold_action: Mapped[str] = mapped_column(String(32))
    capacity_released: Mapped[int]
    executed_at: Mapped[datetime]

    __table_args__ = (
        CheckConstraint(f"trigger IN {RELEASE_TRIGGERS!r}", name="trigger"),
        CheckConstraint(f"unsold_action IN {UNSOLD_ACTIONS!r}", name="unsold_action"),
        CheckConstraint("capacity_released >= 0", name="released_non_negative"),
    )
