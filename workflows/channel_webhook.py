"""Channel webhook: apply one inbound, signature-verified channel event.

Id: `channel-webhook:{eventId}` (our `channel_webhook_events` id, so a replayed external
event id, which finds the stored row, never starts a second run). Started from the intent
written with the event row.
Signals/updates: none.
Retries: the activity retries with backoff up to 10 attempts (max interval 5 min); it is
idempotent, because it locks the event row and leaves a non-pending event alone.
Failure: a business refusal (unknown booking, a booking that cannot be cancelled) marks
the event `failed` with the reason, for staff; it is not retried. When the activity gives
up (retries exhausted), `distribution.fail_webhook` marks a still-pending event `failed`
with the error, so nothing stays pending unseen. Compensation: none is needed, the
event's effects and its status commit in one transaction.
"""

from __future__ import annotations

from datetime import timedelta

from pydantic import BaseModel
from temporalio import workflow
from temporalio.common import RetryPolicy
from temporalio.exceptions import ActivityError

with workflow.unsafe.imports_passed_through():
    from activities.distribution import WebhookFailure, WebhookInput, WebhookOutcome


class ChannelWebhookInput(BaseModel):
    """Which stored event."""

    event_id: str


@workflow.defn(name="ChannelWebhook")
class ChannelWebhookWorkflow:
    """Process the event once and return its final status."""

    @workflow.run
    async def run(self, params: ChannelWebhookInput) -> WebhookOutcome:
        """One activity: the event's effect and its status, in one transaction."""
        try:
            outcome: WebhookOutcome = await workflow.execute_activity(
                "distribution.process_webhook",
                WebhookInput(event_id=params.event_id),
                result_type=WebhookOutcome,
                start_to_close_timeout=timedelta(seconds=60),
                retry_policy=RetryPolicy(
                    maximum_interval=timedelta(minutes=5), maximum_attempts=10
                ),
            )
        except ActivityError as exc:
            cause = exc.cause if exc.cause is not None else exc
            outcome = await workflow.execute_activity(
                "distribution.fail_webhook",
                WebhookFailure(event_id=params.event_id, error=str(cause)[:500]),
                result_type=WebhookOutcome,
                start_to_close_timeout=timedelta(seconds=30),
                retry_policy=RetryPolicy(maximum_interval=timedelta(minutes=1)),
            )
        return outcome
