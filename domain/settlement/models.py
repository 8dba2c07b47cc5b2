"""Settlement policies, runs, items (one per channel booking) and remittance exceptions.

A channel booking is settled once per channel: a settlement item is a *claim*, and the
partial unique index `uq_channel_settlement_items_claim` on (channel_id, booking_id, kind)
over unreleased items lets one live run hold it, whatever the runs' periods. A run that
ends without posting (rejected, below the minimum payout) releases its items'
claims (`released_at`), so a later run settles those bookings; a reversal (kind
`reversal`) is claimed the same way, so a settled booking cancelled since is reversed once.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Text, UniqueConstraint, text
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from domain.base import Base, Timestamps, TypeIdPk
from domain.reconciliation.models import FREQUENCIES
from domain.settlement.rules import PAYMENT_OWNERS, STATUSES

DIRECTIONS = ("channel_pays", "operator_pays", "none")
EXCEPTION_STATUSES = ("open", "resolved")
ITEM_KINDS = ("settle", "reversal")


class SettlementPolicy(TypeIdPk, Timestamps, Base):
    """How one channel is settled; drives a Temporal Schedule."""

    __tablename__ = "channel_settlement_policies"
    id_prefix = "chsp"

    channel_id: Mapped[str] = mapped_column(String(90), unique=True)
    currency: Mapped[str] = mapped_column(String(3))
    frequency: Mapped[str] = mapped_column(String(16), server_default="monthly")
    auto_run: Mapped[bool] = mapped_column(server_default="true")
    active: Mapped[bool] = mapped_column(server_default="true")
    minimum_payout_minor: Mapped[int] = mapped_column(server_default="0")
    remittance_days: Mapped[int] = mapped_column(server_default="30")
    approval_required: Mapped[bool] = mapped_column(server_default="true")
    # Bumped on every edit: names the schedule-sync workflow of that edit.
    revision: Mapped[int] = mapped_column(server_default="1")

    __table_args__ = (
        CheckConstraint(f"frequency IN {FREQUENCIES!r}", name="frequency"),
        CheckConstraint("minimum_payout_minor >= 0", name="minimum_payout"),
        CheckConstraint("remittance_days >= 0", name="remittance_days"),
    )


class SettlementRun(TypeIdPk, Timestamps, Base):
    """One settlement of a channel over [period_start, period_end), in one currency."""

    __tablename__ = "channel_settlement_runs"
    id_prefix = "chsr"

    channel_id: Mapped[str] = mapped_column(String(90), index=True)
    period_start: Mapped[date]
    period_end: Mapped[date]
    currency: Mapped[str] = mapped_column(String(3))
    status: Mapped[str] = mapped_column(String(20), server_default="computing")
    workflow_id: Mapped[str] = mapped_column(String(200))
    approval_required: Mapped[bool]
    minimum_payout_minor: Mapped[int] = mapped_column(server_default="0")
    item_count: Mapped[int] = mapped_column(server_default="0")
    gross_minor: Mapped[int] = mapped_column(server_default="0")
    commission_minor: Mapped[int] = mapped_column(server_default="0")
    net_minor: Mapped[int] = mapped_column(server_default="0")
    balance_minor: Mapped[int] = mapped_column(server_default="0")
    direction: Mapped[str | None] = mapped_column(String(16))
    due_date: Mapped[date | None]
    decided_by: Mapped[str | None] = mapped_column(String(90))
    decided_at: Mapped[datetime | None]
    decision_note: Mapped[str | None] = mapped_column(Text)
    invoice_id: Mapped[str | None] = mapped_column(ForeignKey("invoices.id"))
    payment_id: Mapped[str | None] = mapped_column(ForeignKey("payments.id"))
    # Credit notes against earlier settlement invoices, for their reversed bookings.
    credit_note_ids: Mapped[list[str]] = mapped_column(JSONB, server_default="[]")
    credited_minor: Mapped[int] = mapped_column(server_default="0")
    posted_at: Mapped[datetime | None]
    error: Mapped[str | None] = mapped_column(Text)
    # Approved although remittance exceptions were open (the decision said so explicitly).
    exceptions_overridden: Mapped[bool] = mapped_column(server_default="false")

    __table_args__ = (
        UniqueConstraint("channel_id", "period_start"),
        CheckConstraint(f"status IN {STATUSES!r}", name="status"),
        CheckConstraint(f"direction IS NULL OR direction IN {DIRECTIONS!r}", name="direction"),
        CheckConstraint("period_end > period_start", name="period"),
        CheckConstraint("gross_minor = commission_minor + net_minor", name="balanced"),
        # Nothing is posted before approval: a posted run that needed approval has one.
        CheckConstraint(
            "status <> 'posted' OR NOT approval_required OR decided_at IS NOT NULL",
            name="posted_after_approval",
        ),
    )


class SettlementItem(TypeIdPk, Timestamps, Base):
    """One channel booking's gross, commission (and the rule used) and net."""

    __tablename__ = "channel_settlement_items"
    id_prefix = "chsi"

    run_id: Mapped[str] = mapped_column(
        ForeignKey("channel_settlement_runs.id", ondelete="CASCADE")
    )
    # The run's channel, copied so the claim index can say "once per channel".
    channel_id: Mapped[str] = mapped_column(String(90))
    kind: Mapped[str] = mapped_column(String(16), server_default="settle")
    booking_id: Mapped[str] = mapped_column(ForeignKey("bookings.id"), index=True)
    link_id: Mapped[str | None] = mapped_column(String(90))
    payment_owner: Mapped[str] = mapped_column(String(16))
    currency: Mapped[str] = mapped_column(String(3))
    gross_minor: Mapped[int]
    commission_minor: Mapped[int]
    net_minor: Mapped[int]
    balance_minor: Mapped[int]
    commission_rule_id: Mapped[str | None] = mapped_column(String(90))
    commission_source: Mapped[str | None] = mapped_column(String(32))
    # A reversal (negated amounts) of an item settled by an earlier posted run whose
    # booking was cancelled since; unique among live items: reversed at most once.
    reverses_item_id: Mapped[str | None] = mapped_column(String(90))
    # Set when the run ends without posting (rejected, below minimum): the claim is free.
    released_at: Mapped[datetime | None]

    __table_args__ = (
        UniqueConstraint("run_id", "booking_id"),
        CheckConstraint("gross_minor = commission_minor + net_minor", name="balanced"),
        CheckConstraint(f"payment_owner IN {PAYMENT_OWNERS!r}", name="payment_owner"),
        CheckConstraint(f"kind IN {ITEM_KINDS!r}", name="kind"),
        CheckConstraint(
            "(kind = 'reversal') = (reverses_item_id IS NOT NULL)", name="reversal_target"
        ),
        Index(
            "uq_channel_settlement_items_claim",
            "channel_id",
            "booking_id",
            "kind",
            unique=True,
            postgresql_where=text("released_at IS NULL"),
        ),
        Index(
            "uq_channel_settlement_items_reverses_item_id",
            "reverses_item_id",
            unique=True,
            postgresql_where=text("released_at IS NULL AND reverses_item_id IS NOT NULL"),
        ),
    )


class RemittanceException(TypeIdPk, Timestamps, Base):
    """A reconciliation issue that affects money, raised against a settlement run."""

    __tablename__ = "channel_remittance_exceptions"
    id_prefix = "chre"

    settlement_run_id: Mapped[str] = mapped_column(
        ForeignKey("channel_settlement_runs.id", ondelete="CASCADE"), index=True
    )
    reconciliation_item_id: Mapped[str] = mapped_column(
        ForeignKey("channel_reconciliation_items.id")
    )
    issue_type: Mapped[str] = mapped_column(String(32))
    booking_ref: Mapped[str] = mapped_column(String(200))
    amount_minor: Mapped[int | None]
    status: Mapped[str] = mapped_column(String(16), server_default="open")
    resolved_by: Mapped[str | None] = mapped_column(String(90))
    resolved_at: Mapped[datetime | None]
    resolution_note: Mapped[str | None] = mapped_column(Text)

    __table_args__ = (
        UniqueConstraint("settlement_run_id", "reconciliation_item_id"),
        CheckConstraint(f"status IN {EXCEPTION_STATUSES!r}", name="status"),
    )
