"""Channel booking push: a confirmed booking's links to one channel (or their cancellation).

Id: `channel-booking-push:{bookingId}:{channelId}` (push), `channel-booking-cancel:
{bookingId}:{channelId}` (the booking was cancelled), `channel-booking-repush:{linkId}:
{attempts}` (an operator's re-push); search attributes BookingId and ChannelId. Started
from intents written by the outbox subscribers / the re-push route.
Signals: `recheck` (a held channel may be pushable again); the database is the truth
and every attempt re-reads it.
Retries: each link is attempted until it lands; failed attempts back off exponentially
with a cap (`PushPolicy`); a short wait for a rate token is slept inside the attempt
activity (timers fire on whole seconds, too late for the next token), a longer one or an
upstream 429's Retry-After is a durable timer; neither counts as an attempt. While the
channel is paused, archived or without an active connection nothing is sent: links stay
pending and are re-checked on a timer doubling from `held_recheck_seconds` to
`held_max_seconds`, or at once on the `recheck` signal (sent by a re-drive: connection
saved, operator's redrive). After `max_attempts` failed attempts (or a 4xx rejection)
the link is `abandoned` and a `channel.push.abandoned` event is raised.
Compensation: under a `strict_atomic` contract, when any link of the booking is
abandoned, the links that did land are cancelled upstream and become `compensated`.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable
from datetime import timedelta
from typing import Literal

from pydantic import BaseModel
from temporalio import workflow
from temporalio.common import RetryPolicy

with workflow.unsafe.imports_passed_through():
    from activities.channel_push import (
        AbandonInput,
        LinkAttemptInput,
        LinkAttemptResult,
        LinksInput,
        LinksResult,
    )
    from domain.channel_push.booking_push import HELD
    from domain.channel_push.policy import PushPolicy, backoff_seconds, held_wait_seconds

ACTIVITY_TIMEOUT = timedelta(seconds=30)
# Infrastructure failures (database down, a bug): the HTTP outcome is a value, not an error.
INFRA_RETRY = RetryPolicy(maximum_interval=timedelta(seconds=30), maximum_attempts=20)
MIN_WAIT = 0.01


class BookingPushInput(BaseModel):
    """Which booking, channel and action; `link_ids` narrows to some links (re-push)."""

    booking_id: str
    channel_id: str
    action: Literal["push", "cancel"] = "push"
    link_ids: list[str] | None = None
    policy: PushPolicy = PushPolicy()


class BookingPushResult(BaseModel):
    """Final outcome per link: ok, abandoned, compensated, cancelled, skip."""

    outcomes: dict[str, str]


class Recheck(BaseModel):
    """The hold may be lifted (channel resumed or connected); `key` names the cause."""

    key: str


@workflow.defn(name="ChannelBookingPush")
class ChannelBookingPushWorkflow:
    """Push (or cancel) every link of one booking on one channel; see the module docstring."""

    def __init__(self) -> None:
        self._rechecks = 0

    def _rechecked_since(self, seen: int) -> Callable[[], bool]:
        return lambda: self._rechecks != seen

    @workflow.signal(name="recheck")
    def recheck(self, _: Recheck) -> None:
        """Re-check held links now instead of at the end of their hold timer."""
        self._rechecks += 1

    @workflow.run
    async def run(self, params: BookingPushInput) -> BookingPushResult:
        """Drive every link to a final state, then compensate under strict_atomic."""
        ids = params.link_ids
        if ids is None:
            ids = (await self._links(params)).link_ids
        results = await asyncio.gather(
            *(self._drive(link_id, params.action, params.policy) for link_id in ids)
        )
        outcomes = dict(zip(ids, results, strict=True))
        failed = any(result == "abandoned" for result in results)
        if params.action == "push" and failed:
            # The contract is read now, when it matters (it may have changed meanwhile).
            found = await self._links(params)
            if found.compensation_policy == "strict_atomic":
                landed = [link_id for link_id, result in outcomes.items() if result == "ok"]
                compensated = await asyncio.gather(
                    *(self._drive(link_id, "compensate", params.policy) for link_id in landed)
                )
                outcomes.update(zip(landed, compensated, strict=True))
        return BookingPushResult(outcomes=outcomes)

    async def _links(self, params: BookingPushInput) -> LinksResult:
        found: LinksResult = await workflow.execute_activity(
            "channel_push.links",
            LinksInput(
                booking_id=params.booking_id, channel_id=params.channel_id, action=params.action
            ),
            result_type=LinksResult,
            start_to_close_timeout=ACTIVITY_TIMEOUT,
            retry_policy=INFRA_RETRY,
        )
        return found

    async def _drive(
        self, link_id: str, action: Literal["push", "cancel", "compensate"], policy: PushPolicy
    ) -> str:
        failures = held = 0
        while True:
            seen = self._rechecks  # a recheck arriving during the attempt counts too
            result: LinkAttemptResult = await workflow.execute_activity(
                "channel_push.attempt_link",
                LinkAttemptInput(link_id=link_id, action=action),
                result_type=LinkAttemptResult,
                start_to_close_timeout=ACTIVITY_TIMEOUT,
                retry_policy=INFRA_RETRY,
            )
            if result.kind == "ok":
                if action == "push":
                    return "ok"
                return "compensated" if action == "compensate" else "cancelled"
            if result.kind == "skip":
                return result.status or "skip"
            if result.kind == "wait" and result.status == HELD:
                held += 1  # paused / archived / unconnected: re-check, backing off
                with contextlib.suppress(TimeoutError):
                    await workflow.wait_condition(
                        self._rechecked_since(seen), timeout=held_wait_seconds(policy, held)
                    )
                if self._rechecks != seen:  # signalled: start the backoff afresh
                    held = 0
                continue
            if result.kind == "wait":
                await workflow.sleep(max(result.wait_seconds, MIN_WAIT))
                continue
            failures += 1
            if result.kind == "rejected" or failures >= policy.max_attempts:
                await workflow.execute_activity(
                    "channel_push.abandon_link",
                    AbandonInput(link_id=link_id, reason=result.error),
                    start_to_close_timeout=ACTIVITY_TIMEOUT,
                    retry_policy=INFRA_RETRY,
                )
                return "abandoned"
            await workflow.sleep(backoff_seconds(policy, failures))
