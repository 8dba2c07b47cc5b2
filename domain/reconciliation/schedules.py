"""Policies -> Temporal Schedules: one reconciliation and one settlement schedule per
channel with a policy. Created, updated and paused from the policy rows; visible in the
Temporal UI under their ids; a bounded catch-up window (a worker down for a week does not
fire a week of missed runs, only those inside the window)."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select, union
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from temporalio.client import (
    Client,
    Schedule,
    ScheduleActionStartWorkflow,
    ScheduleAlreadyRunningError,
    ScheduleOverlapPolicy,
    SchedulePolicy,
    ScheduleSpec,
    ScheduleState,
    ScheduleUpdate,
    ScheduleUpdateInput,
)
from temporalio.common import SearchAttributePair, TypedSearchAttributes
from temporalio.service import RPCError, RPCStatusCode

from domain.db import unit_of_work
from domain.distribution.models import Channel
from domain.reconciliation.models import ReconciliationPolicy
from domain.reconciliation.periods import CRON
from domain.settlement.models import SettlementPolicy
from tourflow.temporal import SEARCH_ATTRIBUTES

CATCHUP_WINDOW = timedelta(hours=6)
KINDS = ("reconciliation", "settlement")
TICK_WORKFLOW = "ChannelPeriodTick"


def schedule_id(kind: str, channel_id: str) -> str:
    """`channel-reconciliation-schedule:{channelId}` / `channel-settlement-schedule:...`."""
    return f"channel-{kind}-schedule:{channel_id}"


def build(
    kind: str, channel_id: str, *, frequency: str, enabled: bool, task_queue: str
) -> Schedule:
    """The schedule: a tick workflow that starts the period's run (paused if disabled)."""
    return Schedule(
        action=ScheduleActionStartWorkflow(
            TICK_WORKFLOW,
            {"kind": kind, "channel_id": channel_id, "frequency": frequency},
            id=f"{schedule_id(kind, channel_id)}-tick",
            task_queue=task_queue,
            execution_timeout=timedelta(hours=1),
            typed_search_attributes=TypedSearchAttributes(
                [SearchAttributePair(SEARCH_ATTRIBUTES["ChannelId"], channel_id)]
            ),
        ),
        spec=ScheduleSpec(cron_expressions=[CRON[frequency]]),
        policy=SchedulePolicy(overlap=ScheduleOverlapPolicy.SKIP, catchup_window=CATCHUP_WINDOW),
        state=ScheduleState(paused=not enabled, note="policy paused" if not enabled else None),
    )


async def _ensure(client: Client, sid: str, schedule: Schedule) -> None:
    try:
        await client.create_schedule(sid, schedule)
    except ScheduleAlreadyRunningError:

        async def replace(_: ScheduleUpdateInput) -> ScheduleUpdate:
            return ScheduleUpdate(schedule=schedule)

        await client.get_schedule_handle(sid).update(replace)


async def _drop(client: Client, sid: str) -> None:
    try:
        await client.get_schedule_handle(sid).delete()
    except RPCError as exc:
        if exc.status != RPCStatusCode.NOT_FOUND:
            raise


async def sync_channel(
    session: AsyncSession, client: Client, *, channel_id: str, task_queue: str
) -> dict[str, str]:
    """Bring the channel's two schedules in line with its policy rows; kind -> state.

    Holds the channel row FOR SHARE until the caller commits: a policy edit (which locks
    it FOR UPDATE) cannot commit between this read and the schedule calls, so an older
    sync never overwrites (or drops) what a newer one has applied.
    """
    await session.execute(
        select(Channel.id).where(Channel.id == channel_id).with_for_update(read=True)
    )
    states: dict[str, str] = {}
    policies: dict[str, ReconciliationPolicy | SettlementPolicy | None] = {
        "reconciliation": await session.scalar(
            select(ReconciliationPolicy).where(ReconciliationPolicy.channel_id == channel_id)
        ),
        "settlement": await session.scalar(
            select(SettlementPolicy).where(SettlementPolicy.channel_id == channel_id)
        ),
    }
    for kind, policy in policies.items():
        sid = schedule_id(kind, channel_id)
        if policy is None:
            await _drop(client, sid)
            states[kind] = "absent"
            continue
        enabled = policy.active and policy.auto_run
        await _ensure(
            client,
            sid,
            build(
                kind,
                channel_id,
                frequency=policy.frequency,
                enabled=enabled,
                task_queue=task_queue,
            ),
        )
        states[kind] = "active" if enabled else "paused"
    return states


async def resync_all(
    factory: async_sessionmaker[AsyncSession], client: Client, *, task_queue: str
) -> dict[str, dict[str, str]]:
    """Upsert the schedules of every channel with a policy (paused where inactive).

    Run at worker start: schedules Temporal lost (a reset server, a deleted namespace)
    come back without waiting for the next policy edit. Idempotent; channel -> states.
    """
    async with factory() as session:
        channel_ids = (
            await session.scalars(
                union(
                    select(ReconciliationPolicy.channel_id),
                    select(SettlementPolicy.channel_id),
                )
            )
        ).all()
    synced = {}
    for channel_id in sorted(channel_ids):
        async with unit_of_work(factory) as session:  # one channel's lock at a time
            synced[channel_id] = await sync_channel(
                session, client, channel_id=channel_id, task_queue=task_queue
            )
    return synced
