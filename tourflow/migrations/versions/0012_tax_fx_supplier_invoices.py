"""tax regimes and invoice line taxes, FX rates and invoice FX provenance, invoice
renditions, supplier invoices (accounts payable) with allocated lines.

Revision ID: 0012
Revises: 0009
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0012"
down_revision: str | Sequence[str] | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

INVOICE_COLUMNS = (
    "fx_mention",
    "fx_base_total_minor",
    "fx_effective_rate",
    "fx_commission_bps",
    "fx_source",
    "fx_rate_date",
    "fx_rate",
    "fx_base_currency",
    "tax_minor",
    "tax_mode",
)


def upgrade() -> None:
    op.create_table(
        "tax_regimes",
        sa.Column("code", sa.String(length=40), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("rate_bps", sa.BigInteger(), nullable=False),
        sa.Column("active", sa.Boolean(), server_default="true", nullable=False),
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
            "kind <> 'exempt' OR rate_bps = 0", name=op.f("ck_tax_regimes_exempt_zero")
        ),
        sa.CheckConstraint(
            "kind IN ('standard', 'reduced', 'exempt', 'reverse_charge')",
            name=op.f("ck_tax_regimes_kind"),
        ),
        sa.CheckConstraint("rate_bps BETWEEN 0 AND 10000", name=op.f("ck_tax_regimes_rate_range")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_tax_regimes")),
        sa.UniqueConstraint("code", name=op.f("uq_tax_regimes_code")),
    )
    op.create_table(
        "fx_rates",
        sa.Column("from_currency", sa.String(length=3), nullable=False),
        sa.Column("to_currency", sa.String(length=3), nullable=False),
        sa.Column("rate", sa.Numeric(precision=20, scale=10), nullable=False),
        sa.Column("rate_date", sa.Date(), nullable=False),
        sa.Column("source", sa.String(length=64), server_default="manual", nullable=False),
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
            "from_currency <> to_currency", name=op.f("ck_fx_rates_distinct_currencies")
        ),
        sa.CheckConstraint("rate > 0", name=op.f("ck_fx_rates_rate_positive")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_fx_rates")),
        sa.UniqueConstraint(
            "from_currency",
            "to_currency",
            "rate_date",
            "source",
            name=op.f("uq_fx_rates_from_currency_to_currency_rate_date_source"),
        ),
    )
    op.create_index(
        "ix_fx_rates_pair_date",
        "fx_rates",
        ["from_currency", "to_currency", "rate_date"],
        unique=False,
    )
    op.add_column("invoices", sa.Column("tax_mode", sa.String(length=16), nullable=True))
    op.add_column(
        "invoices", sa.Column("tax_minor", sa.BigInteger(), server_default="0", nullable=False)
    )
    op.add_column("invoices", sa.Column("fx_base_currency", sa.String(length=3), nullable=True))
    op.add_column(
        "invoices", sa.Column("fx_rate", sa.Numeric(precision=20, scale=10), nullable=True)
    )
    op.add_column("invoices", sa.Column("fx_rate_date", sa.Date(), nullable=True))
    op.add_column("invoices", sa.Column("fx_source", sa.String(length=64), nullable=True))
    op.add_column("invoices", sa.Column("fx_commission_bps", sa.BigInteger(), nullable=True))
    op.add_column(
        "invoices",
        sa.Column("fx_effective_rate", sa.Numeric(precision=20, scale=10), nullable=True),
    )
    op.add_column("invoices", sa.Column("fx_base_total_minor", sa.BigInteger(), nullable=True))
    op.add_column("invoices", sa.Column("fx_mention", sa.Text(), nullable=True))
    op.create_table(
        "invoice_line_taxes",
        sa.Column("invoice_id", sa.String(length=90), nullable=False),
        sa.Column("invoice_line_id", sa.String(length=90), nullable=False),
        sa.Column("regime_id", sa.String(length=90), nullable=False),
        sa.Column("regime_kind", sa.String(length=20), nullable=False),
        sa.Column("mode", sa.String(length=16), nullable=False),
        sa.Column("rate_bps", sa.BigInteger(), nullable=False),
        sa.Column("amount_minor", sa.BigInteger(), nullable=False),
        sa.Column("net_minor", sa.BigInteger(), nullable=False),
        sa.Column("tax_minor", sa.BigInteger(), nullable=False),
        sa.Column("gross_minor", sa.BigInteger(), nullable=False),
        sa.Column("self_assessed_minor", sa.BigInteger(), server_default="0", nullable=False),
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
            "mode IN ('inclusive', 'exclusive')", name=op.f("ck_invoice_line_taxes_mode")
        ),
        sa.CheckConstraint(
            "net_minor + tax_minor = gross_minor", name=op.f("ck_invoice_line_taxes_balanced")
        ),
        sa.ForeignKeyConstraint(
            ["invoice_id"],
            ["invoices.id"],
            name=op.f("fk_invoice_line_taxes_invoice_id_invoices"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["invoice_line_id"],
            ["invoice_lines.id"],
            name=op.f("fk_invoice_line_taxes_invoice_line_id_invoice_lines"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["regime_id"],
            ["tax_regimes.id"],
            name=op.f("fk_invoice_line_taxes_regime_id_tax_regimes"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_invoice_line_taxes")),
        sa.UniqueConstraint("invoice_line_id", name=op.f("uq_invoice_line_taxes_invoice_line_id")),
    )
    op.create_index(
        op.f("ix_invoice_line_taxes_invoice_id"), "invoice_line_taxes", ["invoice_id"], unique=False
    )
    op.create_table(
        "invoice_renditions",
        sa.Column("invoice_id", sa.String(length=90), nullable=False),
        sa.Column("format", sa.String(length=8), nullable=False),
        sa.Column("status", sa.String(length=16), server_default="ready", nullable=False),
        sa.Column("content_type", sa.String(length=100), nullable=False),
        sa.Column("byte_size", sa.BigInteger(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("template", sa.String(length=64), nullable=False),
        sa.Column("version", sa.BigInteger(), server_default="1", nullable=False),
        sa.Column("rendered_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("body", sa.LargeBinary(), nullable=True),
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
        sa.CheckConstraint("format IN ('pdf', 'html')", name=op.f("ck_invoice_renditions_format")),
        sa.CheckConstraint("status = 'ready'", name=op.f("ck_invoice_renditions_status")),
        sa.CheckConstraint(
            "byte_size = octet_length(body)", name=op.f("ck_invoice_renditions_size")
        ),
        sa.ForeignKeyConstraint(
            ["invoice_id"],
            ["invoices.id"],
            name=op.f("fk_invoice_renditions_invoice_id_invoices"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_invoice_renditions")),
        sa.UniqueConstraint(
            "invoice_id", "format", name=op.f("uq_invoice_renditions_invoice_id_format")
        ),
    )
    op.create_table(
        "supplier_invoices",
        sa.Column("supplier_id", sa.String(length=90), nullable=False),
        sa.Column("supplier_reference", sa.String(length=64), nullable=False),
        sa.Column("status", sa.String(length=16), server_default="received", nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("issue_date", sa.Date(), nullable=False),
        sa.Column("due_date", sa.Date(), nullable=True),
        sa.Column("tax_regime_id", sa.String(length=90), nullable=True),
        sa.Column("tax_mode", sa.String(length=16), server_default="exclusive", nullable=False),
        sa.Column("net_minor", sa.BigInteger(), nullable=False),
        sa.Column("tax_minor", sa.BigInteger(), nullable=False),
        sa.Column("self_assessed_tax_minor", sa.BigInteger(), server_default="0", nullable=False),
        sa.Column("total_minor", sa.BigInteger(), nullable=False),
        sa.Column("base_currency", sa.String(length=3), nullable=False),
        sa.Column("fx_rate", sa.Numeric(precision=20, scale=10), nullable=False),
        sa.Column("fx_rate_date", sa.Date(), nullable=False),
        sa.Column("fx_source", sa.String(length=64), nullable=False),
        sa.Column("base_net_minor", sa.BigInteger(), nullable=False),
        sa.Column("notes", sa.Text(), nullable=True),
        sa.Column("spec_hash", sa.String(length=64), nullable=False),
        sa.Column("voided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("voided_by", sa.String(length=200), nullable=True),
        sa.Column("void_reason", sa.Text(), nullable=True),
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
            "status IN ('received', 'void')", name=op.f("ck_supplier_invoices_status")
        ),
        sa.CheckConstraint(
            "tax_mode IN ('inclusive', 'exclusive')", name=op.f("ck_supplier_invoices_tax_mode")
        ),
        sa.CheckConstraint("fx_rate > 0", name=op.f("ck_supplier_invoices_fx_rate_positive")),
        sa.CheckConstraint(
            "net_minor + tax_minor = total_minor", name=op.f("ck_supplier_invoices_balanced")
        ),
        sa.ForeignKeyConstraint(
            ["tax_regime_id"],
            ["tax_regimes.id"],
            name=op.f("fk_supplier_invoices_tax_regime_id_tax_regimes"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_supplier_invoices")),
    )
    op.create_index(
        "uq_supplier_invoices_live_reference",
        "supplier_invoices",
        ["supplier_id", "supplier_reference"],
        unique=True,
        postgresql_where=sa.text("status <> 'void'"),
    )
    op.create_index(
        op.f("ix_supplier_invoices_supplier_id"), "supplier_invoices", ["supplier_id"], unique=False
    )
    op.create_table(
        "supplier_invoice_lines",
        sa.Column("supplier_invoice_id", sa.String(length=90), nullable=False),
        sa.Column("position", sa.BigInteger(), nullable=False),
        sa.Column("description", sa.String(length=300), nullable=False),
        sa.Column("amount_minor", sa.BigInteger(), nullable=False),
        sa.Column("net_minor", sa.BigInteger(), nullable=False),
        sa.Column("tax_minor", sa.BigInteger(), nullable=False),
        sa.Column("self_assessed_tax_minor", sa.BigInteger(), server_default="0", nullable=False),
        sa.Column("base_net_minor", sa.BigInteger(), nullable=False),
        sa.Column("slot_id", sa.String(length=90), nullable=True),
        sa.Column("product_id", sa.String(length=90), nullable=True),
        sa.Column("booking_id", sa.String(length=90), nullable=True),
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
            "num_nonnulls(slot_id, product_id, booking_id) = 1",
            name=op.f("ck_supplier_invoice_lines_allocation"),
        ),
        sa.ForeignKeyConstraint(
            ["booking_id"],
            ["bookings.id"],
            name=op.f("fk_supplier_invoice_lines_booking_id_bookings"),
        ),
        sa.ForeignKeyConstraint(
            ["product_id"],
            ["products.id"],
            name=op.f("fk_supplier_invoice_lines_product_id_products"),
        ),
        sa.ForeignKeyConstraint(
            ["slot_id"],
            ["availability_slots.id"],
            name=op.f("fk_supplier_invoice_lines_slot_id_availability_slots"),
        ),
        sa.ForeignKeyConstraint(
            ["supplier_invoice_id"],
            ["supplier_invoices.id"],
            name=op.f("fk_supplier_invoice_lines_supplier_invoice_id_supplier_invoices"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_supplier_invoice_lines")),
    )
    op.create_index(
        op.f("ix_supplier_invoice_lines_booking_id"),
        "supplier_invoice_lines",
        ["booking_id"],
        unique=False,
    )
    op.create_index(
        op.f("ix_supplier_invoice_lines_product_id"),
        "supplier_invoice_lines",
        ["product_id"],
        unique=False,
    )
    op.create_index(
        op.f("ix_supplier_invoice_lines_slot_id"),
        "supplier_invoice_lines",
        ["slot_id"],
        unique=False,
    )
    op.create_index(
        op.f("ix_supplier_invoice_lines_supplier_invoice_id"),
        "supplier_invoice_lines",
        ["supplier_invoice_id"],
        unique=False,
    )


def downgrade() -> None:
    op.drop_table("supplier_invoice_lines")
    op.drop_table("supplier_invoices")
    op.drop_table("invoice_renditions")
    op.drop_table("invoice_line_taxes")
    for column in INVOICE_COLUMNS:
        op.drop_column("invoices", column)
    op.drop_table("fx_rates")
    op.drop_table("tax_regimes")
