"""Reconciliation over HTTP: policies become Temporal Schedules (pausing the policy pauses
the schedule), runs start their workflow, issues are listed and resolved."""

from __future__ import annotations

import asyncio
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import select
from temporalio.client import Client, ScheduleHandle
from temporalio.service import RPCError

from domain.db import unit_of_work
from domain.reconciliation import service
from domain.reconciliation.compare import Local, Reported
from domain.reconciliation.models import ReconciliationItem, ReconciliationRun
from domain.reconciliation.schedules import CATCHUP_WINDOW, schedule_id
from tests.api.conftest import bearer
from tests.support.reconciliation import (
    PERIOD_END,
    PERIOD_START,
    channel,
    channel_bookings,
    report_items,
)
from worker import build_worker
from workflows.channel_reconciliation import ReconciliationResult

READ, WRITE = "reconciliation:read", "reconciliation:write"


async def _described(handle: ScheduleHandle, *, paused: bool):
    for _ in range(200):
        try:
            desc = await handle.describe()
            if desc.schedule.state.paused is paused:
                return desc
        except RPCError:
            pass  # not created yet: the sync workflow runs right after the commit
        await asyncio.sleep(0.05)
    raise AssertionError(f"the schedule never became paused={paused}")


async def _eventually(call):
    for _ in range(200):
        try:
            return await call()
        except RPCError:
            await asyncio.sleep(0.05)  # not started yet
    raise AssertionError("never started")


def _weekdays(desc) -> list[tuple[int, int]]:
    return [(r.start, r.end) for r in desc.schedule.spec.calendars[0].day_of_week]


def _hours(desc) -> list[tuple[int, int]]:
    return [(r.start, r.end) for r in desc.schedule.spec.calendars[0].hour]


async def test_a_policy_creates_its_schedule_and_pausing_the_policy_pauses_it(
    http, make_key, session_factory, temporal_client: Client, task_queue
):
    async with unit_of_work(session_factory) as session:
        chan = await channel(session)
    key = await make_key(READ, WRITE)
    async with build_worker(temporal_client, session_factory, task_queue=task_queue):
        resp = await http.put(
            f"/v1/reconciliation/policies/{chan}",
            json={"frequency": "weekly", "tolerance_minor": 25},
            headers=bearer(key),
        )
        assert resp.status_code == 200, resp.text
        assert resp.json()["schedule_id"] == schedule_id("reconciliation", chan)
        handle = temporal_client.get_schedule_handle(schedule_id("reconciliation", chan))
        try:
            desc = await _described(handle, paused=False)
            # The server stores the cron as a calendar: Mondays at 03:00.
            assert _weekdays(desc) == [(1, 1)] and _hours(desc) == [(3, 3)]
            assert desc.schedule.policy.catchup_window == CATCHUP_WINDOW
            assert timedelta(days=1) >= CATCHUP_WINDOW

            resp = await http.put(
                f"/v1/reconciliation/policies/{chan}",
                json={"frequency": "weekly", "active": False},
                headers=bearer(key),
            )
            assert resp.status_code == 200 and resp.json()["revision"] == 2
            await _described(handle, paused=True)

            resp = await http.put(
                f"/v1/reconciliation/policies/{chan}",
                json={"frequency": "daily"},
                headers=bearer(key),
            )
            desc = await _described(handle, paused=False)
            assert _weekdays(desc) == [(0, 6)] and _hours(desc) == [(3, 3)]

            # Firing the schedule starts yesterday's run under its deterministic id.
            await handle.trigger()
            yesterday = datetime.now(UTC).date() - timedelta(days=1)
            run = temporal_client.get_workflow_handle(
                f"channel-reconciliation:{chan}:{yesterday.isoformat()}",
                result_type=ReconciliationResult,
            )
            result = await _eventually(run.result)
            assert result.status == "failed"  # this channel has no connection to fetch from
        finally:
            await handle.delete()


async def test_policy_and_run_requests_are_checked(http, make_key, session_factory):
    key = await make_key(READ, WRITE)
    reader = await make_key(READ)
    async with unit_of_work(session_factory) as session:
        chan = await channel(session)
    resp = await http.put(f"/v1/reconciliation/policies/{chan}", json={}, headers=bearer(reader))
    assert resp.status_code == 403 and resp.json()["code"] == "missing_scope"
    resp = await http.put(
        "/v1/reconciliation/policies/chan_01h455vb4pex5vsknk084sn02q", json={}, headers=bearer(key)
    )
    assert resp.status_code == 404 and resp.json()["code"] == "channel_not_found"
    resp = await http.post(
        "/v1/reconciliation/runs",
        json={"channel_id": chan, "period_start": "2026-10-02", "period_end": "2026-10-01"},
        headers=bearer(key),
    )
    assert resp.status_code == 422


