"""The resource-hold cutoff: at the cutoff, unpicked room or space units go back."""

from __future__ import annotations

from datetime import datetime, timedelta

from pydantic import BaseModel
from temporalio import workflow
from temporalio.common import RetryPolicy

with workflow.unsafe.imports_passed_through():
    from activities.resource_holds import HoldCutoffInput, ReleaseInput, ReleaseResult


class HoldCutoffResult(BaseModel):
    """What the release did and the workflow time it ran at (never before the cutoff)."""

    release: ReleaseResult
    ran_at: datetime


@workflow.defn(name="ResourceHoldCutoff")
class ResourceHoldCutoffWorkflow:
    """Sleep until a hold's cutoff, then release every unit nobody picked up.

    Id: `resource-hold-cutoff:{holdId}`, started through a workflow intent when a hold
    is placed or held with a cutoff; a second start of the same id is a no-op.
    Signals / updates: none. A hold confirmed and fully picked up, released or cancelled
    before the cutoff needs no signal: the activity finds nothing to do.
    Retries: the release retries with backoff (capped at 5 minutes) until the database
    answers; it is idempotent (it releases only what remains, under the hold's row lock).
    Compensation: none; released units are the end state of a cutoff.
    """

    @workflow.run
    async def run(self, params: HoldCutoffInput) -> HoldCutoffResult:
        """Wait for the cutoff with a durable timer, then release."""
        wait = params.cutoff_at - workflow.now()
        if wait > timedelta(0):
            await workflow.sleep(wait)
        release: ReleaseResult = await workflow.execute_activity(
            "resource_holds.release_at_cutoff",
            ReleaseInput(hold_id=params.hold_id),
            result_type=ReleaseResult,
            start_to_close_timeout=timedelta(minutes=1),
            retry_policy=RetryPolicy(
                initial_interval=timedelta(seconds=1), maximum_interval=timedelta(minutes=5)
            ),
        )
        return HoldCutoffResult(release=release, ran_at=workflow.now())
