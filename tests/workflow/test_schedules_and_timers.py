import uuid
from datetime import timedelta

from temporalio.client import ScheduleIntervalSpec
from temporalio.worker import Worker

from tests.support.workflows import LongTimerWorkflow
from tourflow.schedules import ensure_intent_sweeper
from workflows.intent_sweeper import SCHEDULE_ID


async def test_the_sweeper_schedule_is_created_once_and_updated_in_place(
    temporal_client, task_queue
):
    await ensure_intent_sweeper(temporal_client, task_queue=task_queue, every=timedelta(seconds=30))
    await ensure_intent_sweeper(temporal_client, task_queue=task_queue, every=timedelta(seconds=10))
    try:
        desc = await temporal_client.get_schedule_handle(SCHEDULE_ID).describe()
        [interval] = desc.schedule.spec.intervals
        assert interval == ScheduleIntervalSpec(every=timedelta(seconds=10))
        assert desc.schedule.action.task_queue == task_queue
    finally:
        await temporal_client.get_schedule_handle(SCHEDULE_ID).delete()


async def test_time_skipping_harness_runs_a_two_day_timer_in_moments(time_skipping_env):
    queue = f"tq-{uuid.uuid4().hex}"
    async with Worker(time_skipping_env.client, task_queue=queue, workflows=[LongTimerWorkflow]):
        slept = await time_skipping_env.client.execute_workflow(
            LongTimerWorkflow.run, id=f"timer-{uuid.uuid4().hex}", task_queue=queue
        )
    assert slept >= timedelta(days=2).total_seconds()
