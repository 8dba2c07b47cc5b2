"""Temporal Schedules tourflow owns, created or updated at worker start."""

from __future__ import annotations

from datetime import timedelta

from temporalio.client import (
    Client,
    Schedule,
    ScheduleActionStartWorkflow,
    ScheduleAlreadyRunningError,
    ScheduleIntervalSpec,
    ScheduleOverlapPolicy,
    SchedulePolicy,
    ScheduleSpec,
    ScheduleUpdate,
    ScheduleUpdateInput,
)

from activities.intents import RedriveInput
from workflows.intent_sweeper import SCHEDULE_ID, IntentSweeperWorkflow


def intent_sweeper_schedule(task_queue: str, every: timedelta) -> Schedule:
    """Run the sweeper every `every`, skipping a run while the previous one still works."""
    return Schedule(
        action=ScheduleActionStartWorkflow(
            IntentSweeperWorkflow.run,
            RedriveInput(),
            id=f"{SCHEDULE_ID}-run",
            task_queue=task_queue,
            execution_timeout=timedelta(minutes=5),
        ),
        spec=ScheduleSpec(intervals=[ScheduleIntervalSpec(every=every)]),
        policy=SchedulePolicy(overlap=ScheduleOverlapPolicy.SKIP),
    )


async def ensure_intent_sweeper(client: Client, *, task_queue: str, every: timedelta) -> None:
    """Create the sweeper schedule, or bring an existing one up to date."""
    schedule = intent_sweeper_schedule(task_queue, every)
    try:
        await client.create_schedule(SCHEDULE_ID, schedule)
    except ScheduleAlreadyRunningError:

        async def replace(_: ScheduleUpdateInput) -> ScheduleUpdate:
            return ScheduleUpdate(schedule=schedule)

        await client.get_schedule_handle(SCHEDULE_ID).update(replace)
