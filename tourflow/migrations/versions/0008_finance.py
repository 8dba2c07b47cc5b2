"""finance: number series and counters, invoices and lines, credit notes and lines,
payments and refunds

Revision ID: 0008
Revises: 0005
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | Sequence[str] | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('number_series',
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('scope', sa.String(length=16), nullable=False),
    sa.Column('format', sa.String(length=64), nullable=False),
    sa.Column('reset_rule', sa.String(length=16), server_default='never', nullable=False),
    sa.Column('is_default', sa.Boolean(), server_default='false', nullable=False),
    sa.Column('active', sa.Boolean(), server_default='true', nullable=False),
    sa.Column('external_provider', sa.String(length=64), nullable=True),
    sa.Column('id', sa.String(length=90), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.CheckConstraint("reset_rule IN ('never', 'annual', 'monthly')", name=op.f('ck_number_series_reset_rule')),
    sa.CheckConstraint("scope IN ('invoice', 'proforma', 'credit_note')", name=op.f('ck_number_series_scope')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_number_series'))
    )
    op.create_index('uq_number_series_active_default', 'number_series', ['scope'], unique=True, postgresql_where=sa.text('is_default AND active'))
    op.create_table('invoices',
    sa.Column('kind', sa.String(length=16), server_default='invoice', nullable=False),
    sa.Column('status', sa.String(length=32), server_default='draft', nullable=False),
    sa.Column('number', sa.String(length=64), nullable=True),
    sa.Column('series_id', sa.String(length=90), nullable=True),
    sa.Column('sequence', sa.BigInteger(), nullable=True),
    sa.Column('booking_id', sa.String(length=90), nullable=True),
    sa.Column('currency', sa.String(length=3), nullable=False),
    sa.Column('total_minor', sa.BigInteger(), server_default='0', nullable=False),
    sa.Column('paid_minor', sa.BigInteger(), server_default='0', nullable=False),
    sa.Column('credited_minor', sa.BigInteger(), server_default='0', nullable=False),
    sa.Column('bill_to_name', sa.String(length=200), nullable=True),
    sa.Column('bill_to_email', sa.String(length=320), nullable=True),
    sa.Column('issue_date', sa.Date(), nullable=True),
    sa.Column('due_date', sa.Date(), nullable=True),
    sa.Column('issued_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('paid_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('voided_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('void_reason', sa.Text(), nullable=True),
    sa.Column('external_provider', sa.String(length=64), nullable=True),
    sa.Column('external_ref', sa.String(length=200), nullable=True),
    sa.Column('id', sa.String(length=90), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.CheckConstraint("kind IN ('invoice', 'proforma')", name=op.f('ck_invoices_kind')),
    sa.CheckConstraint("status IN ('draft', 'void') OR number IS NOT NULL", name=op.f('ck_invoices_issued_has_number')),
    sa.CheckConstraint("status IN ('draft', 'pending_external_allocation', 'issued', 'partially_paid', 'paid', 'overdue', 'void')", name=op.f('ck_invoices_status')),
    sa.CheckConstraint('credited_minor >= 0 AND credited_minor <= total_minor', name=op.f('ck_invoices_credited')),
    sa.CheckConstraint('due_date IS NULL OR issue_date IS NULL OR due_date >= issue_date', name=op.f('ck_invoices_due')),
    sa.CheckConstraint('paid_minor >= 0', name=op.f('ck_invoices_paid_non_negative')),
    sa.ForeignKeyConstraint(['booking_id'], ['bookings.id'], name=op.f('fk_invoices_booking_id_bookings')),
    sa.ForeignKeyConstraint(['series_id'], ['number_series.id'], name=op.f('fk_invoices_series_id_number_series')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_invoices')),
    sa.UniqueConstraint('number', name=op.f('uq_invoices_number'))
    )
    op.create_index(op.f('ix_invoices_booking_id'), 'invoices', ['booking_id'], unique=False)
    op.create_index('ix_invoices_overdue_candidates', 'invoices', ['due_date'], unique=False, postgresql_where=sa.text("status IN ('issued', 'partially_paid')"))
    op.create_table('number_series_counters',
    sa.Column('series_id', sa.String(length=90), nullable=False),
    sa.Column('period', sa.String(length=16), nullable=False),
    sa.Column('current_sequence', sa.BigInteger(), server_default='0', nullable=False),
    sa.Column('id', sa.String(length=90), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.CheckConstraint('current_sequence >= 0', name=op.f('ck_number_series_counters_sequence_non_negative')),
    sa.ForeignKeyConstraint(['series_id'], ['number_series.id'], name=op.f('fk_number_series_counters_series_id_number_series'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_number_series_counters')),
    sa.UniqueConstraint('series_id', 'period', name=op.f('uq_number_series_counters_series_id_period'))
    )
    op.create_table('credit_notes',
    sa.Column('invoice_id', sa.String(length=90), nullable=False),
    sa.Column('booking_id', sa.String(length=90), nullable=True),
    sa.Column('key', sa.String(length=200), nullable=False),
    sa.Column('status', sa.String(length=32), server_default='issued', nullable=False),
    sa.Column('number', sa.String(length=64), nullable=False),
    sa.Column('series_id', sa.String(length=90), nullable=True),
    sa.Column('sequence', sa.BigInteger(), nullable=True),
    sa.Column('currency', sa.String(length=3), nullable=False),
    sa.Column('total_minor', sa.BigInteger(), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('issue_date', sa.Date(), nullable=False),
    sa.Column('issued_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('external_provider', sa.String(length=64), nullable=True),
    sa.Column('external_ref', sa.String(length=200), nullable=True),
    sa.Column('id', sa.String(length=90), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.CheckConstraint("status IN ('issued', 'pending_external_allocation')", name=op.f('ck_credit_notes_status')),
    sa.CheckConstraint('total_minor > 0', name=op.f('ck_credit_notes_total_positive')),
    sa.ForeignKeyConstraint(['booking_id'], ['bookings.id'], name=op.f('fk_credit_notes_booking_id_bookings')),
    sa.ForeignKeyConstraint(['invoice_id'], ['invoices.id'], name=op.f('fk_credit_notes_invoice_id_invoices')),
    sa.ForeignKeyConstraint(['series_id'], ['number_series.id'], name=op.f('fk_credit_notes_series_id_number_series')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_credit_notes')),
    sa.UniqueConstraint('invoice_id', 'key', name=op.f('uq_credit_notes_invoice_id_key')),
    sa.UniqueConstraint('number', name=op.f('uq_credit_notes_number'))
    )
    op.create_index(op.f('ix_credit_notes_booking_id'), 'credit_notes', ['booking_id'], unique=False)
    op.create_index(op.f('ix_credit_notes_invoice_id'), 'credit_notes', ['invoice_id'], unique=False)
    op.create_table('payments',
    sa.Column('direction', sa.String(length=16), server_default='inbound', nullable=False),
    sa.Column('method', sa.String(length=16), nullable=False),
    sa.Column('status', sa.String(length=16), server_default='recorded', nullable=False),
    sa.Column('idempotency_key', sa.String(length=200), nullable=False),
    sa.Column('invoice_id', sa.String(length=90), nullable=True),
    sa.Column('booking_id', sa.String(length=90), nullable=True),
    sa.Column('supplier_id', sa.String(length=90), nullable=True),
    sa.Column('schedule_line_id', sa.String(length=90), nullable=True),
    sa.Column('amount_minor', sa.BigInteger(), nullable=False),
    sa.Column('currency', sa.String(length=3), nullable=False),
    sa.Column('refunded_minor', sa.BigInteger(), server_default='0', nullable=False),
    sa.Column('reference', sa.String(length=200), nullable=True),
    sa.Column('note', sa.Text(), nullable=True),
    sa.Column('received_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('voided_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('void_reason', sa.Text(), nullable=True),
    sa.Column('id', sa.String(length=90), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.CheckConstraint("(direction = 'inbound' AND invoice_id IS NOT NULL AND supplier_id IS NULL) OR (direction = 'outbound' AND supplier_id IS NOT NULL AND invoice_id IS NULL)", name=op.f('ck_payments_counterparty')),
    sa.CheckConstraint("direction IN ('inbound', 'outbound')", name=op.f('ck_payments_direction')),
    sa.CheckConstraint("method IN ('bank_transfer', 'card', 'cash', 'voucher', 'direct_bill')", name=op.f('ck_payments_method')),
    sa.CheckConstraint("status IN ('recorded', 'void')", name=op.f('ck_payments_status')),
    sa.CheckConstraint('amount_minor > 0', name=op.f('ck_payments_amount_positive')),
    sa.CheckConstraint('refunded_minor >= 0 AND refunded_minor <= amount_minor', name=op.f('ck_payments_refunded')),
    sa.ForeignKeyConstraint(['booking_id'], ['bookings.id'], name=op.f('fk_payments_booking_id_bookings')),
    sa.ForeignKeyConstraint(['invoice_id'], ['invoices.id'], name=op.f('fk_payments_invoice_id_invoices')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_payments')),
    sa.UniqueConstraint('idempotency_key', name=op.f('uq_payments_idempotency_key'))
    )
    op.create_index(op.f('ix_payments_booking_id'), 'payments', ['booking_id'], unique=False)
    op.create_index(op.f('ix_payments_invoice_id'), 'payments', ['invoice_id'], unique=False)
    op.create_index(op.f('ix_payments_schedule_line_id'), 'payments', ['schedule_line_id'], unique=False)
    op.create_index(op.f('ix_payments_supplier_id'), 'payments', ['supplier_id'], unique=False)
    op.create_table('refunds',
    sa.Column('payment_id', sa.String(length=90), nullable=False),
    sa.Column('invoice_id', sa.String(length=90), nullable=True),
    sa.Column('idempotency_key', sa.String(length=200), nullable=False),
    sa.Column('amount_minor', sa.BigInteger(), nullable=False),
    sa.Column('currency', sa.String(length=3), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('refunded_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('id', sa.String(length=90), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.CheckConstraint('amount_minor > 0', name=op.f('ck_refunds_amount_positive')),
    sa.ForeignKeyConstraint(['invoice_id'], ['invoices.id'], name=op.f('fk_refunds_invoice_id_invoices')),
    sa.ForeignKeyConstraint(['payment_id'], ['payments.id'], name=op.f('fk_refunds_payment_id_payments')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_refunds')),
    sa.UniqueConstraint('idempotency_key', name=op.f('uq_refunds_idempotency_key'))
    )
    op.create_index(op.f('ix_refunds_invoice_id'), 'refunds', ['invoice_id'], unique=False)
    op.create_index(op.f('ix_refunds_payment_id'), 'refunds', ['payment_id'], unique=False)
    op.create_table('invoice_lines',
    sa.Column('invoice_id', sa.String(length=90), nullable=False),
    sa.Column('position', sa.BigInteger(), nullable=False),
    sa.Column('description', sa.String(length=300), nullable=False),
    sa.Column('quantity', sa.BigInteger(), server_default='1', nullable=False),
    sa.Column('unit_amount_minor', sa.BigInteger(), nullable=False),
    sa.Column('total_minor', sa.BigInteger(), nullable=False),
    sa.Column('booking_item_id', sa.String(length=90), nullable=True),
    sa.Column('id', sa.String(length=90), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.CheckConstraint('quantity >= 1', name=op.f('ck_invoice_lines_quantity_positive')),
    sa.CheckConstraint('total_minor = quantity * unit_amount_minor', name=op.f('ck_invoice_lines_total')),
    sa.ForeignKeyConstraint(['booking_item_id'], ['booking_items.id'], name=op.f('fk_invoice_lines_booking_item_id_booking_items'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['invoice_id'], ['invoices.id'], name=op.f('fk_invoice_lines_invoice_id_invoices'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_invoice_lines'))
    )
    op.create_index(op.f('ix_invoice_lines_invoice_id'), 'invoice_lines', ['invoice_id'], unique=False)
    op.create_table('credit_note_lines',
    sa.Column('credit_note_id', sa.String(length=90), nullable=False),
    sa.Column('invoice_line_id', sa.String(length=90), nullable=False),
    sa.Column('description', sa.String(length=300), nullable=False),
    sa.Column('amount_minor', sa.BigInteger(), nullable=False),
    sa.Column('id', sa.String(length=90), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.ForeignKeyConstraint(['credit_note_id'], ['credit_notes.id'], name=op.f('fk_credit_note_lines_credit_note_id_credit_notes'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['invoice_line_id'], ['invoice_lines.id'], name=op.f('fk_credit_note_lines_invoice_line_id_invoice_lines')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_credit_note_lines'))
    )
    op.create_index(op.f('ix_credit_note_lines_credit_note_id'), 'credit_note_lines', ['credit_note_id'], unique=False)
    op.create_index(op.f('ix_credit_note_lines_invoice_line_id'), 'credit_note_lines', ['invoice_line_id'], unique=False)


def downgrade() -> None:
    op.drop_index(op.f('ix_credit_note_lines_invoice_line_id'), table_name='credit_note_lines')
    op.drop_index(op.f('ix_credit_note_lines_credit_note_id'), table_name='credit_note_lines')
    op.drop_table('credit_note_lines')
    op.drop_index(op.f('ix_invoice_lines_invoice_id'), table_name='invoice_lines')
    op.drop_table('invoice_lines')
    op.drop_index(op.f('ix_refunds_payment_id'), table_name='refunds')
    op.drop_index(op.f('ix_refunds_invoice_id'), table_name='refunds')
    op.drop_table('refunds')
    op.drop_index(op.f('ix_payments_supplier_id'), table_name='payments')
    op.drop_index(op.f('ix_payments_schedule_line_id'), table_name='payments')
    op.drop_index(op.f('ix_payments_invoice_id'), table_name='payments')
    op.drop_index(op.f('ix_payments_booking_id'), table_name='payments')
    op.drop_table('payments')
    op.drop_index(op.f('ix_credit_notes_invoice_id'), table_name='credit_notes')
    op.drop_index(op.f('ix_credit_notes_booking_id'), table_name='credit_notes')
    op.drop_table('credit_notes')
    op.drop_table('number_series_counters')
    op.drop_index('ix_invoices_overdue_candidates', table_name='invoices', postgresql_where=sa.text("status IN ('issued', 'partially_paid')"))
    op.drop_index(op.f('ix_invoices_booking_id'), table_name='invoices')
    op.drop_table('invoices')
    op.drop_index('uq_number_series_active_default', table_name='number_series', postgresql_where=sa.text('is_default AND active'))
    op.drop_table('number_series')
