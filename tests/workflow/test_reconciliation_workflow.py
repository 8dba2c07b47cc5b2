"""Reconciliation run end to end: the sim channel's paged report over HTTP, one planted
case per issue type, the lost push re-driven, progress in the workflow's details."""

from __future__ import annotations

import asyncio
import contextlib
import inspect
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from sqlalchemy import select, text
from temporalio import activity
from temporalio.api.sdk.v1 import WorkflowMetadata
from temporalio.client import Client
from temporalio.common import SearchAttributePair, TypedSearchAttributes
from temporalio.exceptions import ApplicationError
from temporalio.service import RPCError
from temporalio.worker import Worker

import worker
from activities.reconciliation import FinishInput, ReconciliationActivities, RunRef
from domain.db import unit_of_work
from domain.intents.models import WorkflowIntent
from domain.reconciliation import policies, schedules
from domain.reconciliation.compare import Local
from domain.reconciliation.models import (
    ReconciliationItem,
    ReconciliationPolicy,
    ReconciliationRun,
)
from domain.settlement.models import SettlementPolicy
from tests.support.reconciliation import (
    channel,
    channel_bookings,
    connect,
    numbers,
    set_link_status,
    sim_book,
    sim_channel_server,
)
from tourflow.temporal import SEARCH_ATTRIBUTES
from workflows.channel_reconciliation import (
    ChannelReconciliationWorkflow,
    ReconciliationInput,
    ReconciliationResult,
    reconciliation_workflow_id,
)

CLEAN = 120  # more than one report page (the sim serves 100 per page)
# The sim channel stamps bookings with its own clock: reconcile today.
NOW = datetime.now(UTC)
PERIOD_START = NOW.date()
PERIOD_END = PERIOD_START + timedelta(days=1)


def reconciliation_worker(client: Client, factory, task_queue: str) -> Worker:
    acts = ReconciliationActivities(factory, task_queue)
    return Worker(
        client,
        task_queue=task_queue,
        workflows=[ChannelReconciliationWorkflow],
        activities=[
            acts.open_run,
            acts.fetch_page,
            acts.compare,
            acts.repush_missing,
            acts.finish,
        ],
    )


