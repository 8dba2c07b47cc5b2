"""Program resource holds: room and space blocks, their per-date quantities and pickups."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import CheckConstraint, Date, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from domain.base import Base, Timestamps, TypeIdPk
from domain.resources.transitions import HOLD_KINDS, HOLD_STATUSES


class ResourceHold(TypeIdPk, Timestamps, Base):
    """An execution hold behind a MICE program's room or space block.

    `cutoff_at`, when set, is when unpicked units go back; `cutoff_processed_at` records
    that the cutoff workflow ran its release (it is idempotent either way).
    """

    __tablename__ = "resource_holds"
    id_prefix = "rhld"

    kind: Mapped[str] = mapped_column(String(16))
    program_id: Mapped[str] = mapped_column(String(120), index=True)
    resource_id: Mapped[str | None] = mapped_column(
        ForeignKey("resources.id", ondelete="RESTRICT"), index=True
    )
    description: Mapped[str | None] = mapped_column(String(500))
    status: Mapped[str] = mapped_column(String(16), server_default="inquiry")
    cutoff_at: Mapped[dt.datetime | None]
    cutoff_processed_at: Mapped[dt.datetime | None]

    __table_args__ = (
        CheckConstraint(f"kind IN {HOLD_KINDS!r}", name="kind"),
        CheckConstraint(f"status IN {HOLD_STATUSES!r}", name="status"),
        CheckConstraint(
            "resource_id IS NOT NULL OR description IS NOT NULL", name="resource_or_description"
        ),
    )


class ResourceHoldDate(TypeIdPk, Timestamps, Base):
    """One date of a hold: units held, picked up and released (never more than held)."""

    __tablename__ = "resource_hold_dates"
    id_prefix = "rhdt"

    hold_id: Mapped[str] = mapped_column(ForeignKey("resource_holds.id", ondelete="CASCADE"))
    date: Mapped[dt.date] = mapped_column(Date)
    held: Mapped[int]
    picked_up: Mapped[int] = mapped_column(server_default="0")
    released: Mapped[int] = mapped_column(server_default="0")

    __table_args__ = (
        UniqueConstraint("hold_id", "date"),
        CheckConstraint("held >= 0 AND picked_up >= 0 AND released >= 0", name="non_negative"),
        CheckConstraint("picked_up + released <= held", name="within_held"),
    )


class ResourceHoldPickup(TypeIdPk, Timestamps, Base):
    """A pickup against one hold date, idempotent by its session key.

    `remaining_after` is what the caller was told, so a retry returns the same answer.
    """

    __tablename__ = "resource_hold_pickups"
    id_prefix = "rhpk"

    hold_date_id: Mapped[str] = mapped_column(
        ForeignKey("resource_hold_dates.id", ondelete="CASCADE")
    )
    session_key: Mapped[str] = mapped_column(String(200))
    quantity: Mapped[int]
    remaining_after: Mapped[int]

    __table_args__ = (
        UniqueConstraint("hold_date_id", "session_key"),
        CheckConstraint("quantity >= 1", name="quantity_positive"),
        CheckConstraint("remaining_after >= 0", name="remaining_non_negative"),
    )
