"""The intent sweeper: a scheduled workflow that re-drives intents that never started."""

from __future__ import annotations

from datetime import timedelta

from temporalio import workflow
from temporalio.common import RetryPolicy

with workflow.unsafe.imports_passed_through():
    from activities.intents import RedriveInput, RedriveResult

SCHEDULE_ID = "intent-sweeper"


@workflow.defn(name="IntentSweeper")
class IntentSweeperWorkflow:
    """Re-drive pending workflow intents.

    Id: started by the Temporal Schedule `intent-sweeper` (one run at a time, overlap
    skipped), or directly with any id for a manual sweep.
    Signals / updates: none.
    Retries: the activity retries three times with backoff; a failed sweep is harmless,
    the next scheduled run picks the same intents up again.
    Compensation: none needed; dispatch is idempotent (starts are de-duplicated by
    deterministic workflow id, signals by intent row lock).
    """

    @workflow.run
    async def run(self, params: RedriveInput) -> RedriveResult:
        """Sweep once."""
        result: RedriveResult = await workflow.execute_activity(
            "intents.redrive",
            params,
            result_type=RedriveResult,
            start_to_close_timeout=timedelta(minutes=2),
            retry_policy=RetryPolicy(maximum_attempts=3, initial_interval=timedelta(seconds=1)),
        )
        return result