async def test_a_run_started_over_http_is_listed_and_its_issues_resolved(
    http, make_key, session_factory, temporal_client: Client, task_queue
):
    key = await make_key(READ, WRITE)
    async with unit_of_work(session_factory) as session:
        chan = await channel(session)
        # No connection to fetch a report from: the run fails, but issues come from data
        # we plant below, the way a completed run leaves them.
        ids = await channel_bookings(session, chan, [Local("a", "confirmed", 100, "EUR")])
    body = {"channel_id": chan, "period_start": "2026-10-01", "period_end": "2026-11-01"}
    async with build_worker(temporal_client, session_factory, task_queue=task_queue):
        resp = await http.post("/v1/reconciliation/runs", json=body, headers=bearer(key))
        assert resp.status_code == 202, resp.text
        run = resp.json()
        assert run["workflow_id"] == f"channel-reconciliation:{chan}:{PERIOD_START.isoformat()}"
        again = await http.post("/v1/reconciliation/runs", json=body, headers=bearer(key))
        assert again.json()["id"] == run["id"]
        handle = temporal_client.get_workflow_handle(
            run["workflow_id"], result_type=ReconciliationResult
        )
        result = await handle.result()
    assert result.status == "failed" and "no active connection" in (result.error or "")
    listed = await http.get(f"/v1/reconciliation/runs?channel_id={chan}", headers=bearer(key))
    assert [r["status"] for r in listed.json()] == ["failed"]

    async with unit_of_work(session_factory) as session:
        run_row = await session.get_one(ReconciliationRun, run["id"])
        item = ReconciliationItem(
            run_id=run_row.id,
            channel_id=chan,
            issue_type="amount_mismatch",
            severity="medium",
            booking_ref=ids["a"],
            booking_id=ids["a"],
            local_amount_minor=100,
            channel_amount_minor=90,
        )
        session.add(item)
    issues = await http.get(
        f"/v1/reconciliation/issues?run_id={run['id']}&resolution=open", headers=bearer(key)
    )
    assert [i["id"] for i in issues.json()] == [item.id]
    url = f"/v1/reconciliation/issues/{item.id}/resolve"
    resp = await http.post(
        url, json={"action": "accept", "note": "channel rounding"}, headers=bearer(key)
    )
    assert resp.status_code == 200 and resp.json()["resolution"] == "resolved"
    assert (await http.post(url, json={"action": "accept"}, headers=bearer(key))).status_code == 200
    resp = await http.post(url, json={"action": "ignore"}, headers=bearer(key))
    assert resp.status_code == 409 and resp.json()["code"] == "issue_already_resolved"
    async with unit_of_work(session_factory) as session:
        stored = await session.scalar(
            select(ReconciliationItem).where(ReconciliationItem.id == item.id)
        )
    assert stored is not None and stored.resolution_action == "accept"


async def test_the_same_period_start_with_another_period_end_is_a_conflict(
    http, make_key, session_factory
):
    key = await make_key(READ, WRITE)
    async with unit_of_work(session_factory) as session:
        chan = await channel(session)
    body = {"channel_id": chan, "period_start": "2026-10-01", "period_end": "2026-11-01"}
    first = await http.post("/v1/reconciliation/runs", json=body, headers=bearer(key))
    assert first.status_code == 202, first.text
    other = await http.post(
        "/v1/reconciliation/runs", json={**body, "period_end": "2026-10-08"}, headers=bearer(key)
    )
    assert other.status_code == 409 and other.json()["code"] == "reconciliation_run_exists"
    assert other.json()["details"]["run_id"] == first.json()["id"]


async def test_an_issue_found_by_overlapping_runs_is_listed_once_under_each_run(
    http, make_key, session_factory
):
    key = await make_key(READ)
    async with unit_of_work(session_factory) as session:
        chan = await channel(session)
        ids = await channel_bookings(session, chan, [Local("a", "confirmed", 100, "EUR")])
    report = report_items([Reported("a", "confirmed", 90, "EUR")], ids)
    runs = []
    for start in (PERIOD_START, date(2026, 10, 10)):
        async with unit_of_work(session_factory) as session:
            run = await service.open_run(
                session, channel_id=chan, period_start=start, period_end=PERIOD_END
            )
            await service.stage_lines(session, run_id=run.id, items=report)
            await service.compare_run(session, run_id=run.id)
            runs.append(run.id)
    listed = [
        (await http.get(f"/v1/reconciliation/issues?run_id={rid}", headers=bearer(key))).json()
        for rid in runs
    ]
    assert [len(rows) for rows in listed] == [1, 1] and listed[0] == listed[1]
    assert (listed[0][0]["run_id"], listed[0][0]["last_run_id"]) == (runs[0], runs[1])
    everything = await http.get(f"/v1/reconciliation/issues?channel_id={chan}", headers=bearer(key))
    assert len(everything.json()) == 1
