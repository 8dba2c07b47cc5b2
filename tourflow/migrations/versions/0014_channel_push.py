"""channel push: channel connections (adapter registry key), availability and content push
intents, the shared per-channel rate buckets, the outbound delivery log.

Revision ID: 0014
Revises: 0013
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy import Text
from sqlalchemy.dialects import postgresql

revision: str = "0014"
down_revision: str | Sequence[str] | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "channel_availability_push_intents",
        sa.Column("channel_id", sa.String(length=90), nullable=False),
        sa.Column("slot_id", sa.String(length=90), nullable=False),
        sa.Column("product_id", sa.String(length=90), nullable=True),
        sa.Column("pushed_available", sa.Integer(), nullable=True),
        sa.Column("push_status", sa.String(length=16), server_default="pending", nullable=False),
        sa.Column("attempts", sa.Integer(), server_default="0", nullable=False),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("payload_hash", sa.String(length=128), nullable=True),
        sa.Column("seq", sa.BigInteger(), server_default="0", nullable=False),
        sa.Column("pushed_seq", sa.BigInteger(), nullable=True),
        sa.Column("changes", sa.Integer(), server_default="0", nullable=False),
        sa.Column(
            "requested_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column(
            "next_attempt_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column("claimed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_pushed_at", sa.DateTime(timezone=True), nullable=True),
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
            "push_status IN ('pending', 'in_flight', 'ok', 'failed', 'compensated', 'abandoned')",
            name=op.f("ck_channel_availability_push_intents_push_status"),
        ),
        sa.ForeignKeyConstraint(
            ["channel_id"],
            ["channels.id"],
            name=op.f("fk_channel_availability_push_intents_channel_id_channels"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_channel_availability_push_intents")),
        sa.UniqueConstraint(
            "channel_id",
            "slot_id",
            name=op.f("uq_channel_availability_push_intents_channel_id_slot_id"),
        ),
    )
    op.create_index(
        "ix_channel_availability_push_intents_due",
        "channel_availability_push_intents",
        ["channel_id", "next_attempt_at"],
        unique=False,
        postgresql_where=sa.text("push_status IN ('pending', 'failed')"),
    )
    op.create_table(
        "channel_connections",
        sa.Column("channel_id", sa.String(length=90), nullable=False),
        sa.Column("adapter_kind", sa.String(length=32), server_default="http", nullable=False),
        sa.Column("base_url", sa.String(length=500), nullable=False),
        sa.Column("secret", sa.String(length=500), nullable=True),
        sa.Column("status", sa.String(length=16), server_default="active", nullable=False),
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
            "status IN ('active', 'disabled')", name=op.f("ck_channel_connections_status")
        ),
        sa.ForeignKeyConstraint(
            ["channel_id"],
            ["channels.id"],
            name=op.f("fk_channel_connections_channel_id_channels"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_channel_connections")),
        sa.UniqueConstraint("channel_id", name=op.f("uq_channel_connections_channel_id")),
    )
    op.create_table(
        "channel_content_push_intents",
        sa.Column("channel_id", sa.String(length=90), nullable=False),
        sa.Column("product_id", sa.String(length=90), nullable=False),
        sa.Column("acked_hash", sa.String(length=128), nullable=True),
        sa.Column("push_status", sa.String(length=16), server_default="pending", nullable=False),
        sa.Column("attempts", sa.Integer(), server_default="0", nullable=False),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("payload_hash", sa.String(length=128), nullable=True),
        sa.Column("seq", sa.BigInteger(), server_default="0", nullable=False),
        sa.Column("pushed_seq", sa.BigInteger(), nullable=True),
        sa.Column("changes", sa.Integer(), server_default="0", nullable=False),
        sa.Column(
            "requested_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column(
            "next_attempt_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column("claimed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_pushed_at", sa.DateTime(timezone=True), nullable=True),
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
            "push_status IN ('pending', 'in_flight', 'ok', 'failed', 'compensated', 'abandoned')",
            name=op.f("ck_channel_content_push_intents_push_status"),
        ),
        sa.ForeignKeyConstraint(
            ["channel_id"],
            ["channels.id"],
            name=op.f("fk_channel_content_push_intents_channel_id_channels"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_channel_content_push_intents")),
        sa.UniqueConstraint(
            "channel_id",
            "product_id",
            name=op.f("uq_channel_content_push_intents_channel_id_product_id"),
        ),
    )
    op.create_index(
        "ix_channel_content_push_intents_due",
        "channel_content_push_intents",
        ["channel_id", "next_attempt_at"],
        unique=False,
        postgresql_where=sa.text("push_status IN ('pending', 'failed')"),
    )
    op.create_table(
        "channel_deliveries",
        sa.Column("channel_id", sa.String(length=90), nullable=False),
        sa.Column("connection_id", sa.String(length=90), nullable=True),
        sa.Column("flow", sa.String(length=16), nullable=False),
        sa.Column("subject_id", sa.String(length=90), nullable=False),
        sa.Column("attempt", sa.Integer(), nullable=False),
        sa.Column("method", sa.String(length=8), nullable=False),
        sa.Column("url", sa.String(length=1000), nullable=False),
        sa.Column("request_headers", postgresql.JSONB(astext_type=Text()), nullable=False),
        sa.Column("request_body", postgresql.JSONB(astext_type=Text()), nullable=True),
        sa.Column("status_code", sa.Integer(), nullable=True),
        sa.Column("response_body", postgresql.JSONB(astext_type=Text()), nullable=True),
        sa.Column("outcome", sa.String(length=16), nullable=False),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("duration_ms", sa.Integer(), server_default="0", nullable=False),
        sa.Column("lag_ms", sa.BigInteger(), nullable=True),
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
            "flow IN ('booking', 'cancel', 'availability', 'content', 'report')",
            name=op.f("ck_channel_deliveries_flow"),
        ),
        sa.ForeignKeyConstraint(
            ["channel_id"],
            ["channels.id"],
            name=op.f("fk_channel_deliveries_channel_id_channels"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_channel_deliveries")),
    )
    op.create_index(
        "ix_channel_deliveries_channel_created",
        "channel_deliveries",
        ["channel_id", "created_at"],
        unique=False,
    )
    op.create_index(
        "ix_channel_deliveries_subject", "channel_deliveries", ["subject_id"], unique=False
    )
    op.create_table(
        "channel_rate_buckets",
        sa.Column("channel_id", sa.String(length=90), nullable=False),
        sa.Column("tokens", sa.Double(), nullable=False),
        sa.Column("refilled_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("blocked_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("booking_demand_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("availability_demand_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("granted", sa.BigInteger(), server_default="0", nullable=False),
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
            ["channel_id"],
            ["channels.id"],
            name=op.f("fk_channel_rate_buckets_channel_id_channels"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_channel_rate_buckets")),
        sa.UniqueConstraint("channel_id", name=op.f("uq_channel_rate_buckets_channel_id")),
    )


def downgrade() -> None:
    op.drop_table("channel_rate_buckets")
    op.drop_index("ix_channel_deliveries_subject", table_name="channel_deliveries")
    op.drop_index("ix_channel_deliveries_channel_created", table_name="channel_deliveries")
    op.drop_table("channel_deliveries")
    op.drop_index(
        "ix_channel_content_push_intents_due",
        table_name="channel_content_push_intents",
        postgresql_where=sa.text("push_status IN ('pending', 'failed')"),
    )
    op.drop_table("channel_content_push_intents")
    op.drop_table("channel_connections")
    op.drop_index(
        "ix_channel_availability_push_intents_due",
        table_name="channel_availability_push_intents",
        postgresql_where=sa.text("push_status IN ('pending', 'failed')"),
    )
    op.drop_table("channel_availability_push_intents")
