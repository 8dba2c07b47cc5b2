"""Payment reminder sweep: due and overdue schedule lines get reminders through the Notifier.

Id: `payment-reminders-run`, started daily at 08:00 UTC by the Temporal Schedule
`payment-reminders` (overlap skipped); tests start it with any id and an explicit `as_of`.
Signals / updates: none.
Retries: five attempts per page (2 s initial backoff). Each reminder is claimed with a
unique (line, kind, day) row in the transaction that sends it, so a retried page, a
repeated sweep or two overlapping sweeps remind each line once per kind and day. Each
reminder commits on its own, so a notifier failure mid-page rolls back only that one
reminder and the retried page sends only what is still owed; delivery is at least once
(a crash between sending and committing sends again, with the same reminder key).
Failure / compensation: none; a failed page fails the run and tomorrow's run catches up
(the rules keep a missed step's reminder owed until the next step).
"""

from __future__ import annotations

from datetime import timedelta

from temporalio import workflow
from temporalio.common import RetryPolicy

with workflow.unsafe.imports_passed_through():
    from activities.finance_reminders import (
        GuaranteeExpiryInput,
        GuaranteeExpiryResult,
        ReminderPageInput,
        ReminderPageResult,
        ReminderSweepInput,
        ReminderSweepResult,
    )

SCHEDULE_ID = "payment-reminders"
EXPIRY_SCHEDULE_ID = "guarantee-expiry"
PAGE = 50
_RETRY = RetryPolicy(maximum_attempts=5, initial_interval=timedelta(seconds=2))


@workflow.defn(name="PaymentReminderSweep")
class PaymentReminderSweepWorkflow:
    """Page through due schedule lines, sending the reminders each one is owed today."""

    @workflow.run
    async def run(self, params: ReminderSweepInput) -> ReminderSweepResult:
        """Pages until the last one comes back short."""
        as_of = params.as_of or workflow.now().date()
        after: str | None = None
        sent = 0
        while True:
            page: ReminderPageResult = await workflow.execute_activity(
                "finance.send_reminder_page",
                ReminderPageInput(as_of=as_of, after_line_id=after, limit=PAGE),
                result_type=ReminderPageResult,
                start_to_close_timeout=timedelta(minutes=2),
                retry_policy=_RETRY,
            )
            sent += len(page.reminder_ids)
            if page.last_line_id is None:
                return ReminderSweepResult(as_of=as_of, sent=sent)
            after = page.last_line_id


@workflow.defn(name="GuaranteeExpirySweep")
class GuaranteeExpirySweepWorkflow:
    """Expire pending guarantees whose `expires_at` has passed.

    Id: `guarantee-expiry-run`, started hourly at :20 UTC by the Temporal Schedule
    `guarantee-expiry` (overlap skipped). Signals / updates: none.
    Retries: five attempts (2 s initial backoff); each batch commits on its own and only
    still-pending guarantees change, so a retry or an overlapping run is a no-op for what
    is already expired. Failure / compensation: none; the next run catches up. A session
    that succeeds for a guarantee past `expires_at` is refunded, not applied
    (`domain.finance.session_completion`).
    """

    @workflow.run
    async def run(self, params: GuaranteeExpiryInput) -> GuaranteeExpiryResult:
        """One activity, as of the workflow's now unless the input names a time."""
        as_of = params.as_of or workflow.now()
        result: GuaranteeExpiryResult = await workflow.execute_activity(
            "finance.expire_guarantees",
            GuaranteeExpiryInput(as_of=as_of, batch=params.batch),
            result_type=GuaranteeExpiryResult,
            start_to_close_timeout=timedelta(minutes=5),
            retry_policy=_RETRY,
        )
        return result
