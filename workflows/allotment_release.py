"""Allotment release: give up a target's unsold units when its release rule says so.

Id: `allotment-release:{targetId}`, started from an intent written when a target is added
to an allotment with an automatic rule, or when such a rule is set (so a Temporal outage
between commit and start is re-driven by the intent sweeper).
Signals: `recheck` wakes the timer to re-read the rule (it was changed). The database is
the truth: every wake-up asks `distribution.release_if_due`, so a lost signal only delays.
Retries: the activity retries without limit (max interval 1 min); it is idempotent, as
the release execution row is unique per target, and takes the workflow's clock so
time-skipping tests are exact.
Failure and compensation: a release is one transaction (target, execution log, slot
capacity and `availability.slot.changed` together), so there is nothing to compensate.
Without an automatic rule the workflow waits until the slot starts, then ends.
"""

from __future__ import annotations

import contextlib
from datetime import timedelta

from pydantic import BaseModel
from temporalio import workflow
from temporalio.common import RetryPolicy

with workflow.unsafe.imports_passed_through():
    from activities.distribution import ReleaseCheckInput, ReleaseState


class AllotmentReleaseInput(BaseModel):
    """Which allotment target."""

    target_id: str


@workflow.defn(name="AllotmentRelease")
class AllotmentReleaseWorkflow:
    """Sleep until the rule's release time, then release (or expire, or retain) once."""

    def __init__(self) -> None:
        self._woken = False

    @workflow.run
    async def run(self, params: AllotmentReleaseInput) -> ReleaseState:
        """Loop: check (and release if due), then sleep until the next time or a recheck."""
        while True:
            state: ReleaseState = await workflow.execute_activity(
                "distribution.release_if_due",
                ReleaseCheckInput(target_id=params.target_id, as_of=workflow.now()),
                result_type=ReleaseState,
                start_to_close_timeout=timedelta(seconds=30),
                retry_policy=RetryPolicy(maximum_interval=timedelta(minutes=1)),
            )
            if state.state != "waiting" or state.wake_at is None:
                return state
            self._woken = False
            wait = max(state.wake_at - workflow.now(), timedelta(seconds=1))
            with contextlib.suppress(TimeoutError):
                await workflow.wait_condition(lambda: self._woken, timeout=wait)

    @workflow.signal
    def recheck(self, _reason: dict[str, str] | None = None) -> None:
        """The rule changed (or the target is new); re-read it now."""
        self._woken = True
