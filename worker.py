"""The tourflow worker: every module's workflows and activities, plus the outbox relay.

Run it with `tourflow worker` (production style) or let `tourflow up` start it.
"""

from __future__ import annotations

import asyncio
import logging
import signal
from collections.abc import Sequence
from datetime import timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from temporalio.client import Client
from temporalio.worker import Worker

from activities.availability import AvailabilityActivities
from activities.bookings import BookingActivities
from activities.channel_push import ChannelPushActivities
from activities.distribution import DistributionActivities
from activities.finance import FinanceActivities
from activities.finance_reminders import ReminderActivities
from activities.intents import IntentActivities
from activities.reconciliation import ReconciliationActivities
from activities.reserve import ReserveActivities
from activities.resource_holds import ResourceHoldActivities
from activities.settlement import SettlementActivities
from domain.bookings.payment_subscriber import booking_payment_subscribers
from domain.channel_push.subscribers import channel_push_subscribers
from domain.distribution.channel_bookings import distribution_subscribers
from domain.finance.subscribers import finance_subscribers
from domain.intents.dispatcher import IntentDispatcher
from domain.outbox.relay import OutboxRelay
from domain.outbox.subscribers import Subscriber
from domain.reconciliation import schedules as channel_schedules
from tourflow.observability.interceptor import OutcomeMetricsInterceptor
from tourflow.schedules import ensure_all
from tourflow.settings import DEFAULT_TASK_QUEUE
from tourflow.temporal import TemporalClientProvider, ensure_search_attributes
from workflows.allotment_release import AllotmentReleaseWorkflow
from workflows.allotment_release_sweep import AllotmentReleaseSweepWorkflow
from workflows.availability_hold import AvailabilityHoldExpiryWorkflow
from workflows.booking_hold import BookingHoldWorkflow
from workflows.channel_booking_push import ChannelBookingPushWorkflow
from workflows.channel_queue_push import ChannelQueuePushWorkflow
from workflows.channel_reconciliation import (
    ChannelPeriodTickWorkflow,
    ChannelReconciliationWorkflow,
    ChannelScheduleSyncWorkflow,
)
from workflows.channel_settlement import ChannelSettlementWorkflow
from workflows.channel_webhook import ChannelWebhookWorkflow
from workflows.intent_sweeper import IntentSweeperWorkflow
from workflows.invoice_overdue import InvoiceOverdueSweepWorkflow
from workflows.payment_reminders import GuaranteeExpirySweepWorkflow, PaymentReminderSweepWorkflow
from workflows.reserve import ReserveWorkflow
from workflows.resource_hold_cutoff import ResourceHoldCutoffWorkflow
from workflows.slot_horizon import SlotHorizonSweepWorkflow, SlotHorizonWorkflow

log = logging.getLogger("tourflow.worker")

WORKFLOWS: list[type] = [
    IntentSweeperWorkflow,
    AvailabilityHoldExpiryWorkflow,
    SlotHorizonWorkflow,
    SlotHorizonSweepWorkflow,
    ResourceHoldCutoffWorkflow,
    BookingHoldWorkflow,
    InvoiceOverdueSweepWorkflow,
    PaymentReminderSweepWorkflow,
    GuaranteeExpirySweepWorkflow,
    ReserveWorkflow,
    ChannelBookingPushWorkflow,
    ChannelQueuePushWorkflow,
    AllotmentReleaseWorkflow,
    AllotmentReleaseSweepWorkflow,
    ChannelWebhookWorkflow,
    ChannelReconciliationWorkflow,
    ChannelSettlementWorkflow,
    ChannelPeriodTickWorkflow,
    ChannelScheduleSyncWorkflow,
]


def subscribers(task_queue: str = DEFAULT_TASK_QUEUE) -> list[Subscriber]:
    """Every module's outbox subscribers (each module adds its own here)."""
    return [
        *finance_subscribers(),
        *booking_payment_subscribers(task_queue),
        *channel_push_subscribers(task_queue),
        *distribution_subscribers(),
    ]


