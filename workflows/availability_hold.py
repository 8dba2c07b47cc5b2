"""Hold expiry: a durable timer per hold, not a periodic sweep."""

from __future__ import annotations

from datetime import timedelta

from temporalio import workflow
from temporalio.common import RetryPolicy

with workflow.unsafe.imports_passed_through():
    from activities.availability import HoldRef, HoldState


@workflow.defn(name="AvailabilityHoldExpiry")
class AvailabilityHoldExpiryWorkflow:
    """Expire one availability hold at its expiry time and give its seats back.

    Id: `availability-hold:{holdId}` (started from an intent written with the hold).
    Signals / updates: none. Extending a hold only moves `expires_at` in the database;
    when the timer fires the workflow re-reads it and sleeps again, so an extension can
    never be lost. A released or converted hold ends the workflow at its next wake-up.
    Retries: the activity retries with backoff without limit (the database may be down);
    expiry is idempotent (row lock + status check), so a retry never frees seats twice.
    Compensation: none; expiring is itself the compensation for an abandoned hold.
    """

    @workflow.run
    async def run(self, ref: HoldRef) -> HoldState:
        """Sleep until expiry, expire, repeat while the hold was extended."""
        while True:
            state: HoldState = await workflow.execute_activity(
                "availability.expire_hold_if_due",
                ref,
                result_type=HoldState,
                start_to_close_timeout=timedelta(seconds=30),
                retry_policy=RetryPolicy(maximum_interval=timedelta(minutes=1)),
            )
            if state.status != "held" or state.expires_at is None:
                return state
            wait = state.expires_at - workflow.now()
            await workflow.sleep(max(wait, timedelta(seconds=1)))
