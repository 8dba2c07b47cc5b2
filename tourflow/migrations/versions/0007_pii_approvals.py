"""pii and approvals: encrypted traveller travel details, the PII audit trail, the action
ledger (requested actions, approvals, ledger entries) and Idempotency-Key records

Revision ID: 0007
Revises: 0005
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0007"
down_revision: str | Sequence[str] | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('action_requests',
    sa.Column('principal_id', sa.String(length=90), nullable=False),
    sa.Column('principal_kind', sa.String(length=16), nullable=False),
    sa.Column('action', sa.String(length=64), nullable=False),
    sa.Column('target_type', sa.String(length=32), nullable=False),
    sa.Column('target_id', sa.String(length=90), nullable=False),
    sa.Column('command', postgresql.JSONB(astext_type=sa.Text()), nullable=False),
    sa.Column('policy_inputs', postgresql.JSONB(astext_type=sa.Text()), nullable=False),
    sa.Column('depends_on', postgresql.JSONB(astext_type=sa.Text()), nullable=False),
    sa.Column('fingerprint', sa.String(length=64), nullable=False),
    sa.Column('idempotency_key', sa.String(length=255), nullable=False),
    sa.Column('id', sa.String(length=90), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_action_requests')),
    sa.UniqueConstraint('principal_id', 'idempotency_key', name=op.f('uq_action_requests_principal_id_idempotency_key'))
    )
    op.create_index(op.f('ix_action_requests_target_id'), 'action_requests', ['target_id'], unique=False)
    op.create_table('idempotency_records',
    sa.Column('principal_id', sa.String(length=90), nullable=False),
    sa.Column('key', sa.String(length=255), nullable=False),
    sa.Column('fingerprint', sa.String(length=64), nullable=False),
    sa.Column('method', sa.String(length=8), nullable=False),
    sa.Column('path', sa.String(length=2000), nullable=False),
    sa.Column('state', sa.String(length=16), server_default='in_progress', nullable=False),
    sa.Column('locked_until', sa.DateTime(timezone=True), nullable=False),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('response_status', sa.BigInteger(), nullable=True),
    sa.Column('response_headers', postgresql.JSONB(astext_type=sa.Text()), nullable=True),
    sa.Column('response_body', sa.LargeBinary(), nullable=True),
    sa.Column('id', sa.String(length=90), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.CheckConstraint("state IN ('in_progress', 'completed')", name=op.f('ck_idempotency_records_state')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_idempotency_records')),
    sa.UniqueConstraint('principal_id', 'key', name=op.f('uq_idempotency_records_principal_id_key'))
    )
    op.create_index('ix_idempotency_records_expires_at', 'idempotency_records', ['expires_at'], unique=False)
    op.create_table('pii_audit_events',
    sa.Column('action', sa.String(length=16), nullable=False),
    sa.Column('traveller_id', sa.String(length=200), nullable=False),
    sa.Column('booking_id', sa.String(length=200), nullable=True),
    sa.Column('principal_id', sa.String(length=90), nullable=True),
    sa.Column('principal_kind', sa.String(length=16), nullable=True),
    sa.Column('reason', sa.Text(), nullable=True),
    sa.Column('outcome', sa.String(length=16), nullable=False),
    sa.Column('details', postgresql.JSONB(astext_type=sa.Text()), server_default='{}', nullable=False),
    sa.Column('id', sa.String(length=90), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.CheckConstraint("action IN ('encrypt', 'decrypt', 'delete', 'rewrap')", name=op.f('ck_pii_audit_events_action')),
    sa.CheckConstraint("outcome IN ('success', 'denied', 'failed')", name=op.f('ck_pii_audit_events_outcome')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_pii_audit_events'))
    )
    op.create_index('ix_pii_audit_events_created', 'pii_audit_events', ['created_at'], unique=False)
    op.create_index('ix_pii_audit_events_traveller', 'pii_audit_events', ['traveller_id', 'created_at'], unique=False)
    op.create_table('approvals',
    sa.Column('action_id', sa.String(length=90), nullable=False),
    sa.Column('status', sa.String(length=16), server_default='pending', nullable=False),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('decided_by', sa.String(length=90), nullable=True),
    sa.Column('decided_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('decision_note', sa.Text(), nullable=True),
    sa.Column('executed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('id', sa.String(length=90), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.CheckConstraint("status IN ('pending', 'approved', 'rejected', 'executed', 'invalidated')", name=op.f('ck_approvals_status')),
    sa.ForeignKeyConstraint(['action_id'], ['action_requests.id'], name=op.f('fk_approvals_action_id_action_requests'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_approvals')),
    sa.UniqueConstraint('action_id', name=op.f('uq_approvals_action_id'))
    )
    op.create_index('ix_approvals_status', 'approvals', ['status', 'expires_at'], unique=False)
    op.create_table('action_ledger_entries',
    sa.Column('action_id', sa.String(length=90), nullable=False),
    sa.Column('approval_id', sa.String(length=90), nullable=True),
    sa.Column('kind', sa.String(length=24), nullable=False),
    sa.Column('principal_id', sa.String(length=90), nullable=True),
    sa.Column('details', postgresql.JSONB(astext_type=sa.Text()), server_default='{}', nullable=False),
    sa.Column('id', sa.String(length=90), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.CheckConstraint("kind IN ('requested', 'approved', 'rejected', 'executed', 'execution_refused', 'invalidated')", name=op.f('ck_action_ledger_entries_kind')),
    sa.ForeignKeyConstraint(['action_id'], ['action_requests.id'], name=op.f('fk_action_ledger_entries_action_id_action_requests'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['approval_id'], ['approvals.id'], name=op.f('fk_action_ledger_entries_approval_id_approvals'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_action_ledger_entries'))
    )
    op.create_index(op.f('ix_action_ledger_entries_action_id'), 'action_ledger_entries', ['action_id'], unique=False)
    op.create_table('traveller_travel_details',
    sa.Column('traveller_id', sa.String(length=90), nullable=False),
    sa.Column('booking_id', sa.String(length=90), nullable=False),
    sa.Column('envelope', postgresql.JSONB(astext_type=sa.Text()), nullable=False),
    sa.Column('key_id', sa.String(length=200), nullable=False),
    sa.Column('key_version', sa.BigInteger(), nullable=False),
    sa.Column('source_document_id', sa.String(length=200), nullable=True),
    sa.Column('snapshot_applied_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('id', sa.String(length=90), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.ForeignKeyConstraint(['booking_id'], ['bookings.id'], name=op.f('fk_traveller_travel_details_booking_id_bookings'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['traveller_id'], ['booking_travellers.id'], name=op.f('fk_traveller_travel_details_traveller_id_booking_travellers'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_traveller_travel_details')),
    sa.UniqueConstraint('traveller_id', name=op.f('uq_traveller_travel_details_traveller_id'))
    )
    op.create_index(op.f('ix_traveller_travel_details_booking_id'), 'traveller_travel_details', ['booking_id'], unique=False)
    op.create_index('ix_traveller_travel_details_key', 'traveller_travel_details', ['key_id', 'key_version'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_traveller_travel_details_key', table_name='traveller_travel_details')
    op.drop_index(op.f('ix_traveller_travel_details_booking_id'), table_name='traveller_travel_details')
    op.drop_table('traveller_travel_details')
    op.drop_index(op.f('ix_action_ledger_entries_action_id'), table_name='action_ledger_entries')
    op.drop_table('action_ledger_entries')
    op.drop_index('ix_approvals_status', table_name='approvals')
    op.drop_table('approvals')
    op.drop_index('ix_pii_audit_events_traveller', table_name='pii_audit_events')
    op.drop_index('ix_pii_audit_events_created', table_name='pii_audit_events')
    op.drop_table('pii_audit_events')
    op.drop_index('ix_idempotency_records_expires_at', table_name='idempotency_records')
    op.drop_table('idempotency_records')
    op.drop_index(op.f('ix_action_requests_target_id'), table_name='action_requests')
    op.drop_table('action_requests')
