"""octo: OCTO product settings (availability type, opening hours) and OCTO booking uuids.

Revision ID: 0016
Revises: 0013
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy import Text
from sqlalchemy.dialects import postgresql

revision: str = "0016"
down_revision: str | Sequence[str] | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _timestamps() -> list[sa.Column]:
    return [
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
        "octo_product_settings",
        sa.Column("product_id", sa.String(length=90), nullable=False),
        sa.Column(
            "availability_type",
            sa.String(length=16),
            server_default="START_TIME",
            nullable=False,
        ),
        sa.Column("opening_from", sa.Time(), nullable=True),
        sa.Column("opening_to", sa.Time(), nullable=True),
        sa.Column("short_description", sa.Text(), nullable=True),
        sa.Column("id", sa.String(length=90), nullable=False),
        *_timestamps(),
        sa.CheckConstraint(
            "availability_type IN ('START_TIME', 'OPENING_HOURS')",
            name=op.f("ck_octo_product_settings_availability_type"),
        ),
        sa.CheckConstraint(
            "availability_type = 'START_TIME'"
            " OR (opening_from IS NOT NULL AND opening_to IS NOT NULL)",
            name=op.f("ck_octo_product_settings_opening_hours_set"),
        ),
        sa.ForeignKeyConstraint(
            ["product_id"],
            ["products.id"],
            name=op.f("fk_octo_product_settings_product_id_products"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_octo_product_settings")),
        sa.UniqueConstraint("product_id", name=op.f("uq_octo_product_settings_product_id")),
    )
    op.create_table(
        "octo_bookings",
        sa.Column("uuid", sa.String(length=64), nullable=False),
        sa.Column("booking_id", sa.String(length=90), nullable=False),
        sa.Column("channel_id", sa.String(length=90), nullable=False),
        sa.Column("product_id", sa.String(length=90), nullable=False),
        sa.Column("option_id", sa.String(length=90), nullable=False),
        sa.Column("slot_id", sa.String(length=90), nullable=False),
        sa.Column("reseller_reference", sa.String(length=200), nullable=True),
        sa.Column("notes", sa.Text(), nullable=True),
        sa.Column(
            "contact",
            postgresql.JSONB(astext_type=Text()),
            server_default="{}",
            nullable=False,
        ),
        sa.Column(
            "unit_items",
            postgresql.JSONB(astext_type=Text()),
            server_default="[]",
            nullable=False,
        ),
        sa.Column("cancellation_reason", sa.Text(), nullable=True),
        sa.Column("id", sa.String(length=90), nullable=False),
        *_timestamps(),
        sa.ForeignKeyConstraint(
            ["booking_id"],
            ["bookings.id"],
            name=op.f("fk_octo_bookings_booking_id_bookings"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["option_id"],
            ["product_options.id"],
            name=op.f("fk_octo_bookings_option_id_product_options"),
        ),
        sa.ForeignKeyConstraint(
            ["product_id"], ["products.id"], name=op.f("fk_octo_bookings_product_id_products")
        ),
        sa.ForeignKeyConstraint(
            ["slot_id"],
            ["availability_slots.id"],
            name=op.f("fk_octo_bookings_slot_id_availability_slots"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_octo_bookings")),
        sa.UniqueConstraint("booking_id", name=op.f("uq_octo_bookings_booking_id")),
        sa.UniqueConstraint("uuid", name=op.f("uq_octo_bookings_uuid")),
    )
    op.create_index(
        op.f("ix_octo_bookings_channel_id"), "octo_bookings", ["channel_id"], unique=False
    )
    op.create_index(
        op.f("ix_octo_bookings_reseller_reference"),
        "octo_bookings",
        ["reseller_reference"],
        unique=False,
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_octo_bookings_reseller_reference"), table_name="octo_bookings")
    op.drop_index(op.f("ix_octo_bookings_channel_id"), table_name="octo_bookings")
    op.drop_table("octo_bookings")
    op.drop_table("octo_product_settings")
