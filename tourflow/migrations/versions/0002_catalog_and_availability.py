"""catalog and availability

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-21 16:05:25.487584
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = '0002'
down_revision: str | None = '0001'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:

    op.create_table('pickup_points',
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('place_id', sa.String(length=90), nullable=True),
    sa.Column('instructions', sa.Text(), nullable=True),
    sa.Column('id', sa.String(length=90), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_pickup_points'))
    )
    op.create_table('products',
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('status', sa.String(length=16), server_default='active', nullable=False),
    sa.Column('timezone', sa.String(length=64), server_default='UTC', nullable=False),
    sa.Column('default_currency', sa.String(length=3), server_default='EUR', nullable=False),
    sa.Column('id', sa.String(length=90), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.CheckConstraint("status IN ('draft', 'active', 'archived')", name=op.f('ck_products_status')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_products'))
    )
    op.create_table('pickup_groups',
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('product_id', sa.String(length=90), nullable=True),
    sa.Column('id', sa.String(length=90), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.ForeignKeyConstraint(['product_id'], ['products.id'], name=op.f('fk_pickup_groups_product_id_products'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_pickup_groups'))
    )
    op.create_table('product_options',
    sa.Column('product_id', sa.String(length=90), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('id', sa.String(length=90), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.ForeignKeyConstraint(['product_id'], ['products.id'], name=op.f('fk_product_options_product_id_products'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_product_options'))
    )
    op.create_index(op.f('ix_product_options_product_id'), 'product_options', ['product_id'], unique=False)
    op.create_table('availability_closeouts',
    sa.Column('product_id', sa.String(length=90), nullable=False),
    sa.Column('option_id', sa.String(length=90), nullable=True),
    sa.Column('start_date', sa.Date(), nullable=False),
    sa.Column('end_date', sa.Date(), nullable=False),
    sa.Column('reason', sa.String(length=200), nullable=True),
    sa.Column('id', sa.String(length=90), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.CheckConstraint('end_date >= start_date', name=op.f('ck_availability_closeouts_range_order')),
    sa.ForeignKeyConstraint(['option_id'], ['product_options.id'], name=op.f('fk_availability_closeouts_option_id_product_options'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['product_id'], ['products.id'], name=op.f('fk_availability_closeouts_product_id_products'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_availability_closeouts'))
    )
    op.create_index('ix_availability_closeouts_product_dates', 'availability_closeouts', ['product_id', 'start_date'], unique=False)
    op.create_table('availability_rules',
    sa.Column('product_id', sa.String(length=90), nullable=False),
    sa.Column('option_id', sa.String(length=90), nullable=False),
    sa.Column('rrule', sa.Text(), nullable=False),
    sa.Column('dtstart', sa.Date(), nullable=False),
    sa.Column('start_times', sa.ARRAY(sa.Time()), nullable=False),
    sa.Column('timezone', sa.String(length=64), nullable=False),
    sa.Column('capacity', sa.BigInteger(), nullable=True),
    sa.Column('exdates', sa.ARRAY(sa.Date()), server_default='{}', nullable=False),
    sa.Column('rdates', sa.ARRAY(sa.Date()), server_default='{}', nullable=False),
    sa.Column('duration_minutes', sa.BigInteger(), server_default='120', nullable=False),
    sa.Column('horizon_days', sa.BigInteger(), server_default='365', nullable=False),
    sa.Column('active', sa.Boolean(), server_default='true', nullable=False),
    sa.Column('id', sa.String(length=90), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.CheckConstraint('capacity IS NULL OR capacity >= 0', name=op.f('ck_availability_rules_capacity_non_negative')),
    sa.CheckConstraint('duration_minutes BETWEEN 1 AND 43200', name=op.f('ck_availability_rules_duration_range')),
    sa.CheckConstraint('horizon_days BETWEEN 1 AND 1100', name=op.f('ck_availability_rules_horizon_range')),
    sa.ForeignKeyConstraint(['option_id'], ['product_options.id'], name=op.f('fk_availability_rules_option_id_product_options'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['product_id'], ['products.id'], name=op.f('fk_availability_rules_product_id_products'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_availability_rules'))
    )
    op.create_table('option_units',
    sa.Column('option_id', sa.String(length=90), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('category', sa.String(length=32), server_default='adult', nullable=False),
    sa.Column('pax', sa.BigInteger(), server_default='1', nullable=False),
    sa.Column('price_minor', sa.BigInteger(), nullable=True),
    sa.Column('currency', sa.String(length=3), nullable=True),
    sa.Column('id', sa.String(length=90), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.CheckConstraint('pax >= 1', name=op.f('ck_option_units_pax_positive')),
    sa.ForeignKeyConstraint(['option_id'], ['product_options.id'], name=op.f('fk_option_units_option_id_product_options'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_option_units'))
    )
    op.create_index(op.f('ix_option_units_option_id'), 'option_units', ['option_id'], unique=False)
    op.create_table('pickup_group_members',
    sa.Column('group_id', sa.String(length=90), nullable=False),
    sa.Column('pickup_point_id', sa.String(length=90), nullable=False),
    sa.Column('id', sa.String(length=90), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.ForeignKeyConstraint(['group_id'], ['pickup_groups.id'], name=op.f('fk_pickup_group_members_group_id_pickup_groups'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['pickup_point_id'], ['pickup_points.id'], name=op.f('fk_pickup_group_members_pickup_point_id_pickup_points'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_pickup_group_members')),
    sa.UniqueConstraint('group_id', 'pickup_point_id', name=op.f('uq_pickup_group_members_group_id_pickup_point_id'))
    )
    op.create_table('product_option_resource_templates',
    sa.Column('option_id', sa.String(length=90), nullable=False),
    sa.Column('kind', sa.String(length=64), nullable=False),
    sa.Column('capacity_per_unit', sa.BigInteger(), server_default='1', nullable=False),
    sa.Column('default_count', sa.BigInteger(), nullable=True),
    sa.Column('label_prefix', sa.String(length=64), nullable=True),
    sa.Column('id', sa.String(length=90), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.CheckConstraint('capacity_per_unit >= 1', name=op.f('ck_product_option_resource_templates_capacity_positive')),
    sa.CheckConstraint('default_count IS NULL OR default_count >= 0', name=op.f('ck_product_option_resource_templates_count_non_negative')),
    sa.ForeignKeyConstraint(['option_id'], ['product_options.id'], name=op.f('fk_product_option_resource_templates_option_id_product_options'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_product_option_resource_templates')),
    sa.UniqueConstraint('option_id', 'kind', name=op.f('uq_product_option_resource_templates_option_id_kind'))
    )
    op.create_index(op.f('ix_product_option_resource_templates_option_id'), 'product_option_resource_templates', ['option_id'], unique=False)
    op.create_table('availability_slots',
    sa.Column('rule_id', sa.String(length=90), nullable=True),
    sa.Column('product_id', sa.String(length=90), nullable=False),
    sa.Column('option_id', sa.String(length=90), nullable=False),
    sa.Column('local_date', sa.Date(), nullable=False),
    sa.Column('local_time', sa.Time(), nullable=False),
    sa.Column('timezone', sa.String(length=64), nullable=False),
    sa.Column('starts_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('ends_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('capacity_initial', sa.BigInteger(), nullable=True),
    sa.Column('capacity_remaining', sa.BigInteger(), nullable=True),
    sa.Column('status', sa.String(length=16), server_default='open', nullable=False),
    sa.Column('edited_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('id', sa.String(length=90), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.CheckConstraint("status IN ('open', 'closed', 'sold_out', 'cancelled')", name=op.f('ck_availability_slots_status')),
    sa.CheckConstraint('(capacity_initial IS NULL) = (capacity_remaining IS NULL)', name=op.f('ck_availability_slots_unlimited_both')),
    sa.CheckConstraint('capacity_remaining IS NULL OR capacity_remaining >= 0', name=op.f('ck_availability_slots_remaining_non_negative')),
    sa.CheckConstraint('ends_at > starts_at', name=op.f('ck_availability_slots_ends_after_start')),
    sa.ForeignKeyConstraint(['option_id'], ['product_options.id'], name=op.f('fk_availability_slots_option_id_product_options'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['product_id'], ['products.id'], name=op.f('fk_availability_slots_product_id_products'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['rule_id'], ['availability_rules.id'], name=op.f('fk_availability_slots_rule_id_availability_rules'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_availability_slots')),
    sa.UniqueConstraint('option_id', 'local_date', 'local_time', name=op.f('uq_availability_slots_option_id_local_date_local_time'))
    )
    op.create_index('ix_availability_slots_product_starts', 'availability_slots', ['product_id', 'starts_at'], unique=False)
    op.create_index('ix_availability_slots_rule_date', 'availability_slots', ['rule_id', 'local_date'], unique=False)
    op.create_table('availability_holds',
    sa.Column('token', sa.String(length=200), nullable=False),
    sa.Column('slot_id', sa.String(length=90), nullable=False),
    sa.Column('pax', sa.BigInteger(), nullable=False),
    sa.Column('status', sa.String(length=16), server_default='held', nullable=False),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('released_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('id', sa.String(length=90), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.CheckConstraint("status IN ('held', 'released', 'expired', 'converted')", name=op.f('ck_availability_holds_status')),
    sa.CheckConstraint('pax >= 1', name=op.f('ck_availability_holds_pax_positive')),
    sa.ForeignKeyConstraint(['slot_id'], ['availability_slots.id'], name=op.f('fk_availability_holds_slot_id_availability_slots'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_availability_holds')),
    sa.UniqueConstraint('token', name=op.f('uq_availability_holds_token'))
    )
    op.create_index('ix_availability_holds_slot_held', 'availability_holds', ['slot_id'], unique=False, postgresql_where=sa.text("status = 'held'"))
    op.create_table('slot_pickups',
    sa.Column('slot_id', sa.String(length=90), nullable=False),
    sa.Column('pickup_point_id', sa.String(length=90), nullable=False),
    sa.Column('pickup_time', sa.Time(), nullable=True),
    sa.Column('capacity', sa.BigInteger(), nullable=True),
    sa.Column('remaining', sa.BigInteger(), nullable=True),
    sa.Column('id', sa.String(length=90), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.CheckConstraint('remaining IS NULL OR remaining >= 0', name=op.f('ck_slot_pickups_remaining_non_negative')),
    sa.ForeignKeyConstraint(['pickup_point_id'], ['pickup_points.id'], name=op.f('fk_slot_pickups_pickup_point_id_pickup_points'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['slot_id'], ['availability_slots.id'], name=op.f('fk_slot_pickups_slot_id_availability_slots'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_slot_pickups')),
    sa.UniqueConstraint('slot_id', 'pickup_point_id', name=op.f('uq_slot_pickups_slot_id_pickup_point_id'))
    )
    op.create_table('slot_resources',
    sa.Column('slot_id', sa.String(length=90), nullable=False),
    sa.Column('kind', sa.String(length=64), nullable=False),
    sa.Column('label', sa.String(length=100), nullable=False),
    sa.Column('capacity', sa.BigInteger(), nullable=False),
    sa.Column('template_id', sa.String(length=90), nullable=True),
    sa.Column('ordinal', sa.BigInteger(), nullable=True),
    sa.Column('id', sa.String(length=90), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.CheckConstraint('capacity >= 1', name=op.f('ck_slot_resources_capacity_positive')),
    sa.ForeignKeyConstraint(['slot_id'], ['availability_slots.id'], name=op.f('fk_slot_resources_slot_id_availability_slots'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['template_id'], ['product_option_resource_templates.id'], name=op.f('fk_slot_resources_template_id_product_option_resource_templates'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_slot_resources')),
    sa.UniqueConstraint('slot_id', 'template_id', 'ordinal', name=op.f('uq_slot_resources_slot_id_template_id_ordinal'))
    )
    op.create_index(op.f('ix_slot_resources_slot_id'), 'slot_resources', ['slot_id'], unique=False)
    op.create_table('slot_resource_assignments',
    sa.Column('slot_id', sa.String(length=90), nullable=False),
    sa.Column('resource_id', sa.String(length=90), nullable=False),
    sa.Column('traveller_ref', sa.String(length=90), nullable=False),
    sa.Column('booking_ref', sa.String(length=90), nullable=True),
    sa.Column('id', sa.String(length=90), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.ForeignKeyConstraint(['resource_id'], ['slot_resources.id'], name=op.f('fk_slot_resource_assignments_resource_id_slot_resources'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['slot_id'], ['availability_slots.id'], name=op.f('fk_slot_resource_assignments_slot_id_availability_slots'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_slot_resource_assignments')),
    sa.UniqueConstraint('resource_id', 'traveller_ref', name=op.f('uq_slot_resource_assignments_resource_id_traveller_ref'))
    )
    op.create_index('ix_slot_resource_assignments_slot', 'slot_resource_assignments', ['slot_id'], unique=False)



def downgrade() -> None:

    op.drop_index('ix_slot_resource_assignments_slot', table_name='slot_resource_assignments')
    op.drop_table('slot_resource_assignments')
    op.drop_index(op.f('ix_slot_resources_slot_id'), table_name='slot_resources')
    op.drop_table('slot_resources')
    op.drop_table('slot_pickups')
    op.drop_index('ix_availability_holds_slot_held', table_name='availability_holds', postgresql_where=sa.text("status = 'held'"))
    op.drop_table('availability_holds')
    op.drop_index('ix_availability_slots_rule_date', table_name='availability_slots')
    op.drop_index('ix_availability_slots_product_starts', table_name='availability_slots')
    op.drop_table('availability_slots')
    op.drop_index(op.f('ix_product_option_resource_templates_option_id'), table_name='product_option_resource_templates')
    op.drop_table('product_option_resource_templates')
    op.drop_table('pickup_group_members')
    op.drop_index(op.f('ix_option_units_option_id'), table_name='option_units')
    op.drop_table('option_units')
    op.drop_table('availability_rules')
    op.drop_index('ix_availability_closeouts_product_dates', table_name='availability_closeouts')
    op.drop_table('availability_closeouts')
    op.drop_index(op.f('ix_product_options_product_id'), table_name='product_options')
    op.drop_table('product_options')
    op.drop_table('pickup_groups')
    op.drop_table('products')
    op.drop_table('pickup_points')

