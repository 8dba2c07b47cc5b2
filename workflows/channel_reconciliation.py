"""Channel reconciliation: fetch the channel's report, compare, re-drive missing pushes.

Also the two small workflows that tie policies to schedules: the schedule tick (starts
the period's reconciliation or settlement run) and the policy sync (policy rows ->
Temporal Schedules).
"""

from __future__ import annotations

import contextlib
from datetime import date, timedelta

from pydantic import BaseModel
from temporalio import workflow
from temporalio.common import RetryPolicy, SearchAttributePair, TypedSearchAttributes
from temporalio.exceptions import ActivityError, WorkflowAlreadyStartedError

with workflow.unsafe.imports_passed_through():
    from activities.reconciliation import (
        FetchedPage,
        FetchPageInput,
        FinishInput,
        OpenRunInput,
        RunRef,
        SyncInput,
        SyncResult,
    )
    from domain.reconciliation.periods import previous_period
    from tourflow.temporal import SEARCH_ATTRIBUTES

SHORT = timedelta(seconds=60)
# A channel outage is ridden out with backoff for up to a day, then the run fails.
CHANNEL_RETRY = RetryPolicy(
    initial_interval=timedelta(seconds=2),
    backoff_coefficient=2.0,
    maximum_interval=timedelta(minutes=10),
    non_retryable_error_types=["no_channel_connection", "report_unsupported"],
)
DB_RETRY = RetryPolicy(maximum_interval=timedelta(minutes=1), maximum_attempts=20)


class ReconciliationInput(BaseModel):
    """The channel and period [period_start, period_end)."""

    channel_id: str
    period_start: date
    period_end: date


class ReconciliationResult(BaseModel):
    """The run and what it found."""

    run_id: str
    status: str
    pages: int
    report_lines: int
    local_bookings: int
    issue_count: int
    repushed: int
    error: str | None = None


def reconciliation_workflow_id(channel_id: str, period_start: date) -> str:
    """`channel-reconciliation:{channelId}:{periodStart}`."""
    return f"channel-reconciliation:{channel_id}:{period_start.isoformat()}"


@workflow.defn(name="ChannelReconciliation")
class ChannelReconciliationWorkflow:
    """Reconcile one channel over one period.

    Id: `channel-reconciliation:{channelId}:{periodStart}` (search attribute ChannelId).
    Steps: open the run row; fetch the report page by page through the channel's adapter,
    staging each page (one executemany); compare in one set-based query; re-drive the
    pushes of bookings the channel lacks (marks links pending + repush event); close.
    Progress: the current details say which step and page the run is on.
    Signals/updates: none. Retries: report pages back off up to 10 minutes between
    attempts for at most a day (a channel outage); database steps retry 20 times.
    Failure: a report that cannot be fetched, or a compare / re-drive step out of retries,
    marks the run `failed` with the error and the workflow returns normally.
    Compensation: none needed; staging and issue upserts are idempotent, so a retried or
    restarted run never double-counts.
    """

    def __init__(self) -> None:
        self._details = "starting"

    def _progress(self, text: str) -> None:
        self._details = text
        workflow.set_current_details(text)

    @workflow.query
    def progress(self) -> str:
        """The step the run is on."""
        return self._details

    @workflow.run
    async def run(self, params: ReconciliationInput) -> ReconciliationResult:
        """Open, fetch every page, compare, re-drive, close."""
        opened: RunRef = await workflow.execute_activity(
            "reconciliation.open_run",
            OpenRunInput(**params.model_dump()),
            result_type=RunRef,
            start_to_close_timeout=SHORT,
            retry_policy=DB_RETRY,
        )
        run_id = opened.run_id
        page, staged = 1, 0
        try:
            while True:
                self._progress(f"fetching report page {page} ({staged} lines staged)")
                fetched: FetchedPage = await workflow.execute_activity(
                    "reconciliation.fetch_page",
                    FetchPageInput(run_id=run_id, page=page, **params.model_dump()),
                    result_type=FetchedPage,
                    start_to_close_timeout=timedelta(minutes=2),
                    schedule_to_close_timeout=timedelta(days=1),
                    retry_policy=CHANNEL_RETRY,
                )
                staged += fetched.staged
                if not fetched.has_more:
                    break
                page += 1
        except ActivityError as err:
            error = str(err.cause or err)
            self._progress(f"failed fetching page {page}: {error}")
            closed: RunRef = await self._finish(run_id, error)
            return ReconciliationResult(pages=page, error=error, **_counts(closed))
        try:
            self._progress(f"comparing {staged} report lines with local bookings")
            await workflow.execute_activity(
                "reconciliation.compare",
                FinishInput(run_id=run_id),
                result_type=RunRef,
                start_to_close_timeout=timedelta(minutes=10),
                retry_policy=DB_RETRY,
            )
            self._progress("re-driving pushes the channel is missing")
            await workflow.execute_activity(
                "reconciliation.repush_missing",
                FinishInput(run_id=run_id),
                result_type=int,
                start_to_close_timeout=timedelta(minutes=5),
                retry_policy=DB_RETRY,
            )
        except ActivityError as err:
            # Retries exhausted: close the run as failed rather than leave it `running`.
            error = str(err.cause or err)
            self._progress(f"failed after fetching {page} pages: {error}")
            closed = await self._finish(run_id, error)
            return ReconciliationResult(pages=page, error=error, **_counts(closed))
        done = await self._finish(run_id, None)
        self._progress(
            f"completed: {done.issue_count} issues, {done.repushed} re-pushed, "
            f"{done.report_lines} report lines, {done.local_bookings} local bookings"
        )
        return ReconciliationResult(pages=page, **_counts(done))

    async def _finish(self, run_id: str, error: str | None) -> RunRef:
        result: RunRef = await workflow.execute_activity(
            "reconciliation.finish",
            FinishInput(run_id=run_id, error=error),
            result_type=RunRef,
            start_to_close_timeout=SHORT,
            retry_policy=DB_RETRY,
        )
        return result


