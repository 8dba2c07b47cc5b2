"""Activities of the channel reconciliation workflow; each call owns its transaction."""

from __future__ import annotations

from datetime import date
from typing import Any

from pydantic import BaseModel
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from temporalio import activity
from temporalio.exceptions import ApplicationError

from adapters.channels.registry import AdapterRegistry
from domain.channel_push.connections import active_connection, info
from domain.db import AfterCommit, unit_of_work
from domain.reconciliation import schedules, service
from domain.reconciliation.models import ReconciliationRun


class OpenRunInput(BaseModel):
    """The channel and period [period_start, period_end)."""

    channel_id: str
    period_start: date
    period_end: date


class RunRef(BaseModel):
    """A run and its counters so far."""

    run_id: str
    status: str = "running"
    report_lines: int = 0
    local_bookings: int = 0
    issue_count: int = 0
    repushed: int = 0


class FetchPageInput(BaseModel):
    """Fetch page `page` of the channel's report for the run and stage it."""

    run_id: str
    channel_id: str
    period_start: date
    period_end: date
    page: int


class FetchedPage(BaseModel):
    """How many lines the page staged, and whether more pages follow."""

    staged: int
    has_more: bool


class FinishInput(BaseModel):
    """Close the run; `error` marks it failed."""

    run_id: str
    error: str | None = None


class SyncInput(BaseModel):
    """Bring one channel's schedules in line with its policies."""

    channel_id: str


class SyncResult(BaseModel):
    """Schedule kind -> active | paused | absent."""

    states: dict[str, str]


def _ref(run: ReconciliationRun) -> RunRef:
    return RunRef(
        run_id=run.id,
        status=run.status,
        report_lines=run.report_lines,
        local_bookings=run.local_bookings,
        issue_count=run.issue_count,
        repushed=run.repushed,
    )


class ReconciliationActivities:
    """Database and channel work for reconciliation; the adapter comes from the registry."""

    def __init__(
        self,
        factory: async_sessionmaker[AsyncSession],
        task_queue: str,
        registry: AdapterRegistry | None = None,
        after_commit: AfterCommit | None = None,
    ) -> None:
        self._factory = factory
        self._task_queue = task_queue
        self._registry = registry or AdapterRegistry()
        self._after_commit = after_commit

    def all(self) -> list[Any]:
        """Every activity of this class."""
        return [
            self.open_run,
            self.fetch_page,
            self.compare,
            self.repush_missing,
            self.finish,
            self.sync_schedules,
        ]

    @activity.defn(name="reconciliation.open_run")
    async def open_run(self, params: OpenRunInput) -> RunRef:
        """Create (or find) the run row of the channel and period."""
        async with unit_of_work(self._factory) as session:
            run = await service.open_run(
                session,
                channel_id=params.channel_id,
                period_start=params.period_start,
                period_end=params.period_end,
            )
            return _ref(run)

    @activity.defn(name="reconciliation.fetch_page")
    async def fetch_page(self, params: FetchPageInput) -> FetchedPage:
        """One report page through the channel's adapter, staged in one executemany.

        A channel error raises (the workflow's retry policy backs off); re-staging the
        same page on a retry overwrites its lines, so nothing is counted twice.
        """
        async with unit_of_work(self._factory) as session:
            conn = await active_connection(session, params.channel_id)
            if conn is None:
                raise ApplicationError(
                    f"channel {params.channel_id} has no active connection",
                    type="no_channel_connection",
                    non_retryable=True,
                )
            adapter = self._registry.for_connection(info(conn))
        if not adapter.capabilities.fetch_report:
            raise ApplicationError(
                "the channel's adapter cannot fetch a report",
                type="report_unsupported",
                non_retryable=True,
            )
        # The channel's report period is inclusive of its last day.
        last_day = date.fromordinal(params.period_end.toordinal() - 1)
        page = await adapter.fetch_report(
            period_start=params.period_start.isoformat(),
            period_end=last_day.isoformat(),
            page=params.page,
        )
        if page.error is not None:
            raise ApplicationError(f"report page {params.page}: {page.error}", type="channel_error")
        async with unit_of_work(self._factory) as session:
            staged = await service.stage_lines(session, run_id=params.run_id, items=page.items)
        return FetchedPage(staged=staged, has_more=page.has_more)

    @activity.defn(name="reconciliation.compare")
    async def compare(self, params: FinishInput) -> RunRef:
        """Compute the run's issues (one set-based query)."""
        async with unit_of_work(self._factory) as session:
            return _ref(await service.compare_run(session, run_id=params.run_id))

    @activity.defn(name="reconciliation.repush_missing")
    async def repush_missing(self, params: FinishInput) -> int:
        """Re-drive the pushes of bookings the channel lacks (started right after commit)."""
        async with unit_of_work(self._factory, after_commit=self._after_commit) as session:
            return await service.repush_missing(
                session, run_id=params.run_id, task_queue=self._task_queue
            )

    @activity.defn(name="reconciliation.finish")
    async def finish(self, params: FinishInput) -> RunRef:
        """Mark the run completed or failed."""
        async with unit_of_work(self._factory) as session:
            return _ref(await service.finish_run(session, run_id=params.run_id, error=params.error))

    @activity.defn(name="reconciliation.sync_schedules")
    async def sync_schedules(self, params: SyncInput) -> SyncResult:
        """Create, update, pause or drop the channel's Temporal Schedules."""
        async with unit_of_work(self._factory) as session:
            states = await schedules.sync_channel(
                session,
                activity.client(),
                channel_id=params.channel_id,
                task_queue=self._task_queue,
            )
        return SyncResult(states=states)
