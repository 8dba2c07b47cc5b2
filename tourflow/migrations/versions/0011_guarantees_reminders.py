"""guarantees, payment reminders, received bank transfers; payment sessions may target a
guarantee or an explicit reference.

Revision ID: 0011
Revises: 0009
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy import Text
from sqlalchemy.dialects import postgresql

revision: str = "0011"
down_revision: str | Sequence[str] | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

OLD_TARGETS = "target_kind IN ('booking', 'invoice', 'schedule_line')"
NEW_TARGETS = "target_kind IN ('booking', 'invoice', 'schedule_line', 'guarantee', 'reference')"


def _stamps() -> list[sa.Column[object]]:
    return [
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
    ]


def upgrade() -> None:
    op.create_table(
        "booking_guarantees",
        sa.Column("booking_id", sa.String(length=90), nullable=False),
        sa.Column("idempotency_key", sa.String(length=200), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("status", sa.String(length=16), server_default="pending", nullable=False),
        sa.Column("amount_minor", sa.BigInteger(), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("reference", sa.String(length=200), nullable=True),
        sa.Column("issuer", sa.String(length=200), nullable=True),
        sa.Column("provider", sa.String(length=40), nullable=True),
        sa.Column("provider_ref", sa.String(length=200), nullable=True),
        sa.Column("payment_session_id", sa.String(length=90), nullable=True),
        sa.Column("payment_id", sa.String(length=90), nullable=True),
        sa.Column("claimed_minor", sa.BigInteger(), server_default="0", nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("secured_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        *_stamps(),
        sa.CheckConstraint(
            "kind IN ('deposit', 'pre_auth', 'card_on_file', 'agency_letter', 'voucher')",
            name=op.f("ck_booking_guarantees_kind"),
        ),
        sa.CheckConstraint(
            "status IN ('pending', 'cancelled', 'expired') OR secured_at IS NOT NULL",
            name=op.f("ck_booking_guarantees_secured_at"),
        ),
        sa.CheckConstraint(
            "status IN ('pending', 'active', 'released', 'claimed', 'cancelled', 'expired')",
            name=op.f("ck_booking_guarantees_status"),
        ),
        sa.CheckConstraint("amount_minor > 0", name=op.f("ck_booking_guarantees_amount_positive")),
        sa.CheckConstraint(
            "claimed_minor >= 0 AND claimed_minor <= amount_minor",
            name=op.f("ck_booking_guarantees_claimed"),
        ),
        sa.ForeignKeyConstraint(
            ["booking_id"], ["bookings.id"], name=op.f("fk_booking_guarantees_booking_id_bookings")
        ),
        sa.ForeignKeyConstraint(
            ["payment_id"], ["payments.id"], name=op.f("fk_booking_guarantees_payment_id_payments")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_booking_guarantees")),
        sa.UniqueConstraint("idempotency_key", name=op.f("uq_booking_guarantees_idempotency_key")),
    )
    op.create_index(
        op.f("ix_booking_guarantees_booking_id"), "booking_guarantees", ["booking_id"], unique=False
    )
    op.create_index(
        op.f("ix_booking_guarantees_payment_session_id"),
        "booking_guarantees",
        ["payment_session_id"],
        unique=False,
    )
    op.create_table(
        "payment_reminders",
        sa.Column("line_id", sa.String(length=90), nullable=False),
        sa.Column("booking_id", sa.String(length=90), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("reminder_date", sa.Date(), nullable=False),
        sa.Column("channel", sa.String(length=40), nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=False),
        *_stamps(),
        sa.CheckConstraint("kind IN ('due', 'overdue')", name=op.f("ck_payment_reminders_kind")),
        sa.ForeignKeyConstraint(
            ["booking_id"], ["bookings.id"], name=op.f("fk_payment_reminders_booking_id_bookings")
        ),
        sa.ForeignKeyConstraint(
            ["line_id"],
            ["booking_payment_schedule_lines.id"],
            name=op.f("fk_payment_reminders_line_id_booking_payment_schedule_lines"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_payment_reminders")),
        sa.UniqueConstraint(
            "line_id",
            "kind",
            "reminder_date",
            name=op.f("uq_payment_reminders_line_id_kind_reminder_date"),
        ),
    )
    op.create_index(
        op.f("ix_payment_reminders_booking_id"), "payment_reminders", ["booking_id"], unique=False
    )
    op.create_table(
        "received_bank_transfers",
        sa.Column("transaction_id", sa.String(length=200), nullable=False),
        sa.Column("reference", sa.String(length=200), nullable=False),
        sa.Column("amount_minor", sa.BigInteger(), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("payer", sa.String(length=200), nullable=True),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("payment_session_id", sa.String(length=90), nullable=True),
        sa.Column("payment_id", sa.String(length=90), nullable=True),
        sa.Column(
            "details", postgresql.JSONB(astext_type=Text()), server_default="{}", nullable=False
        ),
        *_stamps(),
        sa.CheckConstraint(
            "status IN ('matched', 'unmatched', 'amount_mismatch')",
            name=op.f("ck_received_bank_transfers_status"),
        ),
        sa.CheckConstraint(
            "amount_minor > 0", name=op.f("ck_received_bank_transfers_amount_positive")
        ),
        sa.ForeignKeyConstraint(
            ["payment_id"],
            ["payments.id"],
            name=op.f("fk_received_bank_transfers_payment_id_payments"),
        ),
        sa.ForeignKeyConstraint(
            ["payment_session_id"],
            ["payment_sessions.id"],
            name=op.f("fk_received_bank_transfers_payment_session_id_payment_sessions"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_received_bank_transfers")),
        sa.UniqueConstraint(
            "transaction_id", name=op.f("uq_received_bank_transfers_transaction_id")
        ),
    )
    op.create_index(
        op.f("ix_received_bank_transfers_payment_session_id"),
        "received_bank_transfers",
        ["payment_session_id"],
        unique=False,
    )
    op.create_index(
        op.f("ix_received_bank_transfers_reference"),
        "received_bank_transfers",
        ["reference"],
        unique=False,
    )
    op.add_column(
        "payment_sessions", sa.Column("guarantee_id", sa.String(length=90), nullable=True)
    )
    op.create_index(
        op.f("ix_payment_sessions_guarantee_id"), "payment_sessions", ["guarantee_id"], unique=False
    )
    op.create_foreign_key(
        op.f("fk_payment_sessions_guarantee_id_booking_guarantees"),
        "payment_sessions",
        "booking_guarantees",
        ["guarantee_id"],
        ["id"],
    )
    op.drop_constraint(op.f("ck_payment_sessions_target_kind"), "payment_sessions", type_="check")
    op.create_check_constraint(
        op.f("ck_payment_sessions_target_kind"), "payment_sessions", NEW_TARGETS
    )


def downgrade() -> None:
    op.drop_constraint(op.f("ck_payment_sessions_target_kind"), "payment_sessions", type_="check")
    op.create_check_constraint(
        op.f("ck_payment_sessions_target_kind"), "payment_sessions", OLD_TARGETS
    )
    op.drop_constraint(
        op.f("fk_payment_sessions_guarantee_id_booking_guarantees"),
        "payment_sessions",
        type_="foreignkey",
    )
    op.drop_index(op.f("ix_payment_sessions_guarantee_id"), table_name="payment_sessions")
    op.drop_column("payment_sessions", "guarantee_id")
    op.drop_index(
        op.f("ix_received_bank_transfers_reference"), table_name="received_bank_transfers"
    )
    op.drop_index(
        op.f("ix_received_bank_transfers_payment_session_id"), table_name="received_bank_transfers"
    )
    op.drop_table("received_bank_transfers")
    op.drop_index(op.f("ix_payment_reminders_booking_id"), table_name="payment_reminders")
    op.drop_table("payment_reminders")
    op.drop_index(op.f("ix_booking_guarantees_payment_session_id"), table_name="booking_guarantees")
    op.drop_index(op.f("ix_booking_guarantees_booking_id"), table_name="booking_guarantees")
    op.drop_table("booking_guarantees")