async def test_a_planted_period_finds_one_issue_of_each_type_and_redrives_the_lost_push(
    session_factory, temporal_client: Client, task_queue: str
) -> None:
    books = [Local(f"clean{n}", "confirmed", 1_000 + n, "EUR") for n in range(CLEAN)] + [
        Local("lost", "confirmed", 4_000, "EUR"),
        Local("status", "confirmed", 6_000, "EUR"),
        Local("amount", "confirmed", 10_000, "EUR"),
        Local("cancel", "confirmed", 8_000, "EUR"),
        Local("payout", "confirmed", 9_000, "EUR", payment_owner="channel"),
        Local("paid", "confirmed", 7_000, "EUR", payment_owner="channel"),
    ]
    async with sim_channel_server() as base_url:
        async with unit_of_work(session_factory) as session:
            chan = await channel(session)
            await connect(session, chan, base_url)
            session.add(ReconciliationPolicy(channel_id=chan, tolerance_minor=50))
            ids = await channel_bookings(session, chan, books, created_at=NOW)
            # A long outage: this booking's push failed and never reached the channel.
            await set_link_status(session, ids["lost"], "failed")
            number_of = await numbers(session, ids)
        edits: dict[str, dict[str, Any]] = {
            "status": {"status": "on_request"},
            "amount": {"amount_minor": 10_051},
            "cancel": {"status": "cancelled"},
            "paid": {"payout": 6_000},
        }
        async with httpx.AsyncClient(base_url=base_url) as sim:
            await asyncio.gather(
                *(
                    sim_book(
                        sim,
                        booking_id=ids[b.booking_id],
                        number=number_of[b.booking_id],
                        channel_id=chan,
                        amount_minor=b.amount_minor,
                        admin=edits.get(b.booking_id),
                    )
                    for b in books
                    if b.booking_id != "lost"
                )
            )
            unknown = f"bk_{uuid.uuid4().hex[:8]}"
            await sim_book(sim, booking_id=unknown, channel_id=chan, amount_minor=2_000)
            # Something the channel lists as cancelled that we never had: not an issue.
            await sim_book(
                sim,
                booking_id="bk_gone",
                channel_id=chan,
                amount_minor=1,
                admin={"status": "cancelled"},
            )

        async with reconciliation_worker(temporal_client, session_factory, task_queue):
            handle = await temporal_client.start_workflow(
                ChannelReconciliationWorkflow.run,
                ReconciliationInput(
                    channel_id=chan, period_start=PERIOD_START, period_end=PERIOD_END
                ),
                id=reconciliation_workflow_id(chan, PERIOD_START),
                task_queue=task_queue,
                search_attributes=TypedSearchAttributes(
                    [SearchAttributePair(SEARCH_ATTRIBUTES["ChannelId"], chan)]
                ),
            )
            result: ReconciliationResult = await handle.result()
            # What the Temporal UI shows as the run's current details.
            metadata = await handle.query(
                "__temporal_workflow_metadata", result_type=WorkflowMetadata
            )
            query = await handle.query(ChannelReconciliationWorkflow.progress)

    assert result.status == "completed"
    assert result.pages == 2
    assert result.report_lines == CLEAN + 7
    assert result.local_bookings == CLEAN + 6
    assert result.issue_count == 6 and result.repushed == 1
    assert query.startswith("completed: 6 issues, 1 re-pushed")
    assert metadata.current_details == query
    label = {real: name for name, real in ids.items()}
    async with unit_of_work(session_factory) as session:
        items = (
            await session.scalars(
                select(ReconciliationItem).where(ReconciliationItem.run_id == result.run_id)
            )
        ).all()
        lost_link = await session.scalar(
            text("SELECT push_status FROM channel_booking_links WHERE booking_id = :b"),
            {"b": ids["lost"]},
        )
        repushes = (
            await session.scalars(
                select(WorkflowIntent).where(WorkflowIntent.workflow_type == "ChannelBookingPush")
            )
        ).all()
    found = sorted((i.issue_type, label.get(i.booking_ref, "unknown"), i.side) for i in items)
    assert found == [
        ("amount_mismatch", "amount", None),
        ("cancel_mismatch", "cancel", None),
        ("missing_booking", "lost", "channel"),
        ("missing_booking", "unknown", "local"),
        ("missing_payout", "payout", None),
        ("status_mismatch", "status", None),
    ]
    lost_item = next(i for i in items if i.booking_ref == ids["lost"])
    assert (lost_item.resolution, lost_item.resolution_action) == ("resolved", "repush")
    assert lost_link == "pending"
    # Re-driven through channel push: the link's re-push workflow, started after commit.
    assert [(i.workflow_id, (i.input or {})["booking_id"]) for i in repushes] == [
        (f"channel-booking-repush:{lost_item.link_id}:0", ids["lost"])
    ]


