"""Invoice overdue sweep: issued invoices past their due date become overdue."""

from __future__ import annotations

from datetime import timedelta

from temporalio import workflow
from temporalio.common import RetryPolicy

with workflow.unsafe.imports_passed_through():
    from activities.finance import (
        OverdueBatch,
        OverdueBatchInput,
        OverdueSweepInput,
        OverdueSweepResult,
    )

SCHEDULE_ID = "invoice-overdue"
BATCH = 200
_RETRY = RetryPolicy(maximum_attempts=5, initial_interval=timedelta(seconds=2))


@workflow.defn(name="InvoiceOverdueSweep")
class InvoiceOverdueSweepWorkflow:
    """Mark every issued or partially paid invoice whose due date is before today overdue.

    Id: `invoice-overdue-run`, started hourly by the Temporal Schedule `invoice-overdue`
    (overlap skipped); tests start it with any id and an explicit `as_of`.
    Signals / updates: none. Retries: five attempts per batch; a batch commits its invoices
    and their `invoice.overdue` events together, and a marked invoice is no longer a
    candidate, so a retried or repeated sweep marks nothing twice.
    Compensation: none; paying an overdue invoice moves it on to partially_paid or paid.
    """

    @workflow.run
    async def run(self, params: OverdueSweepInput) -> OverdueSweepResult:
        """Batches until one comes back short."""
        as_of = params.as_of or workflow.now().date()
        marked = 0
        while True:
            batch: OverdueBatch = await workflow.execute_activity(
                "finance.mark_overdue_batch",
                OverdueBatchInput(as_of=as_of, limit=BATCH),
                result_type=OverdueBatch,
                start_to_close_timeout=timedelta(minutes=2),
                retry_policy=_RETRY,
            )
            marked += len(batch.invoice_ids)
            if len(batch.invoice_ids) < BATCH:
                return OverdueSweepResult(as_of=as_of, marked=marked)
