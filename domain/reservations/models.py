"""Reservation plans: one per accepted quote version, one line per version line."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from domain.base import Base, Timestamps, TypeIdPk

PLAN_STATUSES = ("pending", "reserving", "booked", "failed")
LINE_STATUSES = (
    "pending",  # not reached yet
    "held",  # availability hold placed
    "supplier_requested",  # waiting for the supplier's answer
    "supplier_confirmed",
    "converted",  # the booking took it over (hold -> allocation, confirmation -> status row)
    "failed",  # this line is why the plan failed
    "skipped",  # never reached: an earlier line failed
    "released",  # compensated: hold given back / request called off
    "release_failed",  # compensation failed for good (non-retryable): an alert was raised
    "release_not_configured",  # nothing we can undo automatically (supplier already said yes)
)


class ReservationPlan(TypeIdPk, Timestamps, Base):
    """What the reserve workflow secured for a version, before any booking exists."""

    __tablename__ = "reservation_plans"
    id_prefix = "rspl"

    quote_version_id: Mapped[str] = mapped_column(
        ForeignKey("quote_versions.id", ondelete="CASCADE"), unique=True
    )
    workflow_id: Mapped[str] = mapped_column(String(200))
    status: Mapped[str] = mapped_column(String(16), server_default="pending")
    failure_code: Mapped[str | None] = mapped_column(String(64))
    failure_line_id: Mapped[str | None] = mapped_column(String(90))
    failure_message: Mapped[str | None] = mapped_column(Text)
    booking_id: Mapped[str | None] = mapped_column(ForeignKey("bookings.id"), unique=True)
    finished_at: Mapped[datetime | None]

    __table_args__ = (CheckConstraint(f"status IN {PLAN_STATUSES!r}", name="status"),)


class ReservationPlanLine(TypeIdPk, Timestamps, Base):
    """One version line's progress. Catalog lines hold seats by a token derived from the
    version and line (`reserve:{versionId}:{lineId}`); manual lines track the supplier."""

    __tablename__ = "reservation_plan_lines"
    id_prefix = "rspn"

    plan_id: Mapped[str] = mapped_column(
        ForeignKey("reservation_plans.id", ondelete="CASCADE"), index=True
    )
    version_line_id: Mapped[str] = mapped_column(ForeignKey("quote_version_lines.id"))
    position: Mapped[int]
    kind: Mapped[str] = mapped_column(String(16))
    status: Mapped[str] = mapped_column(String(24), server_default="pending")
    hold_token: Mapped[str | None] = mapped_column(String(200))
    hold_id: Mapped[str | None] = mapped_column(String(90))
    supplier_status: Mapped[str | None] = mapped_column(String(16))
    confirmation_ref: Mapped[str | None] = mapped_column(String(200))
    respond_by: Mapped[datetime | None]
    responded_at: Mapped[datetime | None]
    answered_by: Mapped[str | None] = mapped_column(String(90))
    failure_code: Mapped[str | None] = mapped_column(String(64))
    detail: Mapped[str | None] = mapped_column(Text)

    __table_args__ = (
        UniqueConstraint("plan_id", "version_line_id"),
        CheckConstraint(f"status IN {LINE_STATUSES!r}", name="status"),
        CheckConstraint(
            "supplier_status IS NULL"
            " OR supplier_status IN ('requested', 'confirmed', 'declined', 'cancelled')",
            name="supplier_status",
        ),
    )
