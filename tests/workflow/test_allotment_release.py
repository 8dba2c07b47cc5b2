import uuid
from datetime import timedelta

from sqlalchemy import select

from activities.distribution import ReleaseState
from domain.availability.models import AvailabilitySlot
from domain.db import unit_of_work
from domain.distribution import release_rules
from domain.distribution.channel_bookings import create_channel_booking
from domain.distribution.models import ChannelInventoryAllotmentTarget
from domain.distribution.release_models import AllotmentReleaseExecution
from domain.intents.models import WorkflowIntent
from domain.outbox.models import OutboxEvent
from tests.support.bookings import ctx, spec_for
from tests.support.catalog import product_with_option, slot
from tests.support.distribution import (
    make_allotment,
    make_allotment_target,
    make_channel,
    make_release_rule,
)
from worker import build_worker
from workflows.allotment_release import AllotmentReleaseInput, AllotmentReleaseWorkflow
from workflows.allotment_release_sweep import (
    AllotmentReleaseSweepWorkflow,
    SweepInput,
    SweepResult,
)


async def state(session_factory, s, target_id):
    async with session_factory() as db:
        row = await db.get_one(AvailabilitySlot, s.id)
        target = await db.get_one(ChannelInventoryAllotmentTarget, target_id)
        executions = (
            await db.scalars(
                select(AllotmentReleaseExecution).where(
                    AllotmentReleaseExecution.target_id == target_id
                )
            )
        ).all()
        released_events = (
            await db.scalars(
                select(OutboxEvent.payload).where(
                    OutboxEvent.aggregate_id == s.id,
                    OutboxEvent.event_type == "availability.slot.changed",
                    OutboxEvent.payload["reason"].astext == "allotment_released",
                )
            )
        ).all()
    return row.capacity_remaining, target.status, list(executions), list(released_events)


async def test_a_3_days_before_start_rule_releases_the_unsold_allotment_when_the_time_comes(
    time_skipping_env, session_factory
):
    env, queue = time_skipping_env, f"tq-{uuid.uuid4().hex}"
    now = await env.get_current_time()
    _, option = await product_with_option(session_factory)
    s = await slot(session_factory, option, capacity=10, starts_at=now + timedelta(days=5))
    async with build_worker(env.client, session_factory, task_queue=queue):
        async with unit_of_work(session_factory) as session:
            channel = await make_channel(session)
            allotment = await make_allotment(
                session, channel, option.product_id, guaranteed_capacity=4, max_capacity=6
            )
            await release_rules.set_rule(
                session,
                allotment.id,
                task_queue=queue,
                now=now,
                mode="automatic",
                offset_unit="days",
                offset_value=3,
                unsold_action="release_to_general_pool",
            )
            target = await release_rules.add_scheduled_target(
                session,
                allotment_id=allotment.id,
                slot_id=s.id,
                guaranteed=None,
                task_queue=queue,
                now=now,
            )
        # The intent written above carries search attributes the time-skipping server
        # cannot register, so start the same workflow (same id, same input) directly.
        handle = await env.client.start_workflow(
            AllotmentReleaseWorkflow.run,
            AllotmentReleaseInput(target_id=target.id),
            id=release_rules.workflow_id(target.id),
            task_queue=queue,
            result_type=ReleaseState,
        )
        async with unit_of_work(session_factory) as session:
            await create_channel_booking(
                session, spec_for(s, pax=1, status="confirmed"), ctx(), channel_id=channel.id
            )
        async with session_factory() as db:
            intent = await db.scalar(
                select(WorkflowIntent).where(
                    WorkflowIntent.workflow_id == release_rules.workflow_id(target.id)
                )
            )
        assert intent is not None and intent.input == {"target_id": target.id}
        # 10 seats - 4 carved for the channel; its one sale came out of the carve.
        assert (await state(session_factory, s, target.id))[:2] == (6, "open")

        await env.sleep(timedelta(days=1, hours=23))  # not yet: 3 days + 1 hour before start
        assert (await state(session_factory, s, target.id))[:3] == (6, "open", [])

        await env.sleep(timedelta(hours=2))
        result = await handle.result()
    assert (result.state, result.capacity_released) == ("released", 3)
    remaining, status, executions, events = await state(session_factory, s, target.id)
    assert (remaining, status) == (9, "released")  # the general pool grew by exactly 3
    [execution] = executions
    assert (execution.trigger, execution.capacity_released) == ("timer", 3)
    assert execution.executed_at >= s.starts_at - timedelta(days=3)
    assert len(events) == 1 and events[0]["capacity_remaining"] == 9


async def test_the_scheduled_sweep_workflow_releases_due_targets(
    time_skipping_env, session_factory
):
    env, queue = time_skipping_env, f"tq-{uuid.uuid4().hex}"
    now = await env.get_current_time()
    _, option = await product_with_option(session_factory)
    s = await slot(session_factory, option, capacity=10, starts_at=now + timedelta(hours=30))
    async with unit_of_work(session_factory) as session:
        channel = await make_channel(session)
        allotment = await make_allotment(session, channel, option.product_id)
        await make_release_rule(session, allotment, offset_unit="hours", offset_value=48)
        target = await make_allotment_target(session, channel, s.id, allotment=allotment)
    async with build_worker(env.client, session_factory, task_queue=queue):
        result = await env.client.execute_workflow(
            AllotmentReleaseSweepWorkflow.run,
            SweepInput(as_of=now),
            id=f"sweep-{uuid.uuid4().hex}",
            task_queue=queue,
            result_type=SweepResult,
        )
    assert result.released == 1
    remaining, status, executions, _ = await state(session_factory, s, target.id)
    assert (remaining, status, [e.trigger for e in executions]) == (10, "released", ["sweep"])
