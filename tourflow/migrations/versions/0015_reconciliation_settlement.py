"""reconciliation and settlement: policies, runs, staged channel reports, issues, settlement
items and remittance exceptions. No foreign keys to distribution or push tables.

Revision ID: 0015
Revises: 0013
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy import Text
from sqlalchemy.dialects import postgresql

revision: str = "0015"
down_revision: str | Sequence[str] | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "channel_reconciliation_policies",
        sa.Column("channel_id", sa.String(length=90), nullable=False),
        sa.Column("frequency", sa.String(length=16), server_default="daily", nullable=False),
        sa.Column("auto_run", sa.Boolean(), server_default="true", nullable=False),
        sa.Column("active", sa.Boolean(), server_default="true", nullable=False),
        sa.Column("check_missing", sa.Boolean(), server_default="true", nullable=False),
        sa.Column("check_status", sa.Boolean(), server_default="true", nullable=False),
        sa.Column("check_amounts", sa.Boolean(), server_default="true", nullable=False),
        sa.Column("check_cancellations", sa.Boolean(), server_default="true", nullable=False),
        sa.Column("check_payouts", sa.Boolean(), server_default="true", nullable=False),
        sa.Column("tolerance_minor", sa.BigInteger(), server_default="0", nullable=False),
        sa.Column("tolerance_bps", sa.BigInteger(), server_default="0", nullable=False),
        sa.Column("revision", sa.BigInteger(), server_default="1", nullable=False),
        sa.Column("id", sa.String(length=90), nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column(
            "updated_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.CheckConstraint(
            "frequency IN ('daily', 'weekly', 'monthly')",
            name=op.f("ck_channel_reconciliation_policies_frequency"),
        ),
        sa.CheckConstraint(
            "tolerance_minor >= 0 AND tolerance_bps >= 0",
            name=op.f("ck_channel_reconciliation_policies_tolerance"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_channel_reconciliation_policies")),
        sa.UniqueConstraint(
            "channel_id", name=op.f("uq_channel_reconciliation_policies_channel_id")
        ),
    )
    op.create_table(
        "channel_reconciliation_runs",
        sa.Column("channel_id", sa.String(length=90), nullable=False),
        sa.Column("period_start", sa.Date(), nullable=False),
        sa.Column("period_end", sa.Date(), nullable=False),
        sa.Column("status", sa.String(length=16), server_default="running", nullable=False),
        sa.Column("workflow_id", sa.String(length=200), nullable=False),
        sa.Column(
            "policy", postgresql.JSONB(astext_type=Text()), server_default="{}", nullable=False
        ),
        sa.Column("report_lines", sa.BigInteger(), server_default="0", nullable=False),
        sa.Column("local_bookings", sa.BigInteger(), server_default="0", nullable=False),
        sa.Column("issue_count", sa.BigInteger(), server_default="0", nullable=False),
        sa.Column("repushed", sa.BigInteger(), server_default="0", nullable=False),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("completed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("id", sa.String(length=90), nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column(
            "updated_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.CheckConstraint(
            "status IN ('running', 'completed', 'failed')",
            name=op.f("ck_channel_reconciliation_runs_status"),
        ),
        sa.CheckConstraint(
            "period_end > period_start", name=op.f("ck_channel_reconciliation_runs_period")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_channel_reconciliation_runs")),
        sa.UniqueConstraint(
            "channel_id",
            "period_start",
            name=op.f("uq_channel_reconciliation_runs_channel_id_period_start"),
        ),
    )
    op.create_index(
        op.f("ix_channel_reconciliation_runs_channel_id"),
        "channel_reconciliation_runs",
        ["channel_id"],
        unique=False,
    )
    op.create_table(
        "channel_settlement_policies",
        sa.Column("channel_id", sa.String(length=90), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("frequency", sa.String(length=16), server_default="monthly", nullable=False),
        sa.Column("auto_run", sa.Boolean(), server_default="true", nullable=False),
        sa.Column("active", sa.Boolean(), server_default="true", nullable=False),
        sa.Column("minimum_payout_minor", sa.BigInteger(), server_default="0", nullable=False),
        sa.Column("remittance_days", sa.BigInteger(), server_default="30", nullable=False),
        sa.Column("approval_required", sa.Boolean(), server_default="true", nullable=False),
        sa.Column("revision", sa.BigInteger(), server_default="1", nullable=False),
        sa.Column("id", sa.String(length=90), nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column(
            "updated_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.CheckConstraint(
            "frequency IN ('daily', 'weekly', 'monthly')",
            name=op.f("ck_channel_settlement_policies_frequency"),
        ),
        sa.CheckConstraint(
            "minimum_payout_minor >= 0", name=op.f("ck_channel_settlement_policies_minimum_payout")
        ),
        sa.CheckConstraint(
            "remittance_days >= 0", name=op.f("ck_channel_settlement_policies_remittance_days")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_channel_settlement_policies")),
        sa.UniqueConstraint("channel_id", name=op.f("uq_channel_settlement_policies_channel_id")),
    )
    op.create_table(
        "channel_reconciliation_items",
        sa.Column("run_id", sa.String(length=90), nullable=False),
        sa.Column("last_run_id", sa.String(length=90), nullable=True),
        sa.Column("channel_id", sa.String(length=90), nullable=False),
        sa.Column("issue_type", sa.String(length=32), nullable=False),
        sa.Column("side", sa.String(length=16), nullable=True),
        sa.Column("severity", sa.String(length=16), nullable=False),
        sa.Column("booking_ref", sa.String(length=200), nullable=False),
        sa.Column("booking_id", sa.String(length=90), nullable=True),
        sa.Column("link_id", sa.String(length=90), nullable=True),
        sa.Column("external_booking_id", sa.String(length=200), nullable=True),
        sa.Column("local_status", sa.String(length=16), nullable=True),
        sa.Column("channel_status", sa.String(length=16), nullable=True),
        sa.Column("local_amount_minor", sa.BigInteger(), nullable=True),
        sa.Column("channel_amount_minor", sa.BigInteger(), nullable=True),
        sa.Column("currency", sa.String(length=3), nullable=True),
        sa.Column("channel_currency", sa.String(length=3), nullable=True),
        sa.Column("resolution", sa.String(length=16), server_default="open", nullable=False),
        sa.Column("resolution_action", sa.String(length=16), nullable=True),
        sa.Column("resolution_note", sa.Text(), nullable=True),
        sa.Column("resolved_by", sa.String(length=90), nullable=True),
        sa.Column("resolved_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("id", sa.String(length=90), nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column(
            "updated_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.CheckConstraint(
            "issue_type IN ('missing_booking', 'status_mismatch', 'amount_mismatch',"
            " 'cancel_mismatch', 'missing_payout')",
            name=op.f("ck_channel_reconciliation_items_issue_type"),
        ),
        sa.CheckConstraint(
            "resolution IN ('open', 'ignored', 'resolved')",
            name=op.f("ck_channel_reconciliation_items_resolution"),
        ),
        sa.CheckConstraint(
            "resolution_action IS NULL"
            " OR resolution_action IN ('repush', 'cancel_locally', 'accept')",
            name=op.f("ck_channel_reconciliation_items_action"),
        ),
        sa.CheckConstraint(
            "severity IN ('low', 'medium', 'high')",
            name=op.f("ck_channel_reconciliation_items_severity"),
        ),
        sa.CheckConstraint(
            "side IS NULL OR side IN ('local', 'channel')",
            name=op.f("ck_channel_reconciliation_items_side"),
        ),
        sa.ForeignKeyConstraint(
            ["run_id"],
            ["channel_reconciliation_runs.id"],
            name=op.f("fk_channel_reconciliation_items_run_id_channel_reconciliation_runs"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_channel_reconciliation_items")),
    )
    op.create_index(
        op.f("ix_channel_reconciliation_items_booking_id"),
        "channel_reconciliation_items",
        ["booking_id"],
        unique=False,
    )
    op.create_index(
        "ix_channel_reconciliation_items_open",
        "channel_reconciliation_items",
        ["channel_id", "resolution"],
        unique=False,
    )
    op.create_index(
        op.f("ix_channel_reconciliation_items_last_run_id"),
        "channel_reconciliation_items",
        ["last_run_id"],
        unique=False,
    )
    op.create_index(
        "uq_channel_reconciliation_items_open_issue",
        "channel_reconciliation_items",
        ["channel_id", "issue_type", "booking_ref"],
        unique=True,
        postgresql_where=sa.text("resolution = 'open'"),
    )
    op.create_table(
        "channel_reconciliation_report_lines",
        sa.Column("run_id", sa.String(length=90), nullable=False),
        sa.Column("line_key", sa.String(length=300), nullable=False),
        sa.Column("booking_ref", sa.String(length=200), nullable=False),
        sa.Column("external_booking_id", sa.String(length=200), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("amount_minor", sa.BigInteger(), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("payout_minor", sa.BigInteger(), nullable=True),
        sa.Column("id", sa.String(length=90), nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column(
            "updated_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["run_id"],
            ["channel_reconciliation_runs.id"],
            name=op.f("fk_channel_reconciliation_report_lines_run_id_channel_reconciliation_runs"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_channel_reconciliation_report_lines")),
        sa.UniqueConstraint(
            "run_id",
            "line_key",
            name=op.f("uq_channel_reconciliation_report_lines_run_id_line_key"),
        ),
    )
    op.create_index(
        "ix_channel_reconciliation_report_lines_ref",
        "channel_reconciliation_report_lines",
        ["run_id", "booking_ref"],
        unique=False,
    )
    op.create_table(
        "channel_settlement_runs",
        sa.Column("channel_id", sa.String(length=90), nullable=False),
        sa.Column("period_start", sa.Date(), nullable=False),
        sa.Column("period_end", sa.Date(), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("status", sa.String(length=20), server_default="computing", nullable=False),
        sa.Column("workflow_id", sa.String(length=200), nullable=False),
        sa.Column("approval_required", sa.Boolean(), nullable=False),
        sa.Column("minimum_payout_minor", sa.BigInteger(), server_default="0", nullable=False),
        sa.Column("item_count", sa.BigInteger(), server_default="0", nullable=False),
        sa.Column("gross_minor", sa.BigInteger(), server_default="0", nullable=False),
        sa.Column("commission_minor", sa.BigInteger(), server_default="0", nullable=False),
        sa.Column("net_minor", sa.BigInteger(), server_default="0", nullable=False),
        sa.Column("balance_minor", sa.BigInteger(), server_default="0", nullable=False),
        sa.Column("direction", sa.String(length=16), nullable=True),
        sa.Column("due_date", sa.Date(), nullable=True),
        sa.Column("decided_by", sa.String(length=90), nullable=True),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("decision_note", sa.Text(), nullable=True),
        sa.Column("invoice_id", sa.String(length=90), nullable=True),
        sa.Column("payment_id", sa.String(length=90), nullable=True),
        sa.Column(
            "credit_note_ids",
            postgresql.JSONB(astext_type=Text()),
            server_default="[]",
            nullable=False,
        ),
        sa.Column("credited_minor", sa.BigInteger(), server_default="0", nullable=False),
        sa.Column("posted_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("exceptions_overridden", sa.Boolean(), server_default="false", nullable=False),
        sa.Column("id", sa.String(length=90), nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column(
            "updated_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.CheckConstraint(
            "direction IS NULL OR direction IN ('channel_pays', 'operator_pays', 'none')",
            name=op.f("ck_channel_settlement_runs_direction"),
        ),
        sa.CheckConstraint(
            "status <> 'posted' OR NOT approval_required OR decided_at IS NOT NULL",
            name=op.f("ck_channel_settlement_runs_posted_after_approval"),
        ),
        sa.CheckConstraint(
            "status IN ('computing', 'awaiting_approval', 'approved', 'rejected', 'posted',"
            " 'below_minimum', 'failed')",
            name=op.f("ck_channel_settlement_runs_status"),
        ),
        sa.CheckConstraint(
            "gross_minor = commission_minor + net_minor",
            name=op.f("ck_channel_settlement_runs_balanced"),
        ),
        sa.CheckConstraint(
            "period_end > period_start", name=op.f("ck_channel_settlement_runs_period")
        ),
        sa.ForeignKeyConstraint(
            ["invoice_id"],
            ["invoices.id"],
            name=op.f("fk_channel_settlement_runs_invoice_id_invoices"),
        ),
        sa.ForeignKeyConstraint(
            ["payment_id"],
            ["payments.id"],
            name=op.f("fk_channel_settlement_runs_payment_id_payments"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_channel_settlement_runs")),
        sa.UniqueConstraint(
            "channel_id",
            "period_start",
            name=op.f("uq_channel_settlement_runs_channel_id_period_start"),
        ),
    )
    op.create_index(
        op.f("ix_channel_settlement_runs_channel_id"),
        "channel_settlement_runs",
        ["channel_id"],
        unique=False,
    )
    op.create_table(
        "channel_remittance_exceptions",
        sa.Column("settlement_run_id", sa.String(length=90), nullable=False),
        sa.Column("reconciliation_item_id", sa.String(length=90), nullable=False),
        sa.Column("issue_type", sa.String(length=32), nullable=False),
        sa.Column("booking_ref", sa.String(length=200), nullable=False),
        sa.Column("amount_minor", sa.BigInteger(), nullable=True),
        sa.Column("status", sa.String(length=16), server_default="open", nullable=False),
        sa.Column("resolved_by", sa.String(length=90), nullable=True),
        sa.Column("resolved_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("resolution_note", sa.Text(), nullable=True),
        sa.Column("id", sa.String(length=90), nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column(
            "updated_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.CheckConstraint(
            "status IN ('open', 'resolved')", name=op.f("ck_channel_remittance_exceptions_status")
        ),
        sa.ForeignKeyConstraint(
            ["reconciliation_item_id"],
            ["channel_reconciliation_items.id"],
            name=op.f(
                "fk_channel_remittance_exceptions_reconciliation_item_id_channel_reconciliation_items"
            ),
        ),
        sa.ForeignKeyConstraint(
            ["settlement_run_id"],
            ["channel_settlement_runs.id"],
            name=op.f("fk_channel_remittance_exceptions_settlement_run_id_channel_settlement_runs"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_channel_remittance_exceptions")),
        sa.UniqueConstraint(
            "settlement_run_id",
            "reconciliation_item_id",
            name=op.f("uq_channel_remittance_exceptions_settlement_run_id_reconciliation_item_id"),
        ),
    )
    op.create_index(
        op.f("ix_channel_remittance_exceptions_settlement_run_id"),
        "channel_remittance_exceptions",
        ["settlement_run_id"],
        unique=False,
    )
    op.create_table(
        "channel_settlement_items",
        sa.Column("run_id", sa.String(length=90), nullable=False),
        sa.Column("channel_id", sa.String(length=90), nullable=False),
        sa.Column("kind", sa.String(length=16), server_default="settle", nullable=False),
        sa.Column("booking_id", sa.String(length=90), nullable=False),
        sa.Column("link_id", sa.String(length=90), nullable=True),
        sa.Column("payment_owner", sa.String(length=16), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("gross_minor", sa.BigInteger(), nullable=False),
        sa.Column("commission_minor", sa.BigInteger(), nullable=False),
        sa.Column("net_minor", sa.BigInteger(), nullable=False),
        sa.Column("balance_minor", sa.BigInteger(), nullable=False),
        sa.Column("commission_rule_id", sa.String(length=90), nullable=True),
        sa.Column("commission_source", sa.String(length=32), nullable=True),
        sa.Column("reverses_item_id", sa.String(length=90), nullable=True),
        sa.Column("released_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("id", sa.String(length=90), nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column(
            "updated_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.CheckConstraint(
            "payment_owner IN ('operator', 'channel', 'split')",
            name=op.f("ck_channel_settlement_items_payment_owner"),
        ),
        sa.CheckConstraint(
            "gross_minor = commission_minor + net_minor",
            name=op.f("ck_channel_settlement_items_balanced"),
        ),
        sa.CheckConstraint(
            "kind IN ('settle', 'reversal')", name=op.f("ck_channel_settlement_items_kind")
        ),
        sa.CheckConstraint(
            "(kind = 'reversal') = (reverses_item_id IS NOT NULL)",
            name=op.f("ck_channel_settlement_items_reversal_target"),
        ),
        sa.ForeignKeyConstraint(
            ["booking_id"],
            ["bookings.id"],
            name=op.f("fk_channel_settlement_items_booking_id_bookings"),
        ),
        sa.ForeignKeyConstraint(
            ["run_id"],
            ["channel_settlement_runs.id"],
            name=op.f("fk_channel_settlement_items_run_id_channel_settlement_runs"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_channel_settlement_items")),
        sa.UniqueConstraint(
            "run_id", "booking_id", name=op.f("uq_channel_settlement_items_run_id_booking_id")
        ),
    )
    op.create_index(
        op.f("ix_channel_settlement_items_booking_id"),
        "channel_settlement_items",
        ["booking_id"],
        unique=False,
    )
    # A channel booking is claimed (settled, and reversed) once per channel by live items.
    op.create_index(
        "uq_channel_settlement_items_claim",
        "channel_settlement_items",
        ["channel_id", "booking_id", "kind"],
        unique=True,
        postgresql_where=sa.text("released_at IS NULL"),
    )
    op.create_index(
        "uq_channel_settlement_items_reverses_item_id",
        "channel_settlement_items",
        ["reverses_item_id"],
        unique=True,
        postgresql_where=sa.text("released_at IS NULL AND reverses_item_id IS NOT NULL"),
    )


def downgrade() -> None:
    op.drop_table("channel_settlement_items")
    op.drop_table("channel_remittance_exceptions")
    op.drop_table("channel_settlement_runs")
    op.drop_table("channel_reconciliation_report_lines")
    op.drop_table("channel_reconciliation_items")
    op.drop_table("channel_settlement_policies")
    op.drop_table("channel_reconciliation_runs")
    op.drop_table("channel_reconciliation_policies")
