"""Reconciliation policies, runs, the staged channel report, and the issues found."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Text, UniqueConstraint, text
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from domain.base import Base, Timestamps, TypeIdPk
from domain.reconciliation.compare import ACTIONS, ISSUE_TYPES, RESOLUTIONS, SEVERITIES, SIDES

FREQUENCIES = ("daily", "weekly", "monthly")
RUN_STATUSES = ("running", "completed", "failed")


class ReconciliationPolicy(TypeIdPk, Timestamps, Base):
    """How and how often one channel is reconciled; drives a Temporal Schedule."""

    __tablename__ = "channel_reconciliation_policies"
    id_prefix = "chrp"

    # Channels live in distribution: a text id (no FK, see the distribution contract).
    channel_id: Mapped[str] = mapped_column(String(90), unique=True)
    frequency: Mapped[str] = mapped_column(String(16), server_default="daily")
    auto_run: Mapped[bool] = mapped_column(server_default="true")
    active: Mapped[bool] = mapped_column(server_default="true")
    check_missing: Mapped[bool] = mapped_column(server_default="true")
    check_status: Mapped[bool] = mapped_column(server_default="true")
    check_amounts: Mapped[bool] = mapped_column(server_default="true")
    check_cancellations: Mapped[bool] = mapped_column(server_default="true")
    check_payouts: Mapped[bool] = mapped_column(server_default="true")
    tolerance_minor: Mapped[int] = mapped_column(server_default="0")
    tolerance_bps: Mapped[int] = mapped_column(server_default="0")
    # Bumped on every edit: names the schedule-sync workflow of that edit.
    revision: Mapped[int] = mapped_column(server_default="1")

    __table_args__ = (
        CheckConstraint(f"frequency IN {FREQUENCIES!r}", name="frequency"),
        CheckConstraint("tolerance_minor >= 0 AND tolerance_bps >= 0", name="tolerance"),
    )


class ReconciliationRun(TypeIdPk, Timestamps, Base):
    """One reconciliation of a channel over [period_start, period_end)."""

    __tablename__ = "channel_reconciliation_runs"
    id_prefix = "chrr"

    channel_id: Mapped[str] = mapped_column(String(90), index=True)
    period_start: Mapped[date]
    period_end: Mapped[date]
    status: Mapped[str] = mapped_column(String(16), server_default="running")
    workflow_id: Mapped[str] = mapped_column(String(200))
    policy: Mapped[dict[str, Any]] = mapped_column(JSONB, server_default="{}")
    report_lines: Mapped[int] = mapped_column(server_default="0")
    local_bookings: Mapped[int] = mapped_column(server_default="0")
    issue_count: Mapped[int] = mapped_column(server_default="0")
    repushed: Mapped[int] = mapped_column(server_default="0")
    error: Mapped[str | None] = mapped_column(Text)
    completed_at: Mapped[datetime | None]

    __table_args__ = (
        UniqueConstraint("channel_id", "period_start"),
        CheckConstraint(f"status IN {RUN_STATUSES!r}", name="status"),
        CheckConstraint("period_end > period_start", name="period"),
    )


class ReportLine(TypeIdPk, Timestamps, Base):
    """The channel's report, staged per run so one set-based query can compare it."""

    __tablename__ = "channel_reconciliation_report_lines"
    id_prefix = "chrl"

    run_id: Mapped[str] = mapped_column(
        ForeignKey("channel_reconciliation_runs.id", ondelete="CASCADE")
    )
    # The channel's id for the line: re-staging a page (activity retry) overwrites it.
    line_key: Mapped[str] = mapped_column(String(300))
    # Our booking id as the channel echoes it; several lines (items) may share one.
    booking_ref: Mapped[str] = mapped_column(String(200))
    external_booking_id: Mapped[str | None] = mapped_column(String(200))
    status: Mapped[str] = mapped_column(String(16))
    amount_minor: Mapped[int]
    currency: Mapped[str] = mapped_column(String(3))
    payout_minor: Mapped[int | None]

    __table_args__ = (
        UniqueConstraint("run_id", "line_key"),
        Index("ix_channel_reconciliation_report_lines_ref", "run_id", "booking_ref"),
    )


class ReconciliationItem(TypeIdPk, Timestamps, Base):
    """One issue, and how it was resolved: found by `run_id`, last seen by `last_run_id`.

    While open, an issue is unique per (channel, type, booking ref): a later run over an
    overlapping period updates it (`last_run_id`, statuses, amounts) instead of raising it
    twice, and resolves it (`resolved_by = workflow:channel-reconciliation`, no action)
    when it compared that booking and the mismatch is gone.
    """

    __tablename__ = "channel_reconciliation_items"
    id_prefix = "chri"

    run_id: Mapped[str] = mapped_column(
        ForeignKey("channel_reconciliation_runs.id", ondelete="CASCADE")
    )
    # The latest run that found the mismatch (the finding run when only one did).
    last_run_id: Mapped[str | None] = mapped_column(String(90), index=True)
    channel_id: Mapped[str] = mapped_column(String(90))
    issue_type: Mapped[str] = mapped_column(String(32))
    side: Mapped[str | None] = mapped_column(String(16))
    severity: Mapped[str] = mapped_column(String(16))
    booking_ref: Mapped[str] = mapped_column(String(200))
    booking_id: Mapped[str | None] = mapped_column(String(90), index=True)
    link_id: Mapped[str | None] = mapped_column(String(90))
    external_booking_id: Mapped[str | None] = mapped_column(String(200))
    local_status: Mapped[str | None] = mapped_column(String(16))
    channel_status: Mapped[str | None] = mapped_column(String(16))
    local_amount_minor: Mapped[int | None]
    channel_amount_minor: Mapped[int | None]
    currency: Mapped[str | None] = mapped_column(String(3))
    channel_currency: Mapped[str | None] = mapped_column(String(3))
    resolution: Mapped[str] = mapped_column(String(16), server_default="open")
    resolution_action: Mapped[str | None] = mapped_column(String(16))
    resolution_note: Mapped[str | None] = mapped_column(Text)
    resolved_by: Mapped[str | None] = mapped_column(String(90))
    resolved_at: Mapped[datetime | None]

    __table_args__ = (
        # One open issue per mismatch: overlapping runs (and a retried compare step)
        # update it rather than raise it again.
        Index(
            "uq_channel_reconciliation_items_open_issue",
            "channel_id",
            "issue_type",
            "booking_ref",
            unique=True,
            postgresql_where=text("resolution = 'open'"),
        ),
        CheckConstraint(f"issue_type IN {ISSUE_TYPES!r}", name="issue_type"),
        CheckConstraint(f"severity IN {SEVERITIES!r}", name="severity"),
        CheckConstraint(f"resolution IN {RESOLUTIONS!r}", name="resolution"),
        CheckConstraint(
            f"resolution_action IS NULL OR resolution_action IN {ACTIONS!r}", name="action"
        ),
        CheckConstraint(f"side IS NULL OR side IN {SIDES!r}", name="side"),
        Index("ix_channel_reconciliation_items_open", "channel_id", "resolution"),
    )
