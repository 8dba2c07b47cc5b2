"""Finance's outbox subscribers: a cancelled booking's payments are reversed by credit note."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from domain.errors import Conflict
from domain.finance import transitions
from domain.finance.credit_notes import CreditNoteSpec, issue_credit_note
from domain.finance.invoice_models import Invoice
from domain.outbox.subscribers import Event, Subscriber

CANCELLATION_REASON = "booking cancelled"


def cancellation_key(booking_id: str) -> str:
    """The credit-note key of a booking's cancellation: one credit note per invoice, ever."""
    return f"booking-cancelled:{booking_id}"


async def credit_paid_invoices_of_cancelled_booking(session: AsyncSession, event: Event) -> None:
    """Issue a full credit note for every issued invoice of the booking that money was paid on.

    Unpaid invoices are left alone (they are voided, by a person, not credited); paid ones
    stay paid. Redelivery is harmless: the per-invoice key makes a second note a no-op.
    """
    if event.payload.get("status") != "cancelled":
        return  # an override to some other status
    booking_id = str(event.payload.get("booking_id") or event.aggregate_id)
    invoice_ids = await session.scalars(
        select(Invoice.id)
        .where(
            Invoice.booking_id == booking_id,
            Invoice.kind == "invoice",
            Invoice.status.in_(transitions.SETTLING),
            Invoice.paid_minor > 0,
        )
        .order_by(Invoice.id)
    )
    for invoice_id in invoice_ids.all():
        spec = CreditNoteSpec(
            invoice_id=invoice_id, reason=CANCELLATION_REASON, key=cancellation_key(booking_id)
        )
        try:
            await issue_credit_note(session, spec)
        except Conflict as exc:
            # Already credited in full by hand: nothing to reverse. Anything else (no
            # credit-note series, say) fails the delivery so it retries and shows up dead.
            if exc.code != "nothing_to_credit":
                raise


def finance_subscribers() -> list[Subscriber]:
    """Every finance subscriber (worker.subscribers() adds these)."""
    return [
        Subscriber(
            name="finance.credit_cancelled_bookings",
            event_types=("booking.cancelled", "booking.status_overridden"),
            handler=credit_paid_invoices_of_cancelled_booking,
        )
    ]
