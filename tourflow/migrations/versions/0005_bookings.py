"""bookings: bookings, items, travellers, allocations, origins, supplier statuses,
activity log, notes, fulfillments and redemptions (merges the ground and resources heads)

Revision ID: 0005
Revises: 0003, 0004
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0005"
down_revision: str | Sequence[str] | None = ("0003", "0004")
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.execute("CREATE SEQUENCE booking_number_seq START WITH 1001")
    op.create_table('bookings',
    sa.Column('number', sa.String(length=32), nullable=False),
    sa.Column('status', sa.String(length=20), server_default='draft', nullable=False),
    sa.Column('currency', sa.String(length=3), nullable=False),
    sa.Column('sell_total_minor', sa.BigInteger(), server_default='0', nullable=False),
    sa.Column('cost_total_minor', sa.BigInteger(), server_default='0', nullable=False),
    sa.Column('buyer_person_id', sa.String(length=90), nullable=True),
    sa.Column('buyer_organization_id', sa.String(length=90), nullable=True),
    sa.Column('buyer_name', sa.String(length=200), nullable=True),
    sa.Column('buyer_email', sa.String(length=320), nullable=True),
    sa.Column('buyer_phone', sa.String(length=40), nullable=True),
    sa.Column('channel_id', sa.String(length=90), nullable=True),
    sa.Column('external_ref', sa.String(length=200), nullable=True),
    sa.Column('hold_expires_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('confirmed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('paid_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('started_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('completed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('expired_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('cancelled_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('id', sa.String(length=90), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.CheckConstraint("status IN ('draft', 'on_hold', 'awaiting_payment', 'confirmed', 'in_progress', 'completed', 'expired', 'cancelled')", name=op.f('ck_bookings_status')),
    sa.CheckConstraint("status NOT IN ('on_hold', 'awaiting_payment') OR hold_expires_at IS NOT NULL", name=op.f('ck_bookings_held_has_expiry')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_bookings')),
    sa.UniqueConstraint('number', name=op.f('uq_bookings_number'))
    )
    op.create_index('ix_bookings_status_hold', 'bookings', ['status', 'hold_expires_at'], unique=False)
    op.create_table('booking_activity',
    sa.Column('booking_id', sa.String(length=90), nullable=False),
    sa.Column('action', sa.String(length=64), nullable=False),
    sa.Column('actor_id', sa.String(length=90), nullable=True),
    sa.Column('reason', sa.Text(), nullable=True),
    sa.Column('details', postgresql.JSONB(astext_type=sa.Text()), server_default='{}', nullable=False),
    sa.Column('id', sa.String(length=90), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.ForeignKeyConstraint(['booking_id'], ['bookings.id'], name=op.f('fk_booking_activity_booking_id_bookings'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_booking_activity'))
    )
    op.create_index(op.f('ix_booking_activity_booking_id'), 'booking_activity', ['booking_id'], unique=False)
    op.create_table('booking_notes',
    sa.Column('booking_id', sa.String(length=90), nullable=False),
    sa.Column('author_id', sa.String(length=90), nullable=True),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('visibility', sa.String(length=16), server_default='internal', nullable=False),
    sa.Column('id', sa.String(length=90), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.CheckConstraint("visibility IN ('internal', 'customer')", name=op.f('ck_booking_notes_visibility')),
    sa.ForeignKeyConstraint(['booking_id'], ['bookings.id'], name=op.f('fk_booking_notes_booking_id_bookings'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_booking_notes'))
    )
    op.create_index(op.f('ix_booking_notes_booking_id'), 'booking_notes', ['booking_id'], unique=False)
    op.create_table('booking_origins',
    sa.Column('booking_id', sa.String(length=90), nullable=False),
    sa.Column('kind', sa.String(length=32), nullable=False),
    sa.Column('quote_version_id', sa.String(length=90), nullable=True),
    sa.Column('reservation_plan_id', sa.String(length=90), nullable=True),
    sa.Column('trip_snapshot_id', sa.String(length=90), nullable=True),
    sa.Column('catalog_response_id', sa.String(length=90), nullable=True),
    sa.Column('provider_order_ref', sa.String(length=200), nullable=True),
    sa.Column('legacy_transaction_id', sa.String(length=200), nullable=True),
    sa.Column('channel_id', sa.String(length=90), nullable=True),
    sa.Column('note', sa.Text(), nullable=True),
    sa.Column('id', sa.String(length=90), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.CheckConstraint("kind IN ('accepted_quote_version', 'catalog_price_availability', 'catalog_snapshot', 'provider_source_order', 'legacy_transaction', 'manual', 'direct')", name=op.f('ck_booking_origins_kind')),
    sa.ForeignKeyConstraint(['booking_id'], ['bookings.id'], name=op.f('fk_booking_origins_booking_id_bookings'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_booking_origins')),
    sa.UniqueConstraint('booking_id', name=op.f('uq_booking_origins_booking_id'))
    )
    op.create_table('booking_travellers',
    sa.Column('booking_id', sa.String(length=90), nullable=False),
    sa.Column('category', sa.String(length=20), server_default='adult', nullable=False),
    sa.Column('first_name', sa.String(length=100), nullable=False),
    sa.Column('last_name', sa.String(length=100), nullable=False),
    sa.Column('email', sa.String(length=320), nullable=True),
    sa.Column('phone', sa.String(length=40), nullable=True),
    sa.Column('is_lead', sa.Boolean(), server_default='false', nullable=False),
    sa.Column('person_id', sa.String(length=90), nullable=True),
    sa.Column('id', sa.String(length=90), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.CheckConstraint("category IN ('adult', 'child', 'infant', 'youth', 'senior', 'student')", name=op.f('ck_booking_travellers_category')),
    sa.ForeignKeyConstraint(['booking_id'], ['bookings.id'], name=op.f('fk_booking_travellers_booking_id_bookings'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_booking_travellers'))
    )
    op.create_index(op.f('ix_booking_travellers_booking_id'), 'booking_travellers', ['booking_id'], unique=False)
    op.create_table('booking_items',
    sa.Column('booking_id', sa.String(length=90), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('description', sa.String(length=300), nullable=False),
    sa.Column('product_id', sa.String(length=90), nullable=True),
    sa.Column('option_id', sa.String(length=90), nullable=True),
    sa.Column('unit_id', sa.String(length=90), nullable=True),
    sa.Column('slot_id', sa.String(length=90), nullable=True),
    sa.Column('quantity', sa.BigInteger(), server_default='1', nullable=False),
    sa.Column('pax', sa.BigInteger(), server_default='0', nullable=False),
    sa.Column('sell_amount_minor', sa.BigInteger(), nullable=False),
    sa.Column('sell_currency', sa.String(length=3), nullable=False),
    sa.Column('cost_amount_minor', sa.BigInteger(), server_default='0', nullable=False),
    sa.Column('cost_currency', sa.String(length=3), nullable=False),
    sa.Column('status', sa.String(length=16), server_default='active', nullable=False),
    sa.Column('id', sa.String(length=90), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.CheckConstraint("kind IN ('unit', 'service', 'extra', 'fee', 'tax', 'discount', 'accommodation', 'transport')", name=op.f('ck_booking_items_kind')),
    sa.CheckConstraint("status IN ('active', 'cancelled')", name=op.f('ck_booking_items_status')),
    sa.CheckConstraint('pax >= 0', name=op.f('ck_booking_items_pax_non_negative')),
    sa.CheckConstraint('quantity >= 1', name=op.f('ck_booking_items_quantity_positive')),
    sa.ForeignKeyConstraint(['booking_id'], ['bookings.id'], name=op.f('fk_booking_items_booking_id_bookings'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['option_id'], ['product_options.id'], name=op.f('fk_booking_items_option_id_product_options')),
    sa.ForeignKeyConstraint(['product_id'], ['products.id'], name=op.f('fk_booking_items_product_id_products')),
    sa.ForeignKeyConstraint(['slot_id'], ['availability_slots.id'], name=op.f('fk_booking_items_slot_id_availability_slots')),
    sa.ForeignKeyConstraint(['unit_id'], ['option_units.id'], name=op.f('fk_booking_items_unit_id_option_units')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_booking_items'))
    )
    op.create_index(op.f('ix_booking_items_booking_id'), 'booking_items', ['booking_id'], unique=False)
    op.create_table('booking_allocations',
    sa.Column('booking_id', sa.String(length=90), nullable=False),
    sa.Column('item_id', sa.String(length=90), nullable=False),
    sa.Column('target', sa.String(length=16), nullable=False),
    sa.Column('slot_id', sa.String(length=90), nullable=True),
    sa.Column('slot_pickup_id', sa.String(length=90), nullable=True),
    sa.Column('slot_resource_id', sa.String(length=90), nullable=True),
    sa.Column('traveller_id', sa.String(length=90), nullable=True),
    sa.Column('pax', sa.BigInteger(), server_default='0', nullable=False),
    sa.Column('status', sa.String(length=16), server_default='held', nullable=False),
    sa.Column('released_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('id', sa.String(length=90), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.CheckConstraint("(target = 'slot' AND slot_id IS NOT NULL) OR (target = 'pickup' AND slot_pickup_id IS NOT NULL) OR (target = 'resource' AND slot_resource_id IS NOT NULL)", name=op.f('ck_booking_allocations_target_ref')),
    sa.CheckConstraint("status IN ('held', 'confirmed', 'fulfilled', 'released')", name=op.f('ck_booking_allocations_status')),
    sa.CheckConstraint("target IN ('slot', 'pickup', 'resource')", name=op.f('ck_booking_allocations_target')),
    sa.ForeignKeyConstraint(['booking_id'], ['bookings.id'], name=op.f('fk_booking_allocations_booking_id_bookings'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['item_id'], ['booking_items.id'], name=op.f('fk_booking_allocations_item_id_booking_items'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['slot_id'], ['availability_slots.id'], name=op.f('fk_booking_allocations_slot_id_availability_slots')),
    sa.ForeignKeyConstraint(['slot_pickup_id'], ['slot_pickups.id'], name=op.f('fk_booking_allocations_slot_pickup_id_slot_pickups')),
    sa.ForeignKeyConstraint(['slot_resource_id'], ['slot_resources.id'], name=op.f('fk_booking_allocations_slot_resource_id_slot_resources')),
    sa.ForeignKeyConstraint(['traveller_id'], ['booking_travellers.id'], name=op.f('fk_booking_allocations_traveller_id_booking_travellers'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_booking_allocations'))
    )
    op.create_index(op.f('ix_booking_allocations_booking_id'), 'booking_allocations', ['booking_id'], unique=False)
    op.create_index('ix_booking_allocations_slot', 'booking_allocations', ['slot_id'], unique=False, postgresql_where=sa.text("status <> 'released'"))
    op.create_table('booking_fulfillments',
    sa.Column('booking_id', sa.String(length=90), nullable=False),
    sa.Column('item_id', sa.String(length=90), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('delivery_channel', sa.String(length=16), nullable=False),
    sa.Column('code', sa.String(length=64), nullable=False),
    sa.Column('single_use', sa.Boolean(), server_default='true', nullable=False),
    sa.Column('status', sa.String(length=16), server_default='issued', nullable=False),
    sa.Column('reissue_of_id', sa.String(length=90), nullable=True),
    sa.Column('revoked_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('revoke_reason', sa.String(length=300), nullable=True),
    sa.Column('id', sa.String(length=90), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.CheckConstraint("delivery_channel IN ('email', 'sms', 'wallet', 'download', 'print', 'api')", name=op.f('ck_booking_fulfillments_delivery_channel')),
    sa.CheckConstraint("kind IN ('voucher', 'ticket', 'pdf', 'qr', 'barcode')", name=op.f('ck_booking_fulfillments_kind')),
    sa.CheckConstraint("status IN ('issued', 'redeemed', 'revoked', 'superseded')", name=op.f('ck_booking_fulfillments_status')),
    sa.ForeignKeyConstraint(['booking_id'], ['bookings.id'], name=op.f('fk_booking_fulfillments_booking_id_bookings'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['item_id'], ['booking_items.id'], name=op.f('fk_booking_fulfillments_item_id_booking_items'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['reissue_of_id'], ['booking_fulfillments.id'], name=op.f('fk_booking_fulfillments_reissue_of_id_booking_fulfillments')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_booking_fulfillments')),
    sa.UniqueConstraint('code', name=op.f('uq_booking_fulfillments_code'))
    )
    op.create_index(op.f('ix_booking_fulfillments_booking_id'), 'booking_fulfillments', ['booking_id'], unique=False)
    op.create_index('ix_booking_fulfillments_item_live', 'booking_fulfillments', ['item_id'], unique=False, postgresql_where=sa.text("status IN ('issued', 'redeemed')"))
    op.create_table('booking_supplier_statuses',
    sa.Column('booking_id', sa.String(length=90), nullable=False),
    sa.Column('item_id', sa.String(length=90), nullable=False),
    sa.Column('supplier_ref', sa.String(length=200), nullable=False),
    sa.Column('status', sa.String(length=16), server_default='requested', nullable=False),
    sa.Column('confirmation_ref', sa.String(length=200), nullable=True),
    sa.Column('respond_by', sa.DateTime(timezone=True), nullable=True),
    sa.Column('responded_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('id', sa.String(length=90), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.CheckConstraint("status IN ('requested', 'confirmed', 'declined', 'cancelled')", name=op.f('ck_booking_supplier_statuses_status')),
    sa.ForeignKeyConstraint(['booking_id'], ['bookings.id'], name=op.f('fk_booking_supplier_statuses_booking_id_bookings'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['item_id'], ['booking_items.id'], name=op.f('fk_booking_supplier_statuses_item_id_booking_items'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_booking_supplier_statuses')),
    sa.UniqueConstraint('item_id', 'supplier_ref', name=op.f('uq_booking_supplier_statuses_item_id_supplier_ref'))
    )
    op.create_index(op.f('ix_booking_supplier_statuses_booking_id'), 'booking_supplier_statuses', ['booking_id'], unique=False)
    op.create_table('booking_redemptions',
    sa.Column('fulfillment_id', sa.String(length=90), nullable=False),
    sa.Column('scan_id', sa.String(length=200), nullable=False),
    sa.Column('location', sa.String(length=200), nullable=True),
    sa.Column('redeemed_by', sa.String(length=90), nullable=True),
    sa.Column('redeemed_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('id', sa.String(length=90), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.ForeignKeyConstraint(['fulfillment_id'], ['booking_fulfillments.id'], name=op.f('fk_booking_redemptions_fulfillment_id_booking_fulfillments'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_booking_redemptions')),
    sa.UniqueConstraint('fulfillment_id', 'scan_id', name=op.f('uq_booking_redemptions_fulfillment_id_scan_id'))
    )


def downgrade() -> None:
    op.drop_table('booking_redemptions')
    op.drop_index(op.f('ix_booking_supplier_statuses_booking_id'), table_name='booking_supplier_statuses')
    op.drop_table('booking_supplier_statuses')
    op.drop_index('ix_booking_fulfillments_item_live', table_name='booking_fulfillments', postgresql_where=sa.text("status IN ('issued', 'redeemed')"))
    op.drop_index(op.f('ix_booking_fulfillments_booking_id'), table_name='booking_fulfillments')
    op.drop_table('booking_fulfillments')
    op.drop_index('ix_booking_allocations_slot', table_name='booking_allocations', postgresql_where=sa.text("status <> 'released'"))
    op.drop_index(op.f('ix_booking_allocations_booking_id'), table_name='booking_allocations')
    op.drop_table('booking_allocations')
    op.drop_index(op.f('ix_booking_items_booking_id'), table_name='booking_items')
    op.drop_table('booking_items')
    op.drop_index(op.f('ix_booking_travellers_booking_id'), table_name='booking_travellers')
    op.drop_table('booking_travellers')
    op.drop_table('booking_origins')
    op.drop_index(op.f('ix_booking_notes_booking_id'), table_name='booking_notes')
    op.drop_table('booking_notes')
    op.drop_index(op.f('ix_booking_activity_booking_id'), table_name='booking_activity')
    op.drop_table('booking_activity')
    op.drop_index('ix_bookings_status_hold', table_name='bookings')
    op.drop_table('bookings')
    op.execute("DROP SEQUENCE booking_number_seq")