async def test_worker_start_resync_brings_back_lost_schedules_and_pauses_inactive_ones(
    session_factory, temporal_client: Client, task_queue: str
) -> None:
    async with unit_of_work(session_factory) as session:
        live, idle, manual = [await channel(session) for _ in range(3)]
        session.add_all(
            [
                ReconciliationPolicy(channel_id=live, frequency="weekly"),
                ReconciliationPolicy(channel_id=idle, active=False),
                ReconciliationPolicy(channel_id=manual, auto_run=False),
                SettlementPolicy(channel_id=live, currency="EUR"),
            ]
        )
    handles = {
        (kind, chan): temporal_client.get_schedule_handle(schedules.schedule_id(kind, chan))
        for kind, chan in [
            ("reconciliation", live),
            ("reconciliation", idle),
            ("reconciliation", manual),
            ("settlement", live),
        ]
    }
    try:
        # Temporal knows none of them (lost, or the policies predate the server).
        first = await schedules.resync_all(session_factory, temporal_client, task_queue=task_queue)
        assert first == {
            live: {"reconciliation": "active", "settlement": "active"},
            idle: {"reconciliation": "paused", "settlement": "absent"},
            manual: {"reconciliation": "paused", "settlement": "absent"},
        }
        paused = {key: (await h.describe()).schedule.state.paused for key, h in handles.items()}
        assert paused == {
            ("reconciliation", live): False,
            ("reconciliation", idle): True,
            ("reconciliation", manual): True,
            ("settlement", live): False,
        }
        # One is lost again; resyncing restores it and leaves the others as they are.
        await handles[("reconciliation", live)].delete()
        again = await schedules.resync_all(session_factory, temporal_client, task_queue=task_queue)
        assert again == first
        desc = await handles[("reconciliation", live)].describe()
        assert not desc.schedule.state.paused
        assert desc.schedule.policy.catchup_window == schedules.CATCHUP_WINDOW
    finally:
        for handle in handles.values():
            with contextlib.suppress(RPCError):
                await handle.delete()


def test_the_worker_resyncs_policy_schedules_when_it_starts() -> None:
    source = inspect.getsource(worker.run)
    assert source.index("resync_all(") > source.index("ensure_all(")
    assert source.index("resync_all(") < source.index("async with worker")


async def test_a_schedule_sync_waits_for_a_policy_edit_in_progress(
    session_factory, temporal_client: Client, task_queue: str
) -> None:
    async with unit_of_work(session_factory) as session:
        chan = await channel(session)
        session.add(ReconciliationPolicy(channel_id=chan))
    handle = temporal_client.get_schedule_handle(schedules.schedule_id("reconciliation", chan))

    async def sync() -> dict[str, str]:
        async with unit_of_work(session_factory) as session:
            return await schedules.sync_channel(
                session, temporal_client, channel_id=chan, task_queue=task_queue
            )

    try:
        async with unit_of_work(session_factory) as editing:
            await policies.upsert_policy(
                editing,
                kind="reconciliation",
                channel_id=chan,
                fields={"active": False},
                task_queue=task_queue,
            )
            # A sync (say, of the previous revision) starts while the edit is uncommitted:
            # it must not apply the old row after the edit's own sync has run.
            pending = asyncio.create_task(sync())
            await asyncio.sleep(0.5)
            assert not pending.done()
        assert await pending == {"reconciliation": "paused", "settlement": "absent"}
        assert (await handle.describe()).schedule.state.paused
    finally:
        with contextlib.suppress(RPCError):
            await handle.delete()


@activity.defn(name="reconciliation.compare")
async def broken_compare(params: FinishInput) -> RunRef:
    raise ApplicationError("the database refused", type="boom", non_retryable=True)


async def test_a_run_whose_compare_step_gives_up_is_closed_as_failed_not_left_running(
    session_factory, temporal_client: Client, task_queue: str
) -> None:
    async with sim_channel_server() as base_url:
        async with unit_of_work(session_factory) as session:
            chan = await channel(session)
            await connect(session, chan, base_url)
        acts = ReconciliationActivities(session_factory, task_queue)
        async with Worker(
            temporal_client,
            task_queue=task_queue,
            workflows=[ChannelReconciliationWorkflow],
            activities=[acts.open_run, acts.fetch_page, broken_compare, acts.finish],
        ):
            result = await temporal_client.execute_workflow(
                ChannelReconciliationWorkflow.run,
                ReconciliationInput(
                    channel_id=chan, period_start=PERIOD_START, period_end=PERIOD_END
                ),
                id=reconciliation_workflow_id(chan, PERIOD_START),
                task_queue=task_queue,
            )
    assert result.status == "failed" and "the database refused" in (result.error or "")
    async with unit_of_work(session_factory) as session:
        run = await session.get_one(ReconciliationRun, result.run_id)
    assert (run.status, run.completed_at is not None) == ("failed", True)