def activities(
    dispatcher: IntentDispatcher, factory: async_sessionmaker[AsyncSession], task_queue: str
) -> list[Any]:
    """Every module's activity callables, with their clients injected."""
    availability = AvailabilityActivities(factory)
    return [
        IntentActivities(dispatcher).redrive,
        availability.expire_hold_if_due,
        availability.generate_horizon,
        availability.list_active_rules,
        ResourceHoldActivities(factory).release_at_cutoff,
        BookingActivities(factory, task_queue).expire_if_due,
        FinanceActivities(factory).mark_overdue_batch,
        ReminderActivities(factory).send_reminder_page,
        ReminderActivities(factory).expire_guarantees,
        *ReserveActivities(factory, task_queue, after_commit=dispatcher.dispatch).all(),
        *ChannelPushActivities(factory).all(),
        *DistributionActivities(factory, task_queue, after_commit=dispatcher.dispatch).all(),
        *ReconciliationActivities(factory, task_queue, after_commit=dispatcher.dispatch).all(),
        *SettlementActivities(factory).all(),
    ]


def build_worker(
    client: Client,
    factory: async_sessionmaker[AsyncSession],
    *,
    task_queue: str,
    extra_workflows: Sequence[type] = (),
    extra_activities: Sequence[Any] = (),
) -> Worker:
    """A worker on `task_queue` with all of tourflow's workflows and activities registered.

    Eager activity execution is disabled: activities are dispatched through the task
    queue only, the same way in every worker process.
    """
    dispatcher = IntentDispatcher(factory, TemporalClientProvider.of(client))
    return Worker(
        client,
        task_queue=task_queue,
        workflows=[*WORKFLOWS, *extra_workflows],
        activities=[*activities(dispatcher, factory, task_queue), *extra_activities],
        disable_eager_activity_execution=True,
        interceptors=[OutcomeMetricsInterceptor()],  # tracing comes with the client
    )


async def run(
    client: Client,
    factory: async_sessionmaker[AsyncSession],
    *,
    task_queue: str,
    poll_interval: float,
    sweep_every: timedelta,
    stop: asyncio.Event,
) -> None:
    """Run the Temporal worker and the outbox relay until `stop` is set."""
    await ensure_search_attributes(client)
    await ensure_all(client, task_queue=task_queue, sweep_every=sweep_every)
    # Policies -> schedules again: Temporal may have lost them since the last policy edit.
    await channel_schedules.resync_all(factory, client, task_queue=task_queue)
    dispatcher = IntentDispatcher(factory, TemporalClientProvider.of(client))
    relay = OutboxRelay(factory, subscribers(task_queue), after_commit=dispatcher.dispatch)
    worker = build_worker(client, factory, task_queue=task_queue)
    # Catch up on intents left by a crash or an outage right away, not at the next tick.
    await dispatcher.redrive(older_than=timedelta(0))
    async with worker:
        relay_task = asyncio.create_task(relay.run(poll_interval=poll_interval, stop=stop))
        log.info("worker running", extra={"task_queue": task_queue})
        await stop.wait()
        await relay_task
    log.info("worker stopped")


def main() -> None:
    """Entry point of `tourflow worker`."""
    from tourflow.observability.server import start_worker_metrics_server
    from tourflow.runtime import resolve_runtime

    start_worker_metrics_server()

    async def _main() -> None:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, stop.set)
        async with resolve_runtime() as rt:
            client = await rt.temporal.get()
            await run(
                client,
                rt.session_factory,
                task_queue=rt.settings.temporal_task_queue,
                poll_interval=rt.settings.outbox_poll_interval,
                sweep_every=timedelta(seconds=rt.settings.intent_sweep_interval_seconds),
                stop=stop,
            )

    asyncio.run(_main())


if __name__ == "__main__":
    main()
