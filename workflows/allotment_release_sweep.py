"""Allotment release sweep: the schedule behind the per-target release timers.

Id: `allotment-release-sweep-run`, started every 15 minutes by the Temporal Schedule
`allotment-release-sweep` (overlap skipped); tests start it with any id and `as_of`.
Signals/updates: none.
Retries: five attempts per page; each target is released in its own transaction and
the release execution row is unique per target, so a retried page or a race with the
target's own timer releases nothing twice (the log says which trigger won).
Compensation: none; a release commits its capacity change and event together.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from pydantic import BaseModel
from temporalio import workflow
from temporalio.common import RetryPolicy

with workflow.unsafe.imports_passed_through():
    from activities.distribution import ReleaseSweepBatch, ReleaseSweepInput

SCHEDULE_ID = "allotment-release-sweep"
PAGE = 200
MAX_PAGES = 50
_RETRY = RetryPolicy(maximum_attempts=5, initial_interval=timedelta(seconds=2))


class SweepInput(BaseModel):
    """`as_of` defaults to the workflow's clock."""

    as_of: datetime | None = None


class SweepResult(BaseModel):
    """How many targets this run released."""

    as_of: datetime
    released: int


@workflow.defn(name="AllotmentReleaseSweep")
class AllotmentReleaseSweepWorkflow:
    """Release every target whose automatic rule's time has passed, page by page."""

    @workflow.run
    async def run(self, params: SweepInput) -> SweepResult:
        """Pages until one comes back with fewer due targets than a page (or 50 pages)."""
        as_of = params.as_of or workflow.now()
        released = 0
        for _ in range(MAX_PAGES):
            batch: ReleaseSweepBatch = await workflow.execute_activity(
                "distribution.release_due_batch",
                ReleaseSweepInput(as_of=as_of, limit=PAGE),
                result_type=ReleaseSweepBatch,
                start_to_close_timeout=timedelta(minutes=5),
                retry_policy=_RETRY,
            )
            released += len(batch.target_ids)
            if batch.due < PAGE:
                break
        return SweepResult(as_of=as_of, released=released)
