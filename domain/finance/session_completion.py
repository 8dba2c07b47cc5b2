"""Completing a payment session: record the money, pay its lines, secure its guarantee.

One target is settled once. Several sessions may be pending for one target (a customer
retries after abandoning a card page, or is sent a bank-transfer session too), so the
guard is here, at completion, under the target's lock: a success for a target another
session already settled (a secured or expired guarantee, paid or cancelled schedule lines,
an invoice that no longer owes the amount) does not record the money twice. The safe
behaviour chosen: the money that moved is recorded against the booking (the ledger stays
true) and refunded in the same transaction (key `payment-session-refund:{id}`), and
`payment_session.refunded` is recorded for staff to return it through the processor.
Lines partly settled elsewhere refund only their part. Without a booking to record it
against (an invoice without one), nothing is recorded and the event flags it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from domain.finance import guarantees, payments, schedules, transitions
from domain.finance.collection_models import PaymentSession
from domain.finance.invoices import lock_invoice
from domain.outbox.record import record_event

SUCCEEDED_EVENT = "payment_session.succeeded"
REFUNDED_EVENT = "payment_session.refunded"


@dataclass(frozen=True, slots=True)
class _Settle:
    """How much of the session its target can still take, and why the rest cannot."""

    applies_minor: int
    reason: str | None = None


async def _settleable(session: AsyncSession, row: PaymentSession, now: datetime) -> _Settle:
    """Lock the session's target and see what of the session it still takes."""
    if row.guarantee_id is not None:
        g = await guarantees.lock_guarantee(session, row.guarantee_id)
        if g.status != "pending":
            return _Settle(0, f"guarantee {g.id} is {g.status}")
        if g.expires_at is not None and g.expires_at <= now:
            return _Settle(0, f"guarantee {g.id} expired at {g.expires_at.isoformat()}")
        return _Settle(row.amount_minor)
    if row.invoice_id is not None:
        invoice = await lock_invoice(session, row.invoice_id)
        owed = transitions.outstanding(
            total_minor=invoice.total_minor,
            credited_minor=invoice.credited_minor,
            paid_minor=invoice.paid_minor,
        )
        if invoice.status not in payments.PAYABLE or owed < row.amount_minor:
            return _Settle(0, f"invoice {invoice.id} owes {max(owed, 0)}, not {row.amount_minor}")
        return _Settle(row.amount_minor)
    if row.booking_id and row.schedule_line_ids:
        _, lines = await schedules.schedule_of(session, row.booking_id, lock=True)
        wanted = set(row.schedule_line_ids)
        due = sum(x.amount_minor for x in lines if x.id in wanted and x.status == "due")
        if due >= row.amount_minor:
            return _Settle(row.amount_minor)
        return _Settle(due, "schedule lines already paid or cancelled")
    return _Settle(row.amount_minor)


async def complete(
    session: AsyncSession,
    row: PaymentSession,
    *,
    charge_id: str,
    now: datetime,
    money_moved: bool = True,
) -> None:
    """Mark a locked, pending (or failed, then retried) session succeeded, in the caller's
    transaction.

    With `money_moved` (a charge, a received transfer) the payment is recorded against the
    invoice, else the booking; an explicit-reference session without a booking records
    none. Covered schedule lines are marked paid (`booking_payment_schedule.paid` goes to
    the outbox) and a guarantee it secures becomes active. An authorisation or a saved
    card (`money_moved=False`) only secures its guarantee. What the target can no longer
    take is refunded (see the module docstring).
    """
    settle = await _settleable(session, row, now)
    refund_minor = row.amount_minor - settle.applies_minor if money_moved else 0
    payment_id = None
    refund_id = None
    if money_moved and (row.invoice_id or row.booking_id):
        on_invoice = row.invoice_id is not None and settle.reason is None
        spec = payments.PaymentSpec(
            amount_minor=row.amount_minor,
            currency=row.currency,
            method=row.method,
            idempotency_key=f"payment-session:{row.id}",
            invoice_id=row.invoice_id if on_invoice else None,
            booking_id=None if on_invoice else row.booking_id,
            schedule_line_id=row.schedule_line_ids[0] if len(row.schedule_line_ids) == 1 else None,
            reference=charge_id,
            note=f"payment session {row.id}",
            received_at=now,
        )
        if on_invoice:
            recorded = await payments.record_payment(session, spec, now=now)
        elif row.booking_id is not None:
            recorded = await payments.record_booking_payment(session, spec)
        else:
            recorded = None
        payment_id = recorded.payment.id if recorded else None
        if payment_id is not None and refund_minor > 0:
            refunded = await payments.refund_payment(
                session,
                payment_id=payment_id,
                amount_minor=refund_minor,
                reason=f"payment session {row.id}: {settle.reason}",
                idempotency_key=f"payment-session-refund:{row.id}",
                now=now,
            )
            refund_id = refunded.refund.id
    row.status, row.payment_id, row.completed_at = "succeeded", payment_id, now
    row.failure_reason = None if settle.reason is None else f"not applied: {settle.reason}"[:200]
    if row.booking_id and row.schedule_line_ids and payment_id is not None:
        await schedules.mark_paid(
            session,
            booking_id=row.booking_id,
            line_ids=row.schedule_line_ids,
            payment_id=payment_id,
            session_id=row.id,
            now=now,
        )
    if row.guarantee_id is not None and settle.applies_minor > 0:
        await guarantees.secure(
            session,
            row.guarantee_id,
            provider=row.provider,
            provider_ref=charge_id,
            payment_id=payment_id,
            session_id=row.id,
            now=now,
        )
    await session.flush()
    payload = {
        "payment_session_id": row.id,
        "target_kind": row.target_kind,
        "target_id": row.target_id,
        "booking_id": row.booking_id,
        "invoice_id": row.invoice_id,
        "guarantee_id": row.guarantee_id,
        "amount_minor": row.amount_minor,
        "currency": row.currency,
        "payment_id": payment_id,
        "reference": row.reference,
    }
    record_event(
        session,
        aggregate_type="payment_session",
        aggregate_id=row.id,
        event_type=SUCCEEDED_EVENT,
        payload=payload,
    )
    if settle.reason is not None:
        record_event(
            session,
            aggregate_type="payment_session",
            aggregate_id=row.id,
            event_type=REFUNDED_EVENT,
            payload={
                **payload,
                "reason": settle.reason,
                "money_moved": money_moved,
                "refund_minor": refund_minor,
                "refund_id": refund_id,
                # A person returns it at the processor (or voids the authorisation).
                "needs_processor_refund": (refund_minor > 0) or not money_moved,
            },
        )
