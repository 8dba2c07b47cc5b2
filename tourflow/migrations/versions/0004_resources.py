"""resources, pools, slot assignments, closeouts and program resource holds

Revision ID: 0004
Revises: 0002
Create Date: 2026-11-22 10:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql


revision: str = '0004'
down_revision: str | None = '0002'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # The exclusion constraints compare resource_id (text) with '=' inside a GiST index.
    op.execute("CREATE EXTENSION IF NOT EXISTS btree_gist")
    op.create_table('resource_pools',
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('resource_type', sa.String(length=32), nullable=True),
    sa.Column('timezone', sa.String(length=64), nullable=True),
    sa.Column('id', sa.String(length=90), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_resource_pools'))
    )
    op.create_table('resources',
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('type', sa.String(length=32), nullable=False),
    sa.Column('active', sa.Boolean(), server_default='true', nullable=False),
    sa.Column('id', sa.String(length=90), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_resources'))
    )
    op.create_index(op.f('ix_resources_type'), 'resources', ['type'], unique=False)
    op.create_table('resource_closeouts',
    sa.Column('resource_id', sa.String(length=90), nullable=False),
    sa.Column('starts_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('ends_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('reason', sa.String(length=200), nullable=True),
    sa.Column('id', sa.String(length=90), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    postgresql.ExcludeConstraint((sa.column('resource_id'), '='), (sa.text('tstzrange(starts_at, ends_at)'), '&&'), using='gist', name='ex_resource_closeouts_no_overlap'),
    sa.CheckConstraint('ends_at > starts_at', name=op.f('ck_resource_closeouts_ends_after_start')),
    sa.ForeignKeyConstraint(['resource_id'], ['resources.id'], name=op.f('fk_resource_closeouts_resource_id_resources'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_resource_closeouts'))
    )
    op.create_table('resource_holds',
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('program_id', sa.String(length=120), nullable=False),
    sa.Column('resource_id', sa.String(length=90), nullable=True),
    sa.Column('description', sa.String(length=500), nullable=True),
    sa.Column('status', sa.String(length=16), server_default='inquiry', nullable=False),
    sa.Column('cutoff_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('cutoff_processed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('id', sa.String(length=90), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.CheckConstraint("kind IN ('room', 'space')", name=op.f('ck_resource_holds_kind')),
    sa.CheckConstraint("status IN ('inquiry', 'held', 'confirmed', 'released', 'cancelled', 'expired')", name=op.f('ck_resource_holds_status')),
    sa.CheckConstraint('resource_id IS NOT NULL OR description IS NOT NULL', name=op.f('ck_resource_holds_resource_or_description')),
    sa.ForeignKeyConstraint(['resource_id'], ['resources.id'], name=op.f('fk_resource_holds_resource_id_resources'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_resource_holds'))
    )
    op.create_index(op.f('ix_resource_holds_program_id'), 'resource_holds', ['program_id'], unique=False)
    op.create_index(op.f('ix_resource_holds_resource_id'), 'resource_holds', ['resource_id'], unique=False)
    op.create_table('resource_pool_members',
    sa.Column('pool_id', sa.String(length=90), nullable=False),
    sa.Column('resource_id', sa.String(length=90), nullable=False),
    sa.Column('id', sa.String(length=90), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.ForeignKeyConstraint(['pool_id'], ['resource_pools.id'], name=op.f('fk_resource_pool_members_pool_id_resource_pools'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['resource_id'], ['resources.id'], name=op.f('fk_resource_pool_members_resource_id_resources'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_resource_pool_members')),
    sa.UniqueConstraint('pool_id', 'resource_id', name=op.f('uq_resource_pool_members_pool_id_resource_id'))
    )
    op.create_index(op.f('ix_resource_pool_members_resource_id'), 'resource_pool_members', ['resource_id'], unique=False)
    op.create_table('resource_hold_dates',
    sa.Column('hold_id', sa.String(length=90), nullable=False),
    sa.Column('date', sa.Date(), nullable=False),
    sa.Column('held', sa.BigInteger(), nullable=False),
    sa.Column('picked_up', sa.BigInteger(), server_default='0', nullable=False),
    sa.Column('released', sa.BigInteger(), server_default='0', nullable=False),
    sa.Column('id', sa.String(length=90), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.CheckConstraint('held >= 0 AND picked_up >= 0 AND released >= 0', name=op.f('ck_resource_hold_dates_non_negative')),
    sa.CheckConstraint('picked_up + released <= held', name=op.f('ck_resource_hold_dates_within_held')),
    sa.ForeignKeyConstraint(['hold_id'], ['resource_holds.id'], name=op.f('fk_resource_hold_dates_hold_id_resource_holds'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_resource_hold_dates')),
    sa.UniqueConstraint('hold_id', 'date', name=op.f('uq_resource_hold_dates_hold_id_date'))
    )
    op.create_table('resource_requirements',
    sa.Column('option_id', sa.String(length=90), nullable=False),
    sa.Column('pool_id', sa.String(length=90), nullable=False),
    sa.Column('quantity', sa.BigInteger(), server_default='1', nullable=False),
    sa.Column('id', sa.String(length=90), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.CheckConstraint('quantity >= 1', name=op.f('ck_resource_requirements_quantity_positive')),
    sa.ForeignKeyConstraint(['option_id'], ['product_options.id'], name=op.f('fk_resource_requirements_option_id_product_options'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['pool_id'], ['resource_pools.id'], name=op.f('fk_resource_requirements_pool_id_resource_pools'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_resource_requirements')),
    sa.UniqueConstraint('option_id', 'pool_id', name=op.f('uq_resource_requirements_option_id_pool_id'))
    )
    op.create_index(op.f('ix_resource_requirements_pool_id'), 'resource_requirements', ['pool_id'], unique=False)
    op.create_table('resource_hold_pickups',
    sa.Column('hold_date_id', sa.String(length=90), nullable=False),
    sa.Column('session_key', sa.String(length=200), nullable=False),
    sa.Column('quantity', sa.BigInteger(), nullable=False),
    sa.Column('remaining_after', sa.BigInteger(), nullable=False),
    sa.Column('id', sa.String(length=90), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.CheckConstraint('quantity >= 1', name=op.f('ck_resource_hold_pickups_quantity_positive')),
    sa.CheckConstraint('remaining_after >= 0', name=op.f('ck_resource_hold_pickups_remaining_non_negative')),
    sa.ForeignKeyConstraint(['hold_date_id'], ['resource_hold_dates.id'], name=op.f('fk_resource_hold_pickups_hold_date_id_resource_hold_dates'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_resource_hold_pickups')),
    sa.UniqueConstraint('hold_date_id', 'session_key', name=op.f('uq_resource_hold_pickups_hold_date_id_session_key'))
    )
    op.create_table('resource_slot_assignments',
    sa.Column('resource_id', sa.String(length=90), nullable=False),
    sa.Column('slot_id', sa.String(length=90), nullable=False),
    sa.Column('requirement_id', sa.String(length=90), nullable=True),
    sa.Column('starts_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('ends_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('id', sa.String(length=90), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    postgresql.ExcludeConstraint((sa.column('resource_id'), '='), (sa.text('tstzrange(starts_at, ends_at)'), '&&'), using='gist', name='ex_resource_slot_assignments_no_overlap'),
    sa.CheckConstraint('ends_at > starts_at', name=op.f('ck_resource_slot_assignments_ends_after_start')),
    sa.ForeignKeyConstraint(['requirement_id'], ['resource_requirements.id'], name=op.f('fk_resource_slot_assignments_requirement_id_resource_requirements'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['resource_id'], ['resources.id'], name=op.f('fk_resource_slot_assignments_resource_id_resources'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['slot_id'], ['availability_slots.id'], name=op.f('fk_resource_slot_assignments_slot_id_availability_slots'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_resource_slot_assignments'))
    )
    op.create_index(op.f('ix_resource_slot_assignments_requirement_id'), 'resource_slot_assignments', ['requirement_id'], unique=False)
    op.create_index(op.f('ix_resource_slot_assignments_slot_id'), 'resource_slot_assignments', ['slot_id'], unique=False)


def downgrade() -> None:
    op.drop_index(op.f('ix_resource_slot_assignments_slot_id'), table_name='resource_slot_assignments')
    op.drop_index(op.f('ix_resource_slot_assignments_requirement_id'), table_name='resource_slot_assignments')
    op.drop_table('resource_slot_assignments')
    op.drop_table('resource_hold_pickups')
    op.drop_index(op.f('ix_resource_requirements_pool_id'), table_name='resource_requirements')
    op.drop_table('resource_requirements')
    op.drop_table('resource_hold_dates')
    op.drop_index(op.f('ix_resource_pool_members_resource_id'), table_name='resource_pool_members')
    op.drop_table('resource_pool_members')
    op.drop_index(op.f('ix_resource_holds_resource_id'), table_name='resource_holds')
    op.drop_index(op.f('ix_resource_holds_program_id'), table_name='resource_holds')
    op.drop_table('resource_holds')
    op.drop_table('resource_closeouts')
    op.drop_index(op.f('ix_resources_type'), table_name='resources')
    op.drop_table('resources')
    op.drop_table('resource_pools')
    # btree_gist stays: other revisions (or the operator) may rely on it.
