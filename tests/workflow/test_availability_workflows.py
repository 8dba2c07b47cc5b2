import asyncio
import uuid
from datetime import date, timedelta

from sqlalchemy import func, select

from activities.availability import HorizonInput
from domain.availability.holds import hold_workflow_id, place_hold
from domain.availability.models import AvailabilityHold, AvailabilitySlot
from domain.db import unit_of_work
from domain.intents.dispatcher import IntentDispatcher
from tests.support.catalog import product_with_option, rule, slot
from tourflow.temporal import TemporalClientProvider
from worker import build_worker
from workflows.availability_hold import AvailabilityHoldExpiryWorkflow
from workflows.slot_horizon import SlotHorizonSweepWorkflow, SlotHorizonWorkflow


async def test_a_hold_expires_at_its_expiry_time_and_gives_its_seats_back(
    temporal_client, session_factory, task_queue
):
    _, option = await product_with_option(session_factory)
    s = await slot(session_factory, option, capacity=4)
    dispatcher = IntentDispatcher(session_factory, TemporalClientProvider.of(temporal_client))
    async with build_worker(temporal_client, session_factory, task_queue=task_queue):
        async with unit_of_work(session_factory, after_commit=dispatcher.dispatch) as session:
            outcome = await place_hold(
                session,
                token=f"tok-{uuid.uuid4().hex}",
                slot_id=s.id,
                pax=4,
                ttl=timedelta(seconds=2),
                task_queue=task_queue,
            )
        async with session_factory() as db:
            assert (await db.get_one(AvailabilitySlot, s.id)).status == "sold_out"
        handle = temporal_client.get_workflow_handle_for(
            AvailabilityHoldExpiryWorkflow.run, hold_workflow_id(outcome.hold.id)
        )
        state = await asyncio.wait_for(handle.result(), timeout=30)
    assert state.status == "expired"
    async with session_factory() as db:
        after = await db.get_one(AvailabilitySlot, s.id)
        hold = await db.get_one(AvailabilityHold, outcome.hold.id)
    assert (after.capacity_remaining, after.status, hold.status) == (4, "open", "expired")


async def test_an_extended_hold_outlives_its_first_deadline(
    temporal_client, session_factory, task_queue
):
    from domain.availability.holds import extend_hold

    _, option = await product_with_option(session_factory)
    s = await slot(session_factory, option, capacity=4)
    dispatcher = IntentDispatcher(session_factory, TemporalClientProvider.of(temporal_client))
    token = f"tok-{uuid.uuid4().hex}"
    async with build_worker(temporal_client, session_factory, task_queue=task_queue):
        async with unit_of_work(session_factory, after_commit=dispatcher.dispatch) as session:
            outcome = await place_hold(
                session,
                token=token,
                slot_id=s.id,
                pax=1,
                ttl=timedelta(seconds=1),
                task_queue=task_queue,
            )
        async with unit_of_work(session_factory) as session:
            await extend_hold(session, token=token, ttl=timedelta(seconds=4))
        await asyncio.sleep(2.5)  # past the first deadline: still held
        async with session_factory() as db:
            assert (await db.get_one(AvailabilityHold, outcome.hold.id)).status == "held"
        state = await asyncio.wait_for(
            temporal_client.get_workflow_handle_for(
                AvailabilityHoldExpiryWorkflow.run, hold_workflow_id(outcome.hold.id)
            ).result(),
            timeout=30,
        )
    assert state.status == "expired"


async def test_the_horizon_sweep_generates_every_active_rule_up_to_its_horizon(
    temporal_client, session_factory, task_queue
):
    _, option = await product_with_option(session_factory)
    r1 = await rule(session_factory, option, horizon_days=10, dtstart=date(2020, 1, 1))
    _, other = await product_with_option(session_factory)
    await rule(session_factory, other, horizon_days=5, dtstart=date(2020, 1, 1), active=False)
    async with build_worker(temporal_client, session_factory, task_queue=task_queue):
        processed = await temporal_client.execute_workflow(
            SlotHorizonSweepWorkflow.run, id=f"sweep-{uuid.uuid4().hex}", task_queue=task_queue
        )
        assert processed == 1
        again = await temporal_client.execute_workflow(
            SlotHorizonWorkflow.run,
            HorizonInput(rule_id=r1.id),
            id=f"h-{uuid.uuid4().hex}",
            task_queue=task_queue,
        )
    assert again.created == 0
    async with session_factory() as db:
        count = await db.scalar(
            select(func.count())
            .select_from(AvailabilitySlot)
            .where(AvailabilitySlot.rule_id == r1.id)
        )
    assert count in (10, 11)  # today .. today+10, minus today if the local day rolled over
