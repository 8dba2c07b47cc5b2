"""Posting an approved settlement as finance documents, through the finance services.

1. Reversed bookings (settled by an earlier run, cancelled since) are credited on the
   earlier run's channel invoice: one credit note per invoice, up to what is creditable
   (an unpaid invoice reversed in full is voided instead, as finance requires).
2. What remains of the balance (the run's balance plus what was credited):
   - > 0, the channel owes us: an issued channel invoice, due on the run's remittance due
     date (or the issue date, if that has passed);
   - < 0, we owe the channel (its commission, or reversals with no invoice to credit): an
     outbound supplier payment to the channel (finance keeps supplier ids as plain text).

Idempotent: the run row is locked, credit notes and the payment carry keys derived from
the run, and the document ids are stored on the run in the same transaction, so a retried
activity finds the run posted and returns it.
"""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from domain.distribution.models import Channel
from domain.errors import Conflict
from domain.finance import credit_notes, invoices, payments
from domain.finance.invoice_models import Invoice
from domain.settlement import rules
from domain.settlement.models import SettlementRun
from domain.settlement.service import emit, lock_run

# Per earlier settlement invoice: how much of this run's reversals it had billed.
REVERSED_BY_INVOICE = text(
    """
SELECT r.invoice_id, -sum(rev.balance_minor) AS amount_minor
FROM channel_settlement_items rev
JOIN channel_settlement_items orig ON orig.id = rev.reverses_item_id
JOIN channel_settlement_runs r ON r.id = orig.run_id
WHERE rev.run_id = :run_id AND r.invoice_id IS NOT NULL
GROUP BY r.invoice_id
ORDER BY r.invoice_id
"""
)


async def _credit_reversals(session: AsyncSession, run: SettlementRun, now: datetime) -> int:
    credited = 0
    rows = (await session.execute(REVERSED_BY_INVOICE, {"run_id": run.id})).all()
    for invoice_id, amount in rows:
        invoice = await invoices.lock_invoice(session, invoice_id)
        lines = await invoices.invoice_lines(session, invoice.id)
        left = invoice.total_minor - invoice.credited_minor
        creditable = min(int(amount), left)
        if creditable <= 0 or not lines:
            continue
        if invoice.paid_minor == 0 and creditable == left:
            # Finance's rule: an unpaid invoice reversed in full is voided, not credited.
            await invoices.void_invoice(
                session,
                invoice_id=invoice.id,
                reason=f"channel settlement {run.id}: every settled booking was cancelled",
                now=now,
            )
            credited += creditable
            continue
        issued = await credit_notes.issue_credit_note(
            session,
            credit_notes.CreditNoteSpec(
                invoice_id=invoice.id,
                reason=f"channel settlement {run.id}: bookings cancelled after settlement",
                key=f"settlement:{run.id}",
                lines=[credit_notes.CreditLineSpec(lines[0].id, creditable)],
            ),
            now=now,
        )
        run.credit_note_ids = [*run.credit_note_ids, issued.credit_note.id]
        credited += creditable
    return credited


async def _invoice(
    session: AsyncSession, run: SettlementRun, amount: int, now: datetime
) -> Invoice:
    channel = await session.get(Channel, run.channel_id)
    period = f"{run.period_start.isoformat()}..{run.period_end.isoformat()}"
    invoice = await invoices.create_invoice(
        session,
        invoices.InvoiceSpec(
            currency=run.currency,
            lines=[
                invoices.LineSpec(
                    description=f"Channel settlement {period}: {run.item_count} bookings,"
                    f" gross {run.gross_minor}, commission {run.commission_minor}",
                    unit_amount_minor=amount,
                )
            ],
            bill_to_name=channel.name if channel is not None else run.channel_id,
        ),
    )
    today = now.date()
    due = run.due_date if run.due_date is not None and run.due_date >= today else today
    return await invoices.issue_invoice(
        session,
        invoice_id=invoice.id,
        spec=invoices.IssueSpec(issue_date=today, due_date=due),
        now=now,
    )


async def post(session: AsyncSession, *, run_id: str, now: datetime | None = None) -> SettlementRun:
    """Create the run's finance documents; only an approved run is posted."""
    now = now or datetime.now(UTC)
    run = await lock_run(session, run_id)
    if run.status == "posted":
        return run
    if run.status != "approved":
        raise Conflict(
            "settlement_not_approved",
            f"settlement run {run.id} is {run.status}; only an approved run is posted",
            status=run.status,
        )
    run.credited_minor = await _credit_reversals(session, run, now)
    remaining = run.balance_minor + run.credited_minor
    run.direction = rules.direction(remaining)
    if remaining > 0:
        run.invoice_id = (await _invoice(session, run, remaining, now)).id
    elif remaining < 0:
        recorded = await payments.record_supplier_payment(
            session,
            payments.PaymentSpec(
                amount_minor=-remaining,
                currency=run.currency,
                method="bank_transfer",
                idempotency_key=f"settlement:{run.id}",
                supplier_id=run.channel_id,
                reference=f"channel settlement {run.id}",
                note=f"Channel settlement {run.period_start}..{run.period_end}",
                received_at=now,
            ),
        )
        run.payment_id = recorded.payment.id
    run.status = "posted"
    run.posted_at = now
    await session.flush()
    emit(session, run, "settlement.posted")
    return run
