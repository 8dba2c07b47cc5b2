"""Channel availability / content push: one long-running drainer per channel and flow.

Id: `channel-availability-push:{channelId}` or `channel-content-push:{channelId}`;
search attribute ChannelId. Started and woken by signal-with-start intents written by the
outbox subscribers whenever an intent row becomes pending (or a pending one is overdue),
with id reuse allowed: a wake after a run was terminated or failed starts a new run.
A paused, archived or unconnected channel is not pushed: its due intents are deferred
by `held_recheck_seconds` and re-checked.
Signals: `wake` (new work); the database is the truth, a lost wake only delays a push
until the idle re-check.
Coalescing: intents are unique per (channel, slot) / (channel, product); the drain reads
the current state at push time, so many changes become one push of the latest state.
Retries: per intent, exponential backoff with a cap stored on the row (`next_attempt_at`);
after `max_attempts` the intent is `abandoned` and `channel.push.abandoned` is raised.
Short rate-token waits are slept inside the drain activity; longer ones (an upstream
429's Retry-After) are durable timers. Continues-as-new every
`LOOPS_PER_RUN` drains to keep history short. Compensation: none (idempotent state sync).
"""

from __future__ import annotations

import contextlib
from datetime import timedelta
from typing import Literal

from pydantic import BaseModel
from temporalio import workflow
from temporalio.common import RetryPolicy

with workflow.unsafe.imports_passed_through():
    from activities.channel_push import DrainInput, DrainOutput
    from domain.channel_push.policy import PushPolicy

ACTIVITY_TIMEOUT = timedelta(seconds=60)
INFRA_RETRY = RetryPolicy(maximum_interval=timedelta(seconds=30))
IDLE_RECHECK = timedelta(minutes=10)
LOOPS_PER_RUN = 300
MIN_WAIT = 0.01


class QueuePushInput(BaseModel):
    """Which channel and flow, and the retry policy for its intents."""

    channel_id: str
    flow: Literal["availability", "content"]
    policy: PushPolicy = PushPolicy()


class Wake(BaseModel):
    """New work; `key` names the cause (an event id)."""

    key: str


@workflow.defn(name="ChannelQueuePush")
class ChannelQueuePushWorkflow:
    """Drain due intents, sleep on budget waits, idle until woken; see the module docstring."""

    def __init__(self) -> None:
        self._woken = False

    @workflow.run
    async def run(self, params: QueuePushInput) -> None:
        """Loop forever (continuing as new now and then)."""
        for _ in range(LOOPS_PER_RUN):
            self._woken = False
            result: DrainOutput = await workflow.execute_activity(
                "channel_push.drain",
                DrainInput(channel_id=params.channel_id, flow=params.flow, policy=params.policy),
                result_type=DrainOutput,
                start_to_close_timeout=ACTIVITY_TIMEOUT,
                retry_policy=INFRA_RETRY,
            )
            if result.wait_seconds > 0:
                await workflow.sleep(max(result.wait_seconds, MIN_WAIT))
                continue
            if result.more:
                continue
            idle = IDLE_RECHECK
            if result.next_due_in is not None:
                idle = min(idle, timedelta(seconds=max(result.next_due_in, MIN_WAIT)))
            with contextlib.suppress(TimeoutError):
                await workflow.wait_condition(lambda: self._woken, timeout=idle)
            if workflow.info().is_continue_as_new_suggested():
                break
        workflow.continue_as_new(params)

    @workflow.signal
    def wake(self, wake: Wake) -> None:
        """Something became pending: drain now."""
        self._woken = True
