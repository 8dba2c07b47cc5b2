"""ground and places: vehicles, drivers, dispatches (with no-overlap exclusions), places

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-22 10:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql


revision: str = '0003'
down_revision: str | None = '0002'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # The exclusion constraints compare text ids with '=' inside a GiST index.
    op.execute("CREATE EXTENSION IF NOT EXISTS btree_gist")
    op.create_table('ground_drivers',
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('phone', sa.String(length=32), nullable=True),
    sa.Column('license_number', sa.String(length=64), nullable=True),
    sa.Column('active', sa.Boolean(), server_default='true', nullable=False),
    sa.Column('id', sa.String(length=90), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_ground_drivers'))
    )
    op.create_table('ground_vehicles',
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('registration', sa.String(length=32), nullable=True),
    sa.Column('vehicle_class', sa.String(length=16), nullable=False),
    sa.Column('capacity', sa.Integer(), nullable=False),
    sa.Column('wheelchair_accessible', sa.Boolean(), server_default='false', nullable=False),
    sa.Column('step_free', sa.Boolean(), server_default='false', nullable=False),
    sa.Column('active', sa.Boolean(), server_default='true', nullable=False),
    sa.Column('id', sa.String(length=90), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.CheckConstraint("vehicle_class IN ('car', 'van', 'minibus', 'bus', 'coach', 'other')", name=op.f('ck_ground_vehicles_vehicle_class')),
    sa.CheckConstraint('capacity >= 1', name=op.f('ck_ground_vehicles_capacity_positive')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_ground_vehicles')),
    sa.UniqueConstraint('registration', name=op.f('uq_ground_vehicles_registration'))
    )
    op.create_table('places',
    sa.Column('kind', sa.String(length=32), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('address', sa.Text(), nullable=True),
    sa.Column('latitude', sa.Double(), nullable=True),
    sa.Column('longitude', sa.Double(), nullable=True),
    sa.Column('timezone', sa.String(length=64), nullable=False),
    sa.Column('id', sa.String(length=90), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.CheckConstraint("kind IN ('meeting_point', 'pickup', 'dropoff', 'airport', 'station', 'port', 'attraction', 'venue', 'accommodation')", name=op.f('ck_places_kind')),
    sa.CheckConstraint('(latitude IS NULL) = (longitude IS NULL)', name=op.f('ck_places_coordinates_pair')),
    sa.CheckConstraint('latitude BETWEEN -90 AND 90', name=op.f('ck_places_latitude_range')),
    sa.CheckConstraint('longitude BETWEEN -180 AND 180', name=op.f('ck_places_longitude_range')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_places'))
    )
    op.create_index('ix_places_kind_name', 'places', ['kind', 'name'], unique=False)
    op.create_table('ground_dispatches',
    sa.Column('status', sa.String(length=16), server_default='draft', nullable=False),
    sa.Column('scheduled_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('ends_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('booking_id', sa.String(length=90), nullable=True),
    sa.Column('vehicle_id', sa.String(length=90), nullable=True),
    sa.Column('driver_id', sa.String(length=90), nullable=True),
    sa.Column('pickup_place_id', sa.String(length=90), nullable=True),
    sa.Column('dropoff_place_id', sa.String(length=90), nullable=True),
    sa.Column('pax_total', sa.Integer(), server_default='0', nullable=False),
    sa.Column('notes', sa.Text(), nullable=True),
    sa.Column('id', sa.String(length=90), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    postgresql.ExcludeConstraint((sa.column('driver_id'), '='), (sa.text('tstzrange(scheduled_at, ends_at)'), '&&'), where=sa.text("status NOT IN ('cancelled', 'no_show')"), using='gist', name='ex_ground_dispatches_driver_overlap'),
    postgresql.ExcludeConstraint((sa.column('vehicle_id'), '='), (sa.text('tstzrange(scheduled_at, ends_at)'), '&&'), where=sa.text("status NOT IN ('cancelled', 'no_show')"), using='gist', name='ex_ground_dispatches_vehicle_overlap'),
    sa.CheckConstraint("status IN ('draft', 'scheduled', 'assigned', 'en_route', 'arrived', 'picked_up', 'completed', 'cancelled', 'no_show')", name=op.f('ck_ground_dispatches_status')),
    sa.CheckConstraint('ends_at > scheduled_at', name=op.f('ck_ground_dispatches_ends_after_start')),
    sa.CheckConstraint('pax_total >= 0', name=op.f('ck_ground_dispatches_pax_total_non_negative')),
    sa.ForeignKeyConstraint(['driver_id'], ['ground_drivers.id'], name=op.f('fk_ground_dispatches_driver_id_ground_drivers')),
    sa.ForeignKeyConstraint(['dropoff_place_id'], ['places.id'], name=op.f('fk_ground_dispatches_dropoff_place_id_places')),
    sa.ForeignKeyConstraint(['pickup_place_id'], ['places.id'], name=op.f('fk_ground_dispatches_pickup_place_id_places')),
    sa.ForeignKeyConstraint(['vehicle_id'], ['ground_vehicles.id'], name=op.f('fk_ground_dispatches_vehicle_id_ground_vehicles')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_ground_dispatches'))
    )
    op.create_index('ix_ground_dispatches_booking_id', 'ground_dispatches', ['booking_id'], unique=False)
    op.create_index('ix_ground_dispatches_scheduled_at', 'ground_dispatches', ['scheduled_at'], unique=False)
    op.create_table('ground_dispatch_checkpoints',
    sa.Column('dispatch_id', sa.String(length=90), nullable=False),
    sa.Column('sequence', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('place_id', sa.String(length=90), nullable=True),
    sa.Column('planned_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('reached_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('id', sa.String(length=90), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.ForeignKeyConstraint(['dispatch_id'], ['ground_dispatches.id'], name=op.f('fk_ground_dispatch_checkpoints_dispatch_id_ground_dispatches'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['place_id'], ['places.id'], name=op.f('fk_ground_dispatch_checkpoints_place_id_places')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_ground_dispatch_checkpoints')),
    sa.UniqueConstraint('dispatch_id', 'sequence', name=op.f('uq_ground_dispatch_checkpoints_dispatch_id_sequence'))
    )
    op.create_table('ground_dispatch_legs',
    sa.Column('dispatch_id', sa.String(length=90), nullable=False),
    sa.Column('sequence', sa.Integer(), nullable=False),
    sa.Column('from_place_id', sa.String(length=90), nullable=False),
    sa.Column('to_place_id', sa.String(length=90), nullable=False),
    sa.Column('departs_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('arrives_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('id', sa.String(length=90), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.CheckConstraint('departs_at IS NULL OR arrives_at IS NULL OR arrives_at > departs_at', name=op.f('ck_ground_dispatch_legs_arrives_after_departure')),
    sa.ForeignKeyConstraint(['dispatch_id'], ['ground_dispatches.id'], name=op.f('fk_ground_dispatch_legs_dispatch_id_ground_dispatches'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['from_place_id'], ['places.id'], name=op.f('fk_ground_dispatch_legs_from_place_id_places')),
    sa.ForeignKeyConstraint(['to_place_id'], ['places.id'], name=op.f('fk_ground_dispatch_legs_to_place_id_places')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_ground_dispatch_legs')),
    sa.UniqueConstraint('dispatch_id', 'sequence', name=op.f('uq_ground_dispatch_legs_dispatch_id_sequence'))
    )
    op.create_table('ground_dispatch_passengers',
    sa.Column('dispatch_id', sa.String(length=90), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('pax', sa.Integer(), server_default='1', nullable=False),
    sa.Column('booking_id', sa.String(length=90), nullable=True),
    sa.Column('notes', sa.Text(), nullable=True),
    sa.Column('id', sa.String(length=90), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.CheckConstraint('pax >= 1', name=op.f('ck_ground_dispatch_passengers_pax_positive')),
    sa.ForeignKeyConstraint(['dispatch_id'], ['ground_dispatches.id'], name=op.f('fk_ground_dispatch_passengers_dispatch_id_ground_dispatches'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_ground_dispatch_passengers'))
    )
    op.create_index(op.f('ix_ground_dispatch_passengers_dispatch_id'), 'ground_dispatch_passengers', ['dispatch_id'], unique=False)
    op.create_table('ground_dispatch_events',
    sa.Column('dispatch_id', sa.String(length=90), nullable=False),
    sa.Column('sequence', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=32), nullable=False),
    sa.Column('occurred_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('checkpoint_id', sa.String(length=90), nullable=True),
    sa.Column('note', sa.Text(), nullable=True),
    sa.Column('data', postgresql.JSONB(astext_type=sa.Text()), server_default=sa.text("'{}'::jsonb"), nullable=False),
    sa.Column('id', sa.String(length=90), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.CheckConstraint("kind IN ('status_changed', 'checkpoint_reached', 'delay', 'incident', 'location', 'note')", name=op.f('ck_ground_dispatch_events_kind')),
    sa.ForeignKeyConstraint(['checkpoint_id'], ['ground_dispatch_checkpoints.id'], name=op.f('fk_ground_dispatch_events_checkpoint_id_ground_dispatch_checkpoints'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['dispatch_id'], ['ground_dispatches.id'], name=op.f('fk_ground_dispatch_events_dispatch_id_ground_dispatches'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_ground_dispatch_events')),
    sa.UniqueConstraint('dispatch_id', 'sequence', name=op.f('uq_ground_dispatch_events_dispatch_id_sequence'))
    )


def downgrade() -> None:
    op.drop_table('ground_dispatch_events')
    op.drop_index(op.f('ix_ground_dispatch_passengers_dispatch_id'), table_name='ground_dispatch_passengers')
    op.drop_table('ground_dispatch_passengers')
    op.drop_table('ground_dispatch_legs')
    op.drop_table('ground_dispatch_checkpoints')
    op.drop_index('ix_ground_dispatches_scheduled_at', table_name='ground_dispatches')
    op.drop_index('ix_ground_dispatches_booking_id', table_name='ground_dispatches')
    op.drop_table('ground_dispatches')
    op.drop_index('ix_places_kind_name', table_name='places')
    op.drop_table('places')
    op.drop_table('ground_vehicles')
    op.drop_table('ground_drivers')
    # btree_gist stays: other revisions (or the operator) may rely on it.
