"""Resolving issues: cancel locally what the channel cancelled, re-push what it lacks
(through channel push), refuse actions that do not fit the issue."""

from __future__ import annotations

import asyncio

import pytest
from sqlalchemy import select

from domain.bookings.models import Booking
from domain.db import unit_of_work
from domain.errors import Conflict
from domain.intents.models import WorkflowIntent
from domain.reconciliation import resolution, service
from domain.reconciliation.compare import Local, Reported
from domain.reconciliation.models import ReconciliationItem
from tests.support.reconciliation import (
    PERIOD_END,
    PERIOD_START,
    channel,
    channel_bookings,
    report_items,
)


async def _issues(factory) -> dict[str, ReconciliationItem]:
    ours = [Local("cancel", "confirmed", 100, "EUR"), Local("lost", "confirmed", 100, "EUR")]
    theirs = [Reported("cancel", "cancelled", 100, "EUR"), Reported("extra", "confirmed", 5, "EUR")]
    async with unit_of_work(factory) as session:
        chan = await channel(session)
        ids = await channel_bookings(session, chan, ours)
        run = await service.open_run(
            session, channel_id=chan, period_start=PERIOD_START, period_end=PERIOD_END
        )
        await service.stage_lines(session, run_id=run.id, items=report_items(theirs, ids))
        await service.compare_run(session, run_id=run.id)
        rows = await session.scalars(
            select(ReconciliationItem).where(ReconciliationItem.run_id == run.id)
        )
        label = {real: name for name, real in ids.items()}
        return {label.get(i.booking_ref, i.booking_ref): i for i in rows.all()}


async def _resolve(factory, item_id: str, verb: str) -> ReconciliationItem:
    async with unit_of_work(factory) as session:
        return await resolution.resolve(
            session, item_id=item_id, verb=verb, actor_id="prin_t", note=None, task_queue="q"
        )


async def test_cancel_locally_cancels_the_booking_the_channel_cancelled(session_factory):
    issues = await _issues(session_factory)
    item = issues["cancel"]
    assert item.issue_type == "cancel_mismatch"
    done = await _resolve(session_factory, item.id, "cancel_locally")
    assert (done.resolution, done.resolution_action) == ("resolved", "cancel_locally")
    async with unit_of_work(session_factory) as session:
        booking = await session.get_one(Booking, item.booking_id)
    assert booking.status == "cancelled"


async def test_repush_re_drives_the_missing_booking_through_channel_push(session_factory):
    issues = await _issues(session_factory)
    item = issues["lost"]
    assert (item.issue_type, item.side) == ("missing_booking", "channel")
    await _resolve(session_factory, item.id, "repush")
    async with unit_of_work(session_factory) as session:
        intents = (
            await session.scalars(
                select(WorkflowIntent).where(WorkflowIntent.workflow_type == "ChannelBookingPush")
            )
        ).all()
    assert [i.workflow_id for i in intents] == [f"channel-booking-repush:{item.link_id}:0"]


async def test_actions_that_do_not_fit_the_issue_are_refused(session_factory):
    issues = await _issues(session_factory)
    with pytest.raises(Conflict) as err:
        await _resolve(session_factory, issues["extra"].id, "repush")
    assert err.value.code == "repush_not_applicable"
    with pytest.raises(Conflict) as err:
        await _resolve(session_factory, issues["lost"].id, "cancel_locally")
    assert err.value.code == "cancel_not_applicable"
    await _resolve(session_factory, issues["extra"].id, "ignore")
    with pytest.raises(Conflict) as err:
        await _resolve(session_factory, issues["extra"].id, "accept")
    assert err.value.code == "issue_already_resolved"


async def test_concurrent_repushes_of_one_issue_start_one_push(session_factory):
    issues = await _issues(session_factory)
    item = issues["lost"]
    run_repush = service.repush_missing

    async def by_the_run() -> None:
        async with unit_of_work(session_factory) as session:
            await run_repush(session, run_id=item.run_id, task_queue="q")

    done = await asyncio.gather(
        _resolve(session_factory, item.id, "repush"),
        _resolve(session_factory, item.id, "repush"),
        by_the_run(),
    )
    assert {(d.resolution, d.resolution_action) for d in done[:2]} == {("resolved", "repush")}
    async with unit_of_work(session_factory) as session:
        intents = (
            await session.scalars(
                select(WorkflowIntent.workflow_id).where(
                    WorkflowIntent.workflow_type == "ChannelBookingPush"
                )
            )
        ).all()
    assert intents == [f"channel-booking-repush:{item.link_id}:0"]
