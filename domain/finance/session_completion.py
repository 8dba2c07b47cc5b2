"""Completing a payment session: record the money, pay its lines, secure its guarantee."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from domain.finance import guarantees, payments, schedules
from domain.finance.collection_models import PaymentSession
from domain.outbox.record import record_event

SUCCEEDED_EVENT = "payment_session.succeeded"


async def complete(
    session: AsyncSession,
    row: PaymentSession,
    *,
    charge_id: str,
    now: datetime,
    money_moved: bool = True,
) -> None:
    """Mark a locked, pending session succeeded, in the caller's transaction.

    With `money_moved` (a charge, a received transfer) the payment is recorded against the
    invoice, else the booking; an explicit-reference session without a booking records
    none. Covered schedule lines are marked paid (`booking_payment_schedule.paid` goes to
    the outbox) and a guarantee it secures becomes active. An authorisation or a saved
    card (`money_moved=False`) only secures its guarantee.
    """
    payment_id = None
    if money_moved and (row.invoice_id or row.booking_id):
        spec = payments.PaymentSpec(
            amount_minor=row.amount_minor,
            currency=row.currency,
            method=row.method,
            idempotency_key=f"payment-session:{row.id}",
            invoice_id=row.invoice_id,
            booking_id=row.booking_id if row.invoice_id is None else None,
            schedule_line_id=row.schedule_line_ids[0] if len(row.schedule_line_ids) == 1 else None,
            reference=charge_id,
            note=f"payment session {row.id}",
            received_at=now,
        )
        if row.invoice_id is not None:
            recorded = await payments.record_payment(session, spec, now=now)
        else:
            recorded = await payments.record_booking_payment(session, spec)
        payment_id = recorded.payment.id
    row.status, row.payment_id, row.completed_at = "succeeded", payment_id, now
    if row.booking_id and row.schedule_line_ids and payment_id is not None:
        await schedules.mark_paid(
            session,
            booking_id=row.booking_id,
            line_ids=row.schedule_line_ids,
            payment_id=payment_id,
            session_id=row.id,
            now=now,
        )
    if row.guarantee_id is not None:
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
    record_event(
        session,
        aggregate_type="payment_session",
        aggregate_id=row.id,
        event_type=SUCCEEDED_EVENT,
        payload={
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
        },
    )
