"""foundation: outbox, intents, principals and api keys

Revision ID: 0001
Revises: 
Create Date: 2026-11-21 15:55:24.394987
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = '0001'
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    
    op.create_table('outbox_events',
    sa.Column('seq', sa.BigInteger(), sa.Identity(always=True), nullable=False),
    sa.Column('aggregate_type', sa.String(length=64), nullable=False),
    sa.Column('aggregate_id', sa.String(length=90), nullable=False),
    sa.Column('event_type', sa.String(length=128), nullable=False),
    sa.Column('payload', postgresql.JSONB(astext_type=sa.Text()), nullable=False),
    sa.Column('occurred_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('fanned_out_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('id', sa.String(length=90), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_outbox_events')),
    sa.UniqueConstraint('seq', name=op.f('uq_outbox_events_seq'))
    )
    op.create_index('ix_outbox_events_unfanned', 'outbox_events', ['seq'], unique=False, postgresql_where=sa.text('fanned_out_at IS NULL'))
    op.create_table('principals',
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('scopes', sa.ARRAY(sa.String(length=64)), nullable=False),
    sa.Column('channel_id', sa.String(length=90), nullable=True),
    sa.Column('disabled_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('id', sa.String(length=90), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.CheckConstraint("kind IN ('staff', 'agent', 'workflow', 'reseller')", name=op.f('ck_principals_kind')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_principals'))
    )
    op.create_table('workflow_intents',
    sa.Column('key', sa.String(length=300), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('workflow_type', sa.String(length=128), nullable=False),
    sa.Column('workflow_id', sa.String(length=255), nullable=False),
    sa.Column('task_queue', sa.String(length=128), nullable=False),
    sa.Column('input', postgresql.JSONB(astext_type=sa.Text()), nullable=True),
    sa.Column('signal_name', sa.String(length=128), nullable=True),
    sa.Column('signal_input', postgresql.JSONB(astext_type=sa.Text()), nullable=True),
    sa.Column('search_attributes', postgresql.JSONB(astext_type=sa.Text()), server_default='{}', nullable=False),
    sa.Column('status', sa.String(length=16), server_default='pending', nullable=False),
    sa.Column('attempts', sa.BigInteger(), server_default='0', nullable=False),
    sa.Column('last_error', sa.Text(), nullable=True),
    sa.Column('started_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('run_id', sa.String(length=64), nullable=True),
    sa.Column('id', sa.String(length=90), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.CheckConstraint("kind <> 'signal' OR signal_name IS NOT NULL", name=op.f('ck_workflow_intents_signal_needs_name')),
    sa.CheckConstraint("kind IN ('start', 'signal')", name=op.f('ck_workflow_intents_kind')),
    sa.CheckConstraint("status IN ('pending', 'started', 'failed')", name=op.f('ck_workflow_intents_status')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_workflow_intents')),
    sa.UniqueConstraint('key', name=op.f('uq_workflow_intents_key'))
    )
    op.create_index('ix_workflow_intents_pending', 'workflow_intents', ['created_at'], unique=False, postgresql_where=sa.text("status = 'pending'"))
    op.create_index('ix_workflow_intents_workflow_id', 'workflow_intents', ['workflow_id'], unique=False)
    op.create_table('api_keys',
    sa.Column('principal_id', sa.String(length=90), nullable=False),
    sa.Column('lookup', sa.String(length=32), nullable=False),
    sa.Column('secret_hash', sa.String(length=64), nullable=False),
    sa.Column('label', sa.String(length=200), nullable=True),
    sa.Column('last_used_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('revoked_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('id', sa.String(length=90), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.ForeignKeyConstraint(['principal_id'], ['principals.id'], name=op.f('fk_api_keys_principal_id_principals'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_api_keys')),
    sa.UniqueConstraint('lookup', name=op.f('uq_api_keys_lookup'))
    )
    op.create_table('outbox_deliveries',
    sa.Column('event_id', sa.String(length=90), nullable=False),
    sa.Column('event_seq', sa.BigInteger(), nullable=False),
    sa.Column('aggregate_type', sa.String(length=64), nullable=False),
    sa.Column('aggregate_id', sa.String(length=90), nullable=False),
    sa.Column('subscriber', sa.String(length=128), nullable=False),
    sa.Column('status', sa.String(length=16), server_default='pending', nullable=False),
    sa.Column('attempts', sa.BigInteger(), server_default='0', nullable=False),
    sa.Column('available_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('delivered_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('last_error', sa.Text(), nullable=True),
    sa.Column('id', sa.String(length=90), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.CheckConstraint("status IN ('pending', 'delivered', 'dead')", name=op.f('ck_outbox_deliveries_status')),
    sa.ForeignKeyConstraint(['event_id'], ['outbox_events.id'], name=op.f('fk_outbox_deliveries_event_id_outbox_events'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_outbox_deliveries')),
    sa.UniqueConstraint('subscriber', 'event_id', name=op.f('uq_outbox_deliveries_subscriber_event_id'))
    )
    op.create_index('ix_outbox_deliveries_aggregate_order', 'outbox_deliveries', ['subscriber', 'aggregate_type', 'aggregate_id', 'event_seq'], unique=False, postgresql_where=sa.text("status = 'pending'"))
    op.create_index('ix_outbox_deliveries_ready', 'outbox_deliveries', ['available_at', 'event_seq'], unique=False, postgresql_where=sa.text("status = 'pending'"))



def downgrade() -> None:
    
    op.drop_index('ix_outbox_deliveries_ready', table_name='outbox_deliveries', postgresql_where=sa.text("status = 'pending'"))
    op.drop_index('ix_outbox_deliveries_aggregate_order', table_name='outbox_deliveries', postgresql_where=sa.text("status = 'pending'"))
    op.drop_table('outbox_deliveries')
    op.drop_table('api_keys')
    op.drop_index('ix_workflow_intents_workflow_id', table_name='workflow_intents')
    op.drop_index('ix_workflow_intents_pending', table_name='workflow_intents', postgresql_where=sa.text("status = 'pending'"))
    op.drop_table('workflow_intents')
    op.drop_table('principals')
    op.drop_index('ix_outbox_events_unfanned', table_name='outbox_events', postgresql_where=sa.text('fanned_out_at IS NULL'))
    op.drop_table('outbox_events')

