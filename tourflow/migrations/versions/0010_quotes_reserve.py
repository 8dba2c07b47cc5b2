"""quotes, quote versions with frozen lines, reservation plans and their lines.

Revision ID: 0010
Revises: 0009
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | Sequence[str] | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # The catalog's live cost per unit, rechecked against a quote line's frozen cost.
    op.add_column("option_units", sa.Column("cost_minor", sa.BigInteger(), nullable=True))
    op.add_column("option_units", sa.Column("cost_currency", sa.String(length=3), nullable=True))
    op.create_table(
        "quotes",
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("status", sa.String(length=16), server_default="open", nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("buyer_person_id", sa.String(length=90), nullable=True),
        sa.Column("buyer_organization_id", sa.String(length=90), nullable=True),
        sa.Column("buyer_name", sa.String(length=200), nullable=True),
        sa.Column("buyer_email", sa.String(length=320), nullable=True),
        sa.Column("won_version_id", sa.String(length=90), nullable=True),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
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
        sa.CheckConstraint("status IN ('open', 'won', 'lost')", name=op.f("ck_quotes_status")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_quotes")),
    )
    op.create_table(
        "quote_versions",
        sa.Column("quote_id", sa.String(length=90), nullable=False),
        sa.Column("number", sa.BigInteger(), nullable=False),
        sa.Column("status", sa.String(length=16), server_default="draft", nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column(
            "payment_terms",
            sa.String(length=24),
            server_default="pay_before_travel",
            nullable=False,
        ),
        sa.Column("booking_hold_seconds", sa.BigInteger(), nullable=True),
        sa.Column(
            "supplier_deadline_seconds", sa.BigInteger(), server_default="172800", nullable=False
        ),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("accepted_at", sa.DateTime(timezone=True), nullable=True),
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
            "payment_terms IN ('pay_before_travel', 'on_account')",
            name=op.f("ck_quote_versions_payment_terms"),
        ),
        sa.CheckConstraint(
            "status IN ('draft', 'sent', 'accepted', 'superseded')",
            name=op.f("ck_quote_versions_status"),
        ),
        sa.CheckConstraint(
            "supplier_deadline_seconds >= 1", name=op.f("ck_quote_versions_deadline_positive")
        ),
        sa.ForeignKeyConstraint(
            ["quote_id"],
            ["quotes.id"],
            name=op.f("fk_quote_versions_quote_id_quotes"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_quote_versions")),
        sa.UniqueConstraint("quote_id", "number", name=op.f("uq_quote_versions_quote_id_number")),
    )
    op.create_index(
        op.f("ix_quote_versions_quote_id"), "quote_versions", ["quote_id"], unique=False
    )
    op.create_table(
        "quote_version_lines",
        sa.Column("version_id", sa.String(length=90), nullable=False),
        sa.Column("position", sa.BigInteger(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("description", sa.String(length=300), nullable=False),
        sa.Column("product_id", sa.String(length=90), nullable=True),
        sa.Column("option_id", sa.String(length=90), nullable=True),
        sa.Column("unit_id", sa.String(length=90), nullable=True),
        sa.Column("slot_id", sa.String(length=90), nullable=True),
        sa.Column("quantity", sa.BigInteger(), server_default="1", nullable=False),
        sa.Column("pax_per_unit", sa.BigInteger(), server_default="1", nullable=False),
        sa.Column("sell_amount_minor", sa.BigInteger(), nullable=False),
        sa.Column("sell_currency", sa.String(length=3), nullable=False),
        sa.Column("cost_amount_minor", sa.BigInteger(), server_default="0", nullable=False),
        sa.Column("cost_currency", sa.String(length=3), nullable=False),
        sa.Column("supplier_ref", sa.String(length=200), nullable=True),
        sa.Column("service_name", sa.String(length=200), nullable=True),
        sa.Column("supplier_deadline_seconds", sa.BigInteger(), nullable=True),
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
            "kind <> 'catalog' OR (product_id IS NOT NULL AND option_id IS NOT NULL"
            " AND slot_id IS NOT NULL)",
            name=op.f("ck_quote_version_lines_catalog_refs"),
        ),
        sa.CheckConstraint(
            "kind <> 'manual' OR (supplier_ref IS NOT NULL AND service_name IS NOT NULL)",
            name=op.f("ck_quote_version_lines_manual_supplier"),
        ),
        sa.CheckConstraint(
            "kind IN ('catalog', 'manual')", name=op.f("ck_quote_version_lines_kind")
        ),
        sa.CheckConstraint(
            "pax_per_unit >= 0", name=op.f("ck_quote_version_lines_pax_non_negative")
        ),
        sa.CheckConstraint("quantity >= 1", name=op.f("ck_quote_version_lines_quantity_positive")),
        sa.CheckConstraint(
            "supplier_deadline_seconds IS NULL OR supplier_deadline_seconds >= 1",
            name=op.f("ck_quote_version_lines_deadline_positive"),
        ),
        sa.ForeignKeyConstraint(
            ["option_id"],
            ["product_options.id"],
            name=op.f("fk_quote_version_lines_option_id_product_options"),
        ),
        sa.ForeignKeyConstraint(
            ["product_id"], ["products.id"], name=op.f("fk_quote_version_lines_product_id_products")
        ),
        sa.ForeignKeyConstraint(
            ["slot_id"],
            ["availability_slots.id"],
            name=op.f("fk_quote_version_lines_slot_id_availability_slots"),
        ),
        sa.ForeignKeyConstraint(
            ["unit_id"],
            ["option_units.id"],
            name=op.f("fk_quote_version_lines_unit_id_option_units"),
        ),
        sa.ForeignKeyConstraint(
            ["version_id"],
            ["quote_versions.id"],
            name=op.f("fk_quote_version_lines_version_id_quote_versions"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_quote_version_lines")),
        sa.UniqueConstraint(
            "version_id", "position", name=op.f("uq_quote_version_lines_version_id_position")
        ),
    )
    op.create_index(
        op.f("ix_quote_version_lines_version_id"),
        "quote_version_lines",
        ["version_id"],
        unique=False,
    )
    op.create_table(
        "reservation_plans",
        sa.Column("quote_version_id", sa.String(length=90), nullable=False),
        sa.Column("workflow_id", sa.String(length=200), nullable=False),
        sa.Column("status", sa.String(length=16), server_default="pending", nullable=False),
        sa.Column("failure_code", sa.String(length=64), nullable=True),
        sa.Column("failure_line_id", sa.String(length=90), nullable=True),
        sa.Column("failure_message", sa.Text(), nullable=True),
        sa.Column("booking_id", sa.String(length=90), nullable=True),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
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
            "status IN ('pending', 'reserving', 'booked', 'failed')",
            name=op.f("ck_reservation_plans_status"),
        ),
        sa.ForeignKeyConstraint(
            ["booking_id"], ["bookings.id"], name=op.f("fk_reservation_plans_booking_id_bookings")
        ),
        sa.ForeignKeyConstraint(
            ["quote_version_id"],
            ["quote_versions.id"],
            name=op.f("fk_reservation_plans_quote_version_id_quote_versions"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_reservation_plans")),
        sa.UniqueConstraint("booking_id", name=op.f("uq_reservation_plans_booking_id")),
        sa.UniqueConstraint("quote_version_id", name=op.f("uq_reservation_plans_quote_version_id")),
    )
    op.create_table(
        "reservation_plan_lines",
        sa.Column("plan_id", sa.String(length=90), nullable=False),
        sa.Column("version_line_id", sa.String(length=90), nullable=False),
        sa.Column("position", sa.BigInteger(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("status", sa.String(length=24), server_default="pending", nullable=False),
        sa.Column("hold_token", sa.String(length=200), nullable=True),
        sa.Column("hold_id", sa.String(length=90), nullable=True),
        sa.Column("supplier_status", sa.String(length=16), nullable=True),
        sa.Column("confirmation_ref", sa.String(length=200), nullable=True),
        sa.Column("respond_by", sa.DateTime(timezone=True), nullable=True),
        sa.Column("responded_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("answered_by", sa.String(length=90), nullable=True),
        sa.Column("failure_code", sa.String(length=64), nullable=True),
        sa.Column("detail", sa.Text(), nullable=True),
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
            "status IN ('pending', 'held', 'supplier_requested', 'supplier_confirmed', 'converted',"
            " 'failed', 'skipped', 'released', 'release_failed', 'release_not_configured')",
            name=op.f("ck_reservation_plan_lines_status"),
        ),
        sa.CheckConstraint(
            "supplier_status IS NULL"
            " OR supplier_status IN ('requested', 'confirmed', 'declined', 'cancelled')",
            name=op.f("ck_reservation_plan_lines_supplier_status"),
        ),
        sa.ForeignKeyConstraint(
            ["plan_id"],
            ["reservation_plans.id"],
            name=op.f("fk_reservation_plan_lines_plan_id_reservation_plans"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["version_line_id"],
            ["quote_version_lines.id"],
            name=op.f("fk_reservation_plan_lines_version_line_id_quote_version_lines"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_reservation_plan_lines")),
        sa.UniqueConstraint(
            "plan_id",
            "version_line_id",
            name=op.f("uq_reservation_plan_lines_plan_id_version_line_id"),
        ),
    )
    op.create_index(
        op.f("ix_reservation_plan_lines_plan_id"),
        "reservation_plan_lines",
        ["plan_id"],
        unique=False,
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_reservation_plan_lines_plan_id"), table_name="reservation_plan_lines")
    op.drop_table("reservation_plan_lines")
    op.drop_table("reservation_plans")
    op.drop_index(op.f("ix_quote_version_lines_version_id"), table_name="quote_version_lines")
    op.drop_table("quote_version_lines")
    op.drop_index(op.f("ix_quote_versions_quote_id"), table_name="quote_versions")
    op.drop_table("quote_versions")
    op.drop_table("quotes")
    op.drop_column("option_units", "cost_currency")
    op.drop_column("option_units", "cost_minor")
