"""distribution: channels, contacts, contracts, commission rules, product mappings,
inventory allotments and targets, release rules and executions, channel booking links,
booking distribution details, inbound webhook events, suppliers and external refs.

Revision ID: 0013
Revises: 0009
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0013"
down_revision: str | Sequence[str] | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "channels",
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("status", sa.String(length=16), server_default="active", nullable=False),
        sa.Column(
            "rate_rps", sa.Numeric(precision=10, scale=3), server_default="5", nullable=False
        ),
        sa.Column("rate_burst", sa.BigInteger(), server_default="10", nullable=False),
        sa.Column("webhook_secret", sa.String(length=200), nullable=True),
        sa.Column("notes", sa.Text(), nullable=True),
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
            "kind IN ('direct', 'ota', 'affiliate', 'reseller', 'marketplace', 'api_partner')",
            name=op.f("ck_channels_kind"),
        ),
        sa.CheckConstraint(
            "status IN ('active', 'paused', 'archived')", name=op.f("ck_channels_status")
        ),
        sa.CheckConstraint("rate_burst >= 1", name=op.f("ck_channels_rate_burst_positive")),
        sa.CheckConstraint("rate_rps > 0", name=op.f("ck_channels_rate_rps_positive")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_channels")),
    )
    op.create_index(
        "uq_channels_direct",
        "channels",
        ["kind"],
        unique=True,
        postgresql_where=sa.text("kind = 'direct'"),
    )
    op.create_table(
        "external_refs",
        sa.Column("entity_type", sa.String(length=40), nullable=False),
        sa.Column("entity_id", sa.String(length=90), nullable=False),
        sa.Column("source_system", sa.String(length=80), nullable=False),
        sa.Column("namespace", sa.String(length=80), server_default="default", nullable=False),
        sa.Column("external_id", sa.String(length=200), nullable=False),
        sa.Column("is_primary", sa.Boolean(), server_default="false", nullable=False),
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
        sa.PrimaryKeyConstraint("id", name=op.f("pk_external_refs")),
        sa.UniqueConstraint(
            "entity_type",
            "source_system",
            "namespace",
            "external_id",
            name=op.f("uq_external_refs_entity_type_source_system_namespace_external_id"),
        ),
    )
    op.create_index(
        "ix_external_refs_entity", "external_refs", ["entity_type", "entity_id"], unique=False
    )
    op.create_index(
        "uq_external_refs_primary",
        "external_refs",
        ["entity_type", "entity_id", "source_system", "namespace"],
        unique=True,
        postgresql_where=sa.text("is_primary"),
    )
    op.create_table(
        "suppliers",
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("type", sa.String(length=20), nullable=False),
        sa.Column("status", sa.String(length=16), server_default="active", nullable=False),
        sa.Column("email", sa.String(length=320), nullable=True),
        sa.Column("phone", sa.String(length=40), nullable=True),
        sa.Column("default_currency", sa.String(length=3), nullable=True),
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
            "status IN ('active', 'inactive', 'archived')", name=op.f("ck_suppliers_status")
        ),
        sa.CheckConstraint(
            "type IN ('accommodation', 'transport', 'guide', 'activity', 'restaurant', 'other')",
            name=op.f("ck_suppliers_type"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_suppliers")),
    )
    op.create_table(
        "booking_distribution_details",
        sa.Column("booking_id", sa.String(length=90), nullable=False),
        sa.Column("source_channel_id", sa.String(length=90), nullable=True),
        sa.Column("payment_owner", sa.String(length=16), nullable=True),
        sa.Column("market", sa.String(length=16), nullable=True),
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
            "payment_owner IS NULL OR payment_owner IN ('operator', 'channel', 'split')",
            name=op.f("ck_booking_distribution_details_payment_owner"),
        ),
        sa.ForeignKeyConstraint(
            ["booking_id"],
            ["bookings.id"],
            name=op.f("fk_booking_distribution_details_booking_id_bookings"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["source_channel_id"],
            ["channels.id"],
            name=op.f("fk_booking_distribution_details_source_channel_id_channels"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_booking_distribution_details")),
        sa.UniqueConstraint("booking_id", name=op.f("uq_booking_distribution_details_booking_id")),
    )
    op.create_index(
        op.f("ix_booking_distribution_details_source_channel_id"),
        "booking_distribution_details",
        ["source_channel_id"],
        unique=False,
    )
    op.create_table(
        "channel_contacts",
        sa.Column("channel_id", sa.String(length=90), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("role", sa.String(length=100), nullable=True),
        sa.Column("email", sa.String(length=320), nullable=True),
        sa.Column("phone", sa.String(length=40), nullable=True),
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
            name=op.f("fk_channel_contacts_channel_id_channels"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_channel_contacts")),
    )
    op.create_index(
        op.f("ix_channel_contacts_channel_id"), "channel_contacts", ["channel_id"], unique=False
    )
    op.create_table(
        "channel_contracts",
        sa.Column("channel_id", sa.String(length=90), nullable=False),
        sa.Column("status", sa.String(length=16), server_default="active", nullable=False),
        sa.Column("valid_from", sa.Date(), nullable=True),
        sa.Column("valid_to", sa.Date(), nullable=True),
        sa.Column("commission_bps", sa.BigInteger(), nullable=True),
        sa.Column("payment_owner", sa.String(length=16), server_default="operator", nullable=False),
        sa.Column(
            "cancellation_owner", sa.String(length=16), server_default="operator", nullable=False
        ),
        sa.Column(
            "compensation_policy",
            sa.String(length=24),
            server_default="eventually_consistent",
            nullable=False,
        ),
        sa.Column("rate_rps_override", sa.Numeric(precision=10, scale=3), nullable=True),
        sa.Column("rate_burst_override", sa.BigInteger(), nullable=True),
        sa.Column("notes", sa.Text(), nullable=True),
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
            "cancellation_owner IN ('operator', 'channel')",
            name=op.f("ck_channel_contracts_cancellation_owner"),
        ),
        sa.CheckConstraint(
            "compensation_policy IN ('eventually_consistent', 'strict_atomic')",
            name=op.f("ck_channel_contracts_compensation_policy"),
        ),
        sa.CheckConstraint(
            "payment_owner IN ('operator', 'channel', 'split')",
            name=op.f("ck_channel_contracts_payment_owner"),
        ),
        sa.CheckConstraint(
            "status IN ('draft', 'active', 'expired', 'terminated')",
            name=op.f("ck_channel_contracts_status"),
        ),
        sa.CheckConstraint(
            "commission_bps IS NULL OR commission_bps BETWEEN 0 AND 10000",
            name=op.f("ck_channel_contracts_commission_bps"),
        ),
        sa.CheckConstraint(
            "rate_burst_override IS NULL OR rate_burst_override >= 1",
            name=op.f("ck_channel_contracts_burst_override"),
        ),
        sa.CheckConstraint(
            "rate_rps_override IS NULL OR rate_rps_override > 0",
            name=op.f("ck_channel_contracts_rps_override"),
        ),
        sa.CheckConstraint(
            "valid_from IS NULL OR valid_to IS NULL OR valid_to >= valid_from",
            name=op.f("ck_channel_contracts_validity"),
        ),
        sa.ForeignKeyConstraint(
            ["channel_id"],
            ["channels.id"],
            name=op.f("fk_channel_contracts_channel_id_channels"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_channel_contracts")),
    )
    op.create_index(
        op.f("ix_channel_contracts_channel_id"), "channel_contracts", ["channel_id"], unique=False
    )
    op.create_table(
        "channel_webhook_events",
        sa.Column("channel_id", sa.String(length=90), nullable=False),
        sa.Column("external_event_id", sa.String(length=200), nullable=False),
        sa.Column("event_type", sa.String(length=80), nullable=False),
        sa.Column("status", sa.String(length=16), server_default="pending", nullable=False),
        sa.Column("payload", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("booking_id", sa.String(length=90), nullable=True),
        sa.Column("outcome", sa.String(length=200), nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("processed_at", sa.DateTime(timezone=True), nullable=True),
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
            "status IN ('pending', 'processed', 'failed', 'ignored')",
            name=op.f("ck_channel_webhook_events_status"),
        ),
        sa.ForeignKeyConstraint(
            ["channel_id"],
            ["channels.id"],
            name=op.f("fk_channel_webhook_events_channel_id_channels"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_channel_webhook_events")),
        sa.UniqueConstraint(
            "channel_id",
            "external_event_id",
            name=op.f("uq_channel_webhook_events_channel_id_external_event_id"),
        ),
    )
    op.create_index(
        op.f("ix_channel_webhook_events_channel_id"),
        "channel_webhook_events",
        ["channel_id"],
        unique=False,
    )
    op.create_table(
        "supplier_contracts",
        sa.Column("supplier_id", sa.String(length=90), nullable=False),
        sa.Column("reference", sa.String(length=200), nullable=False),
        sa.Column("status", sa.String(length=16), server_default="active", nullable=False),
        sa.Column("valid_from", sa.Date(), nullable=True),
        sa.Column("valid_to", sa.Date(), nullable=True),
        sa.Column("terms", sa.Text(), nullable=True),
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
            "status IN ('draft', 'active', 'expired', 'terminated')",
            name=op.f("ck_supplier_contracts_status"),
        ),
        sa.CheckConstraint(
            "valid_from IS NULL OR valid_to IS NULL OR valid_to >= valid_from",
            name=op.f("ck_supplier_contracts_validity"),
        ),
        sa.ForeignKeyConstraint(
            ["supplier_id"],
            ["suppliers.id"],
            name=op.f("fk_supplier_contracts_supplier_id_suppliers"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_supplier_contracts")),
        sa.UniqueConstraint(
            "supplier_id", "reference", name=op.f("uq_supplier_contracts_supplier_id_reference")
        ),
    )
    op.create_index(
        op.f("ix_supplier_contracts_supplier_id"),
        "supplier_contracts",
        ["supplier_id"],
        unique=False,
    )
    op.create_table(
        "supplier_notes",
        sa.Column("supplier_id", sa.String(length=90), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("author", sa.String(length=200), nullable=True),
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
            ["supplier_id"],
            ["suppliers.id"],
            name=op.f("fk_supplier_notes_supplier_id_suppliers"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_supplier_notes")),
    )
    op.create_index(
        op.f("ix_supplier_notes_supplier_id"), "supplier_notes", ["supplier_id"], unique=False
    )
    op.create_table(
        "supplier_services",
        sa.Column("supplier_id", sa.String(length=90), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("description", sa.Text(), nullable=True),
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
        sa.ForeignKeyConstraint(
            ["supplier_id"],
            ["suppliers.id"],
            name=op.f("fk_supplier_services_supplier_id_suppliers"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_supplier_services")),
    )
    op.create_index(
        op.f("ix_supplier_services_supplier_id"), "supplier_services", ["supplier_id"], unique=False
    )
    op.create_table(
        "channel_commission_rules",
        sa.Column("channel_id", sa.String(length=90), nullable=False),
        sa.Column("contract_id", sa.String(length=90), nullable=True),
        sa.Column("scope", sa.String(length=16), nullable=False),
        sa.Column("scope_ref", sa.String(length=200), nullable=True),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("amount_minor", sa.BigInteger(), nullable=True),
        sa.Column("currency", sa.String(length=3), nullable=True),
        sa.Column("bps", sa.BigInteger(), nullable=True),
        sa.Column("valid_from", sa.Date(), nullable=True),
        sa.Column("valid_to", sa.Date(), nullable=True),
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
            "(kind = 'fixed' AND amount_minor IS NOT NULL AND amount_minor >= 0"
            " AND currency IS NOT NULL AND bps IS NULL)"
            " OR (kind = 'percentage' AND bps IS NOT NULL AND bps BETWEEN 0 AND 10000"
            " AND amount_minor IS NULL AND currency IS NULL)",
            name=op.f("ck_channel_commission_rules_kind_fields"),
        ),
        sa.CheckConstraint(
            "(scope = 'booking') = (scope_ref IS NULL)",
            name=op.f("ck_channel_commission_rules_scope_ref"),
        ),
        sa.CheckConstraint(
            "kind IN ('fixed', 'percentage')", name=op.f("ck_channel_commission_rules_kind")
        ),
        sa.CheckConstraint(
            "scope IN ('booking', 'product', 'rate', 'category')",
            name=op.f("ck_channel_commission_rules_scope"),
        ),
        sa.CheckConstraint(
            "valid_from IS NULL OR valid_to IS NULL OR valid_to >= valid_from",
            name=op.f("ck_channel_commission_rules_validity"),
        ),
        sa.ForeignKeyConstraint(
            ["channel_id"],
            ["channels.id"],
            name=op.f("fk_channel_commission_rules_channel_id_channels"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["contract_id"],
            ["channel_contracts.id"],
            name=op.f("fk_channel_commission_rules_contract_id_channel_contracts"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_channel_commission_rules")),
    )
    op.create_index(
        op.f("ix_channel_commission_rules_channel_id"),
        "channel_commission_rules",
        ["channel_id"],
        unique=False,
    )
    op.create_index(
        op.f("ix_channel_commission_rules_contract_id"),
        "channel_commission_rules",
        ["contract_id"],
        unique=False,
    )
    op.create_table(
        "channel_product_mappings",
        sa.Column("channel_id", sa.String(length=90), nullable=False),
        sa.Column("product_id", sa.String(length=90), nullable=False),
        sa.Column("option_id", sa.String(length=90), nullable=True),
        sa.Column("external_product_id", sa.String(length=200), nullable=False),
        sa.Column("external_rate_id", sa.String(length=200), nullable=True),
        sa.Column("external_category_id", sa.String(length=200), nullable=True),
        sa.Column("push_bookings", sa.Boolean(), server_default="true", nullable=False),
        sa.Column("push_availability", sa.Boolean(), server_default="true", nullable=False),
        sa.Column("push_content", sa.Boolean(), server_default="true", nullable=False),
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
        sa.ForeignKeyConstraint(
            ["channel_id"],
            ["channels.id"],
            name=op.f("fk_channel_product_mappings_channel_id_channels"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["option_id"],
            ["product_options.id"],
            name=op.f("fk_channel_product_mappings_option_id_product_options"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["product_id"],
            ["products.id"],
            name=op.f("fk_channel_product_mappings_product_id_products"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_channel_product_mappings")),
        sa.UniqueConstraint(
            "channel_id",
            "product_id",
            name=op.f("uq_channel_product_mappings_channel_id_product_id"),
        ),
    )
    op.create_index(
        op.f("ix_channel_product_mappings_product_id"),
        "channel_product_mappings",
        ["product_id"],
        unique=False,
    )
    op.create_table(
        "supplier_rates",
        sa.Column("supplier_id", sa.String(length=90), nullable=False),
        sa.Column("service_id", sa.String(length=90), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("unit", sa.String(length=16), nullable=False),
        sa.Column("amount_minor", sa.BigInteger(), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("valid_from", sa.Date(), nullable=True),
        sa.Column("valid_to", sa.Date(), nullable=True),
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
            "unit IN ('per_person', 'per_group', 'per_night', 'per_vehicle', 'per_hour',"
            " 'per_day')",
            name=op.f("ck_supplier_rates_unit"),
        ),
        sa.CheckConstraint("amount_minor >= 0", name=op.f("ck_supplier_rates_amount_non_negative")),
        sa.CheckConstraint(
            "valid_from IS NULL OR valid_to IS NULL OR valid_to >= valid_from",
            name=op.f("ck_supplier_rates_validity"),
        ),
        sa.ForeignKeyConstraint(
            ["service_id"],
            ["supplier_services.id"],
            name=op.f("fk_supplier_rates_service_id_supplier_services"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["supplier_id"],
            ["suppliers.id"],
            name=op.f("fk_supplier_rates_supplier_id_suppliers"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_supplier_rates")),
    )
    op.create_index(
        op.f("ix_supplier_rates_service_id"), "supplier_rates", ["service_id"], unique=False
    )
    op.create_index(
        op.f("ix_supplier_rates_supplier_id"), "supplier_rates", ["supplier_id"], unique=False
    )
    op.create_table(
        "channel_inventory_allotments",
        sa.Column("channel_id", sa.String(length=90), nullable=False),
        sa.Column("product_id", sa.String(length=90), nullable=False),
        sa.Column("option_id", sa.String(length=90), nullable=True),
        sa.Column("slot_id", sa.String(length=90), nullable=True),
        sa.Column("start_time", sa.Time(), nullable=True),
        sa.Column("guaranteed_capacity", sa.BigInteger(), server_default="0", nullable=False),
        sa.Column("max_capacity", sa.BigInteger(), nullable=False),
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
            "status IN ('active', 'paused', 'closed')",
            name=op.f("ck_channel_inventory_allotments_status"),
        ),
        sa.CheckConstraint(
            "guaranteed_capacity >= 0",
            name=op.f("ck_channel_inventory_allotments_guaranteed_non_negative"),
        ),
        sa.CheckConstraint(
            "max_capacity >= guaranteed_capacity",
            name=op.f("ck_channel_inventory_allotments_max_covers_guaranteed"),
        ),
        sa.ForeignKeyConstraint(
            ["channel_id"],
            ["channels.id"],
            name=op.f("fk_channel_inventory_allotments_channel_id_channels"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["option_id"],
            ["product_options.id"],
            name=op.f("fk_channel_inventory_allotments_option_id_product_options"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["product_id"],
            ["products.id"],
            name=op.f("fk_channel_inventory_allotments_product_id_products"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["slot_id"],
            ["availability_slots.id"],
            name=op.f("fk_channel_inventory_allotments_slot_id_availability_slots"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_channel_inventory_allotments")),
    )
    op.create_index(
        op.f("ix_channel_inventory_allotments_channel_id"),
        "channel_inventory_allotments",
        ["channel_id"],
        unique=False,
    )
    op.create_index(
        op.f("ix_channel_inventory_allotments_product_id"),
        "channel_inventory_allotments",
        ["product_id"],
        unique=False,
    )
    op.create_table(
        "channel_allotment_release_rules",
        sa.Column("allotment_id", sa.String(length=90), nullable=False),
        sa.Column("channel_id", sa.String(length=90), nullable=False),
        sa.Column("mode", sa.String(length=16), server_default="automatic", nullable=False),
        sa.Column("offset_unit", sa.String(length=8), nullable=False),
        sa.Column("offset_value", sa.BigInteger(), nullable=False),
        sa.Column(
            "unsold_action",
            sa.String(length=32),
            server_default="release_to_general_pool",
            nullable=False,
        ),
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
            "mode IN ('automatic', 'manual')", name=op.f("ck_channel_allotment_release_rules_mode")
        ),
        sa.CheckConstraint(
            "offset_unit IN ('days', 'hours')",
            name=op.f("ck_channel_allotment_release_rules_offset_unit"),
        ),
        sa.CheckConstraint(
            "unsold_action IN ('release_to_general_pool', 'expire', 'retain')",
            name=op.f("ck_channel_allotment_release_rules_unsold_action"),
        ),
        sa.CheckConstraint(
            "offset_value >= 0", name=op.f("ck_channel_allotment_release_rules_offset_non_negative")
        ),
        sa.ForeignKeyConstraint(
            ["allotment_id"],
            ["channel_inventory_allotments.id"],
            name=op.f(
                "fk_channel_allotment_release_rules_allotment_id_channel_inventory_allotments"
            ),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["channel_id"],
            ["channels.id"],
            name=op.f("fk_channel_allotment_release_rules_channel_id_channels"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_channel_allotment_release_rules")),
        sa.UniqueConstraint(
            "allotment_id", name=op.f("uq_channel_allotment_release_rules_allotment_id")
        ),
    )
    op.create_index(
        op.f("ix_channel_allotment_release_rules_channel_id"),
        "channel_allotment_release_rules",
        ["channel_id"],
        unique=False,
    )
    op.create_table(
        "channel_booking_links",
        sa.Column("channel_id", sa.String(length=90), nullable=False),
        sa.Column("booking_id", sa.String(length=90), nullable=False),
        sa.Column("booking_item_id", sa.String(length=90), nullable=True),
        sa.Column("idempotency_key", sa.String(length=300), nullable=False),
        sa.Column("direction", sa.String(length=16), server_default="outbound", nullable=False),
        sa.Column("external_booking_id", sa.String(length=200), nullable=True),
        sa.Column("external_reference", sa.String(length=200), nullable=True),
        sa.Column("external_status", sa.String(length=40), nullable=True),
        sa.Column("push_status", sa.String(length=16), server_default="pending", nullable=False),
        sa.Column("attempts", sa.BigInteger(), server_default="0", nullable=False),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("payload_hash", sa.String(length=128), nullable=True),
        sa.Column("last_synced_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("amount_minor", sa.BigInteger(), nullable=True),
        sa.Column("currency", sa.String(length=3), nullable=True),
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
            "direction IN ('outbound', 'inbound')", name=op.f("ck_channel_booking_links_direction")
        ),
        sa.CheckConstraint(
            "push_status IN ('pending', 'in_flight', 'ok', 'failed', 'compensated', 'abandoned')",
            name=op.f("ck_channel_booking_links_push_status"),
        ),
        sa.CheckConstraint(
            "(amount_minor IS NULL) = (currency IS NULL)",
            name=op.f("ck_channel_booking_links_amount_currency"),
        ),
        sa.CheckConstraint(
            "attempts >= 0", name=op.f("ck_channel_booking_links_attempts_non_negative")
        ),
        sa.ForeignKeyConstraint(
            ["booking_id"],
            ["bookings.id"],
            name=op.f("fk_channel_booking_links_booking_id_bookings"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["booking_item_id"],
            ["booking_items.id"],
            name=op.f("fk_channel_booking_links_booking_item_id_booking_items"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["channel_id"],
            ["channels.id"],
            name=op.f("fk_channel_booking_links_channel_id_channels"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_channel_booking_links")),
        sa.UniqueConstraint(
            "channel_id",
            "booking_id",
            "booking_item_id",
            name=op.f("uq_channel_booking_links_channel_id_booking_id_booking_item_id"),
            postgresql_nulls_not_distinct=True,
        ),
        sa.UniqueConstraint(
            "idempotency_key", name=op.f("uq_channel_booking_links_idempotency_key")
        ),
    )
    op.create_index(
        op.f("ix_channel_booking_links_booking_id"),
        "channel_booking_links",
        ["booking_id"],
        unique=False,
    )
    op.create_index(
        op.f("ix_channel_booking_links_channel_id"),
        "channel_booking_links",
        ["channel_id"],
        unique=False,
    )
    op.create_index(
        op.f("ix_channel_booking_links_external_booking_id"),
        "channel_booking_links",
        ["external_booking_id"],
        unique=False,
    )
    op.create_index(
        op.f("ix_channel_booking_links_external_reference"),
        "channel_booking_links",
        ["external_reference"],
        unique=False,
    )
    op.create_table(
        "channel_inventory_allotment_targets",
        sa.Column("allotment_id", sa.String(length=90), nullable=False),
        sa.Column("slot_id", sa.String(length=90), nullable=False),
        sa.Column("channel_id", sa.String(length=90), nullable=False),
        sa.Column("guaranteed", sa.BigInteger(), nullable=False),
        sa.Column("held", sa.BigInteger(), server_default="0", nullable=False),
        sa.Column("sold", sa.BigInteger(), server_default="0", nullable=False),
        sa.Column("released", sa.BigInteger(), server_default="0", nullable=False),
        sa.Column("status", sa.String(length=16), server_default="open", nullable=False),
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
            "status IN ('open', 'released', 'expired', 'retained')",
            name=op.f("ck_channel_inventory_allotment_targets_status"),
        ),
        sa.CheckConstraint(
            "guaranteed >= 0",
            name=op.f("ck_channel_inventory_allotment_targets_guaranteed_non_negative"),
        ),
        sa.CheckConstraint(
            "held >= 0 AND held <= guaranteed",
            name=op.f("ck_channel_inventory_allotment_targets_held_range"),
        ),
        sa.CheckConstraint(
            "released >= 0",
            name=op.f("ck_channel_inventory_allotment_targets_released_non_negative"),
        ),
        sa.CheckConstraint(
            "sold >= 0", name=op.f("ck_channel_inventory_allotment_targets_sold_non_negative")
        ),
        sa.ForeignKeyConstraint(
            ["allotment_id"],
            ["channel_inventory_allotments.id"],
            name=op.f(
                "fk_channel_inventory_allotment_targets_allotment_id_channel_inventory_allotments"
            ),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["channel_id"],
            ["channels.id"],
            name=op.f("fk_channel_inventory_allotment_targets_channel_id_channels"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["slot_id"],
            ["availability_slots.id"],
            name=op.f("fk_channel_inventory_allotment_targets_slot_id_availability_slots"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_channel_inventory_allotment_targets")),
        sa.UniqueConstraint(
            "allotment_id",
            "slot_id",
            name=op.f("uq_channel_inventory_allotment_targets_allotment_id_slot_id"),
        ),
    )
    op.create_index(
        op.f("ix_channel_inventory_allotment_targets_channel_id"),
        "channel_inventory_allotment_targets",
        ["channel_id"],
        unique=False,
    )
    op.create_index(
        op.f("ix_channel_inventory_allotment_targets_slot_id"),
        "channel_inventory_allotment_targets",
        ["slot_id"],
        unique=False,
    )
    op.create_table(
        "channel_allotment_release_executions",
        sa.Column("target_id", sa.String(length=90), nullable=False),
        sa.Column("rule_id", sa.String(length=90), nullable=True),
        sa.Column("allotment_id", sa.String(length=90), nullable=False),
        sa.Column("slot_id", sa.String(length=90), nullable=False),
        sa.Column("channel_id", sa.String(length=90), nullable=False),
        sa.Column("trigger", sa.String(length=16), nullable=False),
        sa.Column("unsold_action", sa.String(length=32), nullable=False),
        sa.Column("capacity_released", sa.BigInteger(), nullable=False),
        sa.Column("executed_at", sa.DateTime(timezone=True), nullable=False),
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
            "trigger IN ('timer', 'manual', 'sweep')",
            name=op.f("ck_channel_allotment_release_executions_trigger"),
        ),
        sa.CheckConstraint(
            "unsold_action IN ('release_to_general_pool', 'expire', 'retain')",
            name=op.f("ck_channel_allotment_release_executions_unsold_action"),
        ),
        sa.CheckConstraint(
            "capacity_released >= 0",
            name=op.f("ck_channel_allotment_release_executions_released_non_negative"),
        ),
        sa.ForeignKeyConstraint(
            ["rule_id"],
            ["channel_allotment_release_rules.id"],
            name=op.f(
                "fk_channel_allotment_release_executions_rule_id_channel_allotment_release_rules"
            ),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["target_id"],
            ["channel_inventory_allotment_targets.id"],
            name=op.f(
                "fk_channel_allotment_release_executions_target_id_channel_inventory_allotment_targets"
            ),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_channel_allotment_release_executions")),
        sa.UniqueConstraint(
            "target_id", name=op.f("uq_channel_allotment_release_executions_target_id")
        ),
    )
    op.create_index(
        op.f("ix_channel_allotment_release_executions_allotment_id"),
        "channel_allotment_release_executions",
        ["allotment_id"],
        unique=False,
    )
    op.create_index(
        op.f("ix_channel_allotment_release_executions_channel_id"),
        "channel_allotment_release_executions",
        ["channel_id"],
        unique=False,
    )
    op.create_index(
        op.f("ix_channel_allotment_release_executions_slot_id"),
        "channel_allotment_release_executions",
        ["slot_id"],
        unique=False,
    )


def downgrade() -> None:
    op.drop_index(
        op.f("ix_channel_allotment_release_executions_slot_id"),
        table_name="channel_allotment_release_executions",
    )
    op.drop_index(
        op.f("ix_channel_allotment_release_executions_channel_id"),
        table_name="channel_allotment_release_executions",
    )
    op.drop_index(
        op.f("ix_channel_allotment_release_executions_allotment_id"),
        table_name="channel_allotment_release_executions",
    )
    op.drop_table("channel_allotment_release_executions")
    op.drop_index(
        op.f("ix_channel_inventory_allotment_targets_slot_id"),
        table_name="channel_inventory_allotment_targets",
    )
    op.drop_index(
        op.f("ix_channel_inventory_allotment_targets_channel_id"),
        table_name="channel_inventory_allotment_targets",
    )
    op.drop_table("channel_inventory_allotment_targets")
    op.drop_index(
        op.f("ix_channel_booking_links_external_reference"), table_name="channel_booking_links"
    )
    op.drop_index(
        op.f("ix_channel_booking_links_external_booking_id"), table_name="channel_booking_links"
    )
    op.drop_index(op.f("ix_channel_booking_links_channel_id"), table_name="channel_booking_links")
    op.drop_index(op.f("ix_channel_booking_links_booking_id"), table_name="channel_booking_links")
    op.drop_table("channel_booking_links")
    op.drop_index(
        op.f("ix_channel_allotment_release_rules_channel_id"),
        table_name="channel_allotment_release_rules",
    )
    op.drop_table("channel_allotment_release_rules")
    op.drop_index(
        op.f("ix_channel_inventory_allotments_product_id"),
        table_name="channel_inventory_allotments",
    )
    op.drop_index(
        op.f("ix_channel_inventory_allotments_channel_id"),
        table_name="channel_inventory_allotments",
    )
    op.drop_table("channel_inventory_allotments")
    op.drop_index(op.f("ix_supplier_rates_supplier_id"), table_name="supplier_rates")
    op.drop_index(op.f("ix_supplier_rates_service_id"), table_name="supplier_rates")
    op.drop_table("supplier_rates")
    op.drop_index(
        op.f("ix_channel_product_mappings_product_id"), table_name="channel_product_mappings"
    )
    op.drop_table("channel_product_mappings")
    op.drop_index(
        op.f("ix_channel_commission_rules_contract_id"), table_name="channel_commission_rules"
    )
    op.drop_index(
        op.f("ix_channel_commission_rules_channel_id"), table_name="channel_commission_rules"
    )
    op.drop_table("channel_commission_rules")
    op.drop_index(op.f("ix_supplier_services_supplier_id"), table_name="supplier_services")
    op.drop_table("supplier_services")
    op.drop_index(op.f("ix_supplier_notes_supplier_id"), table_name="supplier_notes")
    op.drop_table("supplier_notes")
    op.drop_index(op.f("ix_supplier_contracts_supplier_id"), table_name="supplier_contracts")
    op.drop_table("supplier_contracts")
    op.drop_index(op.f("ix_channel_webhook_events_channel_id"), table_name="channel_webhook_events")
    op.drop_table("channel_webhook_events")
    op.drop_index(op.f("ix_channel_contracts_channel_id"), table_name="channel_contracts")
    op.drop_table("channel_contracts")
    op.drop_index(op.f("ix_channel_contacts_channel_id"), table_name="channel_contacts")
    op.drop_table("channel_contacts")
    op.drop_index(
        op.f("ix_booking_distribution_details_source_channel_id"),
        table_name="booking_distribution_details",
    )
    op.drop_table("booking_distribution_details")
    op.drop_table("suppliers")
    op.drop_index(
        "uq_external_refs_primary",
        table_name="external_refs",
        postgresql_where=sa.text("is_primary"),
    )
    op.drop_index("ix_external_refs_entity", table_name="external_refs")
    op.drop_table("external_refs")
    op.drop_index(
        "uq_channels_direct", table_name="channels", postgresql_where=sa.text("kind = 'direct'")
    )
    op.drop_table("channels")