def _counts(ref: RunRef) -> dict[str, object]:
    return {
        "run_id": ref.run_id,
        "status": ref.status,
        "report_lines": ref.report_lines,
        "local_bookings": ref.local_bookings,
        "issue_count": ref.issue_count,
        "repushed": ref.repushed,
    }


class TickInput(BaseModel):
    """What a policy schedule fires: which kind of run, for which channel, how often."""

    kind: str
    channel_id: str
    frequency: str


@workflow.defn(name="ChannelPeriodTick")
class ChannelPeriodTickWorkflow:
    """Started by a policy's Temporal Schedule: start the last complete period's run.

    Id: `channel-{kind}-schedule:{channelId}-tick-<time>` (Temporal appends the time).
    Starts `channel-{kind}:{channelId}:{periodStart}` as an abandoned child, so the run
    outlives the tick; a run that already exists for the period is left alone.
    No signals or updates; nothing to compensate.
    """

    @workflow.run
    async def run(self, params: TickInput) -> str:
        """Compute the period from the workflow clock and start its run."""
        start, end = previous_period(params.frequency, workflow.now().date())
        wid = f"channel-{params.kind}:{params.channel_id}:{start.isoformat()}"
        kind_type = {
            "reconciliation": "ChannelReconciliation",
            "settlement": "ChannelSettlement",
        }[params.kind]
        with contextlib.suppress(WorkflowAlreadyStartedError):
            await workflow.start_child_workflow(
                kind_type,
                {"channel_id": params.channel_id, "period_start": start, "period_end": end},
                id=wid,
                parent_close_policy=workflow.ParentClosePolicy.ABANDON,
                search_attributes=TypedSearchAttributes(
                    [SearchAttributePair(SEARCH_ATTRIBUTES["ChannelId"], params.channel_id)]
                ),
            )
        return wid


@workflow.defn(name="ChannelScheduleSync")
class ChannelScheduleSyncWorkflow:
    """Bring a channel's reconciliation and settlement schedules in line with its policies.

    Id: `channel-schedule-sync:{channelId}:{kind}:{revision}`, written as an intent in the
    transaction that edits the policy (so a Temporal outage only delays the sync). The
    activity reads the current rows, so an older sync running late is harmless.
    Retries: up to 20 attempts; no signals or updates; nothing to compensate.
    """

    @workflow.run
    async def run(self, params: SyncInput) -> SyncResult:
        """One activity: sync the channel's schedules."""
        result: SyncResult = await workflow.execute_activity(
            "reconciliation.sync_schedules",
            params,
            result_type=SyncResult,
            start_to_close_timeout=SHORT,
            retry_policy=DB_RETRY,
        )
        return result
