import time
import uuid
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from activities.intents import RedriveInput
from domain.availability.models import AvailabilitySlot
from domain.bookings import service
from domain.bookings.models import Booking
from domain.db import unit_of_work
from domain.errors import Conflict
from domain.intents.dispatcher import IntentDispatcher
from domain.intents.models import WorkflowIntent
from tests.support.bookings import book, ctx, spec_for
from tests.support.catalog import product_with_option, slot
from tourflow.embedded import free_port
from tourflow.temporal import TemporalClientProvider
from worker import build_worker
from workflows.booking_hold import BookingHoldInput, BookingHoldWorkflow
from workflows.intent_sweeper import IntentSweeperWorkflow


async def test_a_held_booking_expires_on_time_and_its_seats_come_back(
    fresh_time_skipping_env, session_factory
):
    env = fresh_time_skipping_env
    queue = f"tq-{uuid.uuid4().hex}"
    _, option = await product_with_option(session_factory)
    s = await slot(session_factory, option, capacity=3)
    # Expire 30 minutes after this test server's clock (its own server: it starts at wall time).
    expires = await env.get_current_time() + timedelta(minutes=30)
    booking = await book(
        session_factory, spec_for(s, pax=3), context=ctx(queue), ttl=expires - datetime.now(UTC)
    )
    async with session_factory() as db:
        assert (await db.get_one(AvailabilitySlot, s.id)).capacity_remaining == 0
    started = time.monotonic()
    async with build_worker(env.client, session_factory, task_queue=queue):
        state = await env.client.execute_workflow(
            BookingHoldWorkflow.run,
            BookingHoldInput(booking_id=booking.id),
            id=service.hold_workflow_id(booking.id),
            task_queue=queue,
        )
    assert state.status == "expired"
    assert time.monotonic() - started < 30  # 30 minutes of hold, skipped
    async with session_factory() as db:
        row = await db.get_one(Booking, booking.id)
        after = await db.get_one(AvailabilitySlot, s.id)
    assert row.status == "expired" and row.expired_at is not None
    assert timedelta(0) <= row.expired_at - booking.hold_expires_at < timedelta(minutes=1)
    assert (after.capacity_remaining, after.status) == (3, "open")
    with pytest.raises(Conflict) as err:
        async with unit_of_work(session_factory) as session:
            await service.change_status(
                session, booking_id=booking.id, target="confirmed", ctx=ctx(queue)
            )
    assert err.value.code == "invalid_transition"


async def test_confirming_ends_the_hold_workflow_without_expiring(
    temporal_client, session_factory, task_queue
):
    _, option = await product_with_option(session_factory)
    s = await slot(session_factory, option, capacity=3)
    dispatcher = IntentDispatcher(session_factory, TemporalClientProvider.of(temporal_client))
    async with build_worker(temporal_client, session_factory, task_queue=task_queue):
        booking = await book(
            session_factory,
            spec_for(s, pax=1),
            context=ctx(task_queue),
            after_commit=dispatcher.dispatch,
        )
        handle = temporal_client.get_workflow_handle_for(
            BookingHoldWorkflow.run, service.hold_workflow_id(booking.id)
        )
        assert (await handle.describe()).status is not None
        async with unit_of_work(session_factory, after_commit=dispatcher.dispatch) as session:
            await service.change_status(
                session, booking_id=booking.id, target="confirmed", ctx=ctx(task_queue)
            )
        state = await handle.result()
    assert state.status == "confirmed"


async def test_a_crash_between_commit_and_workflow_start_still_ends_with_the_hold_workflow_running(
    temporal_client, session_factory, task_queue
):
    _, option = await product_with_option(session_factory)
    s = await slot(session_factory, option, capacity=3)
    down = IntentDispatcher(
        session_factory, TemporalClientProvider(f"127.0.0.1:{free_port()}", "default")
    )
    booking = await book(
        session_factory, spec_for(s, pax=1), context=ctx(task_queue), after_commit=down.dispatch
    )
    async with session_factory() as db:
        intent = await db.scalar(
            select(WorkflowIntent).where(
                WorkflowIntent.workflow_id == service.hold_workflow_id(booking.id)
            )
        )
    assert intent.status == "pending"
    async with build_worker(temporal_client, session_factory, task_queue=task_queue):
        await temporal_client.execute_workflow(
            IntentSweeperWorkflow.run,
            RedriveInput(older_than_seconds=0),
            id=f"sweep-{uuid.uuid4().hex}",
            task_queue=task_queue,
        )
        desc = await temporal_client.get_workflow_handle(
            service.hold_workflow_id(booking.id)
        ).describe()
        assert desc.status.name == "RUNNING"
        await temporal_client.get_workflow_handle(service.hold_workflow_id(booking.id)).terminate(
            "test over"
        )
