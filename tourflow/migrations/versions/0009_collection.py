"""collection: booking payment schedules and lines, payment sessions, processor events;
inbound payments may name a booking instead of an invoice. Merges the 0007 and 0008 heads.

Revision ID: 0009
Revises: 0007, 0008
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy import Text
from sqlalchemy.dialects import postgresql

revision: str = "0009"
down_revision: str | Sequence[str] | None = ("0007", "0008")
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

OLD_COUNTERPARTY = (
    "(direction = 'inbound' AND invoice_id IS NOT NULL AND supplier_id IS NULL)"
    " OR (direction = 'outbound' AND supplier_id IS NOT NULL AND invoice_id IS NULL)"
)
NEW_COUNTERPARTY = (
    "(direction = 'inbound' AND (invoice_id IS NOT NULL OR booking_id IS NOT NULL)"
    " AND supplier_id IS NULL)"
    " OR (direction = 'outbound' AND supplier_id IS NOT NULL AND invoice_id IS NULL)"
)


def upgrade() -> None:
    op.drop_constraint(op.f("ck_payments_counterparty"), "payments", type_="check")
    op.create_check_constraint(op.f("ck_payments_counterparty"), "payments", NEW_COUNTERPARTY)
    op.create_table(
        "payment_processor_events",
        sa.Column("processor", sa.String(length=40), nullable=False),
        sa.Column("event_id", sa.String(length=200), nullable=False),
        sa.Column("event_type", sa.String(length=60), nullable=False),
        sa.Column("session_id", sa.String(length=90), nullable=True),
        sa.Column("payload", postgresql.JSONB(astext_type=Text()), nullable=False),
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
        sa.PrimaryKeyConstraint("id", name=op.f("pk_payment_processor_events")),
        sa.UniqueConstraint(
            "processor", "event_id", name=op.f("uq_payment_processor_events_processor_event_id")
        ),
    )
    op.create_index(
        op.f("ix_payment_processor_events_session_id"),
        "payment_processor_events",
        ["session_id"],
        unique=False,
    )
    op.create_table(
        "booking_payment_schedules",
        sa.Column("booking_id", sa.String(length=90), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
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
            ["booking_id"],
            ["bookings.id"],
            name=op.f("fk_booking_payment_schedules_booking_id_bookings"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_booking_payment_schedules")),
        sa.UniqueConstraint("booking_id", name=op.f("uq_booking_payment_schedules_booking_id")),
    )
    op.create_table(
        "booking_payment_schedule_lines",
        sa.Column("schedule_id", sa.String(length=90), nullable=False),
        sa.Column("booking_id", sa.String(length=90), nullable=False),
        sa.Column("position", sa.BigInteger(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("amount_minor", sa.BigInteger(), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("due_date", sa.Date(), nullable=False),
        sa.Column("status", sa.String(length=16), server_default="due", nullable=False),
        sa.Column("paid_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("payment_id", sa.String(length=90), nullable=True),
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
            "(status = 'paid') = (paid_at IS NOT NULL)",
            name=op.f("ck_booking_payment_schedule_lines_paid_at"),
        ),
        sa.CheckConstraint(
            "kind IN ('deposit', 'installment', 'balance', 'hold')",
            name=op.f("ck_booking_payment_schedule_lines_kind"),
        ),
        sa.CheckConstraint(
            "status IN ('due', 'paid', 'cancelled')",
            name=op.f("ck_booking_payment_schedule_lines_status"),
        ),
        sa.CheckConstraint(
            "amount_minor > 0", name=op.f("ck_booking_payment_schedule_lines_amount_positive")
        ),
        sa.ForeignKeyConstraint(
            ["booking_id"],
            ["bookings.id"],
            name=op.f("fk_booking_payment_schedule_lines_booking_id_bookings"),
        ),
        sa.ForeignKeyConstraint(
            ["payment_id"],
            ["payments.id"],
            name=op.f("fk_booking_payment_schedule_lines_payment_id_payments"),
        ),
        sa.ForeignKeyConstraint(
            ["schedule_id"],
            ["booking_payment_schedules.id"],
            name=op.f("fk_booking_payment_schedule_lines_schedule_id_booking_payment_schedules"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_booking_payment_schedule_lines")),
        sa.UniqueConstraint(
            "schedule_id",
            "position",
            name=op.f("uq_booking_payment_schedule_lines_schedule_id_position"),
        ),
    )
    op.create_index(
        op.f("ix_booking_payment_schedule_lines_booking_id"),
        "booking_payment_schedule_lines",
        ["booking_id"],
        unique=False,
    )
    op.create_index(
        op.f("ix_booking_payment_schedule_lines_schedule_id"),
        "booking_payment_schedule_lines",
        ["schedule_id"],
        unique=False,
    )
    op.create_table(
        "payment_sessions",
        sa.Column("idempotency_key", sa.String(length=200), nullable=False),
        sa.Column("method", sa.String(length=16), nullable=False),
        sa.Column("target_kind", sa.String(length=16), nullable=False),
        sa.Column("target_id", sa.String(length=90), nullable=False),
        sa.Column("booking_id", sa.String(length=90), nullable=True),
        sa.Column("invoice_id", sa.String(length=90), nullable=True),
        sa.Column(
            "schedule_line_ids",
            postgresql.JSONB(astext_type=Text()),
            server_default="[]",
            nullable=False,
        ),
        sa.Column("amount_minor", sa.BigInteger(), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("status", sa.String(length=16), server_default="pending", nullable=False),
        sa.Column("provider", sa.String(length=40), nullable=False),
        sa.Column("provider_ref", sa.String(length=200), nullable=True),
        sa.Column("reference", sa.String(length=40), nullable=False),
        sa.Column(
            "next_action", postgresql.JSONB(astext_type=Text()), server_default="{}", nullable=False
        ),
        sa.Column("payment_id", sa.String(length=90), nullable=True),
        sa.Column("failure_reason", sa.String(length=200), nullable=True),
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
            "method IN ('card', 'bank_transfer')", name=op.f("ck_payment_sessions_method")
        ),
        sa.CheckConstraint(
            "status IN ('pending', 'succeeded', 'failed')", name=op.f("ck_payment_sessions_status")
        ),
        sa.CheckConstraint(
            "target_kind IN ('booking', 'invoice', 'schedule_line')",
            name=op.f("ck_payment_sessions_target_kind"),
        ),
        sa.CheckConstraint("amount_minor > 0", name=op.f("ck_payment_sessions_amount_positive")),
        sa.ForeignKeyConstraint(
            ["booking_id"], ["bookings.id"], name=op.f("fk_payment_sessions_booking_id_bookings")
        ),
        sa.ForeignKeyConstraint(
            ["invoice_id"], ["invoices.id"], name=op.f("fk_payment_sessions_invoice_id_invoices")
        ),
        sa.ForeignKeyConstraint(
            ["payment_id"], ["payments.id"], name=op.f("fk_payment_sessions_payment_id_payments")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_payment_sessions")),
        sa.UniqueConstraint("idempotency_key", name=op.f("uq_payment_sessions_idempotency_key")),
        sa.UniqueConstraint("reference", name=op.f("uq_payment_sessions_reference")),
    )
    op.create_index(
        op.f("ix_payment_sessions_booking_id"), "payment_sessions", ["booking_id"], unique=False
    )
    op.create_index(
        op.f("ix_payment_sessions_invoice_id"), "payment_sessions", ["invoice_id"], unique=False
    )
    op.create_index(
        op.f("ix_payment_sessions_provider_ref"), "payment_sessions", ["provider_ref"], unique=False
    )
    op.create_index(
        op.f("ix_payment_sessions_target_id"), "payment_sessions", ["target_id"], unique=False
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_payment_sessions_target_id"), table_name="payment_sessions")
    op.drop_index(op.f("ix_payment_sessions_provider_ref"), table_name="payment_sessions")
    op.drop_index(op.f("ix_payment_sessions_invoice_id"), table_name="payment_sessions")
    op.drop_index(op.f("ix_payment_sessions_booking_id"), table_name="payment_sessions")
    op.drop_table("payment_sessions")
    op.drop_index(
        op.f("ix_booking_payment_schedule_lines_schedule_id"),
        table_name="booking_payment_schedule_lines",
    )
    op.drop_index(
        op.f("ix_booking_payment_schedule_lines_booking_id"),
        table_name="booking_payment_schedule_lines",
    )
    op.drop_table("booking_payment_schedule_lines")
    op.drop_table("booking_payment_schedules")
    op.drop_index(
        op.f("ix_payment_processor_events_session_id"), table_name="payment_processor_events"
    )
    op.drop_table("payment_processor_events")
    op.drop_constraint(op.f("ck_payments_counterparty"), "payments", type_="check")
    op.create_check_constraint(op.f("ck_payments_counterparty"), "payments", OLD_COUNTERPARTY)
