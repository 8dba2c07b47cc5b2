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

from activities.finance import OverdueSweepInput
from activities.finance_reminders import GuaranteeExpiryInput, ReminderSweepInput
from activities.intents import RedriveInput
from workflows.allotment_release_sweep import SCHEDULE_ID as RELEASE_SCHEDULE_ID
from workflows.allotment_release_sweep import AllotmentReleaseSweepWorkflow, SweepInput
from workflows.intent_sweeper import SCHEDULE_ID, IntentSweeperWorkflow
from workflows.invoice_overdue import SCHEDULE_ID as OVERDUE_SCHEDULE_ID
from workflows.invoice_overdue import InvoiceOverdueSweepWorkflow
from workflows.payment_reminders import (
    EXPIRY_SCHEDULE_ID,
    GuaranteeExpirySweepWorkflow,
    PaymentReminderSweepWorkflow,
)
from workflows.payment_reminders import SCHEDULE_ID as REMINDER_SCHEDULE_ID
from workflows.slot_horizon import SCHEDULE_ID as HORIZON_SCHEDULE_ID
from workflows.slot_horizon import SlotHorizonSweepWorkflow


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


def slot_horizon_schedule(task_queue: str) -> Schedule:
    """Every day at 02:00 UTC, extend every active rule's slots to its horizon."""
    return Schedule(
        action=ScheduleActionStartWorkflow(
            SlotHorizonSweepWorkflow.run,
            id=f"{HORIZON_SCHEDULE_ID}-run",
            task_queue=task_queue,
            execution_timeout=timedelta(hours=2),
        ),
        spec=ScheduleSpec(cron_expressions=["0 2 * * *"]),
        policy=SchedulePolicy(overlap=ScheduleOverlapPolicy.SKIP),
    )


def invoice_overdue_schedule(task_queue: str) -> Schedule:
    """Every hour at :05 UTC, mark issued invoices past their due date overdue."""
    return Schedule(
        action=ScheduleActionStartWorkflow(
            InvoiceOverdueSweepWorkflow.run,
            OverdueSweepInput(),
            id=f"{OVERDUE_SCHEDULE_ID}-run",
            task_queue=task_queue,
            execution_timeout=timedelta(minutes=30),
        ),
        spec=ScheduleSpec(cron_expressions=["5 * * * *"]),
        policy=SchedulePolicy(overlap=ScheduleOverlapPolicy.SKIP),
    )


def payment_reminder_schedule(task_queue: str) -> Schedule:
    """Every day at 08:00 UTC, remind for due and overdue payment schedule lines."""
    return Schedule(
        action=ScheduleActionStartWorkflow(
            PaymentReminderSweepWorkflow.run,
            ReminderSweepInput(),
            id=f"{REMINDER_SCHEDULE_ID}-run",
            task_queue=task_queue,
            execution_timeout=timedelta(minutes=30),
        ),
        spec=ScheduleSpec(cron_expressions=["0 8 * * *"]),
        policy=SchedulePolicy(overlap=ScheduleOverlapPolicy.SKIP),
    )


def guarantee_expiry_schedule(task_queue: str) -> Schedule:
    """Every hour at :20 UTC, expire pending guarantees past their `expires_at`."""
    return Schedule(
        action=ScheduleActionStartWorkflow(
            GuaranteeExpirySweepWorkflow.run,
            GuaranteeExpiryInput(),
            id=f"{EXPIRY_SCHEDULE_ID}-run",
            task_queue=task_queue,
            execution_timeout=timedelta(minutes=30),
        ),
        spec=ScheduleSpec(cron_expressions=["20 * * * *"]),
        policy=SchedulePolicy(overlap=ScheduleOverlapPolicy.SKIP),
    )


def allotment_release_schedule(task_queue: str) -> Schedule:
    """Every 15 minutes, release allotment targets whose rule's time passed (the safety
    net behind each target's own `allotment-release:{targetId}` timer)."""
    return Schedule(
        action=ScheduleActionStartWorkflow(
            AllotmentReleaseSweepWorkflow.run,
            SweepInput(),
            id=f"{RELEASE_SCHEDULE_ID}-run",
            task_queue=task_queue,
            execution_timeout=timedelta(minutes=30),
        ),
        spec=ScheduleSpec(cron_expressions=["*/15 * * * *"]),
        policy=SchedulePolicy(overlap=ScheduleOverlapPolicy.SKIP),
    )


async def ensure_schedule(client: Client, schedule_id: str, schedule: Schedule) -> None:
    """Create a schedule, or bring an existing one up to date (idempotent)."""
    try:
        await client.create_schedule(schedule_id, schedule)
    except ScheduleAlreadyRunningError:

        async def replace(_: ScheduleUpdateInput) -> ScheduleUpdate:
            return ScheduleUpdate(schedule=schedule)

        await client.get_schedule_handle(schedule_id).update(replace)


async def ensure_intent_sweeper(client: Client, *, task_queue: str, every: timedelta) -> None:
    """Create the sweeper schedule, or bring an existing one up to date."""
    await ensure_schedule(client, SCHEDULE_ID, intent_sweeper_schedule(task_queue, every))


async def ensure_all(client: Client, *, task_queue: str, sweep_every: timedelta) -> None:
    """Every schedule tourflow owns."""
    await ensure_intent_sweeper(client, task_queue=task_queue, every=sweep_every)
    await ensure_schedule(client, HORIZON_SCHEDULE_ID, slot_horizon_schedule(task_queue))
    await ensure_schedule(client, OVERDUE_SCHEDULE_ID, invoice_overdue_schedule(task_queue))
    await ensure_schedule(client, REMINDER_SCHEDULE_ID, payment_reminder_schedule(task_queue))
    await ensure_schedule(client, EXPIRY_SCHEDULE_ID, guarantee_expiry_schedule(task_queue))
    await ensure_schedule(client, RELEASE_SCHEDULE_ID, allotment_release_schedule(task_queue))
