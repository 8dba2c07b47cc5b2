"""Payments against invoices, supplier payments, refunds and voids. Retry-safe by key."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from domain.bookings.models import Booking
from domain.errors import BadRequest, Conflict, NotFound
from domain.finance import transitions
from domain.finance.invoice_models import Invoice
from domain.finance.invoices import lock_invoice, settle
from domain.finance.payment_models import METHODS, Payment, Refund
from domain.ids import new_id
from domain.money import check_currency
from domain.outbox.record import record_event

PAYABLE = frozenset({"issued", "partially_paid", "overdue", "paid"})


@dataclass
class PaymentSpec:
    """An inbound payment (`invoice_id`) or an outbound supplier payment (`supplier_id`)."""

    amount_minor: int
    currency: str
    method: str
    idempotency_key: str
    invoice_id: str | None = None
    supplier_id: str | None = None
    booking_id: str | None = None
    schedule_line_id: str | None = None
    reference: str | None = None
    note: str | None = None
    received_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class Recorded:
    """The payment, and whether this call created it (False: a retry of its key)."""

    payment: Payment
    created: bool


@dataclass(frozen=True, slots=True)
class Refunded:
    """The refund, and whether this call created it."""

    refund: Refund
    created: bool


def _emit(session: AsyncSession, payment: Payment, event_type: str, **extra: Any) -> None:
    record_event(
        session,
        aggregate_type="payment",
        aggregate_id=payment.id,
        event_type=event_type,
        payload={
            "payment_id": payment.id,
            "direction": payment.direction,
            "method": payment.method,
            "status": payment.status,
            "invoice_id": payment.invoice_id,
            "booking_id": payment.booking_id,
            "supplier_id": payment.supplier_id,
            "currency": payment.currency,
            "amount_minor": payment.amount_minor,
            "refunded_minor": payment.refunded_minor,
            **extra,
        },
    )


def _replay(existing: Payment, spec: PaymentSpec, direction: str) -> Recorded:
    same = (
        existing.direction == direction
        and existing.invoice_id == spec.invoice_id
        and existing.supplier_id == spec.supplier_id
        and existing.amount_minor == spec.amount_minor
        and existing.currency == spec.currency
        and existing.method == spec.method
    )
    if not same:
        raise Conflict(
            "idempotency_key_reused",
            "this idempotency key was used for a different payment",
            payment_id=existing.id,
        )
    return Recorded(existing, created=False)


def _validate(spec: PaymentSpec) -> None:
    check_currency(spec.currency)
    if spec.method not in METHODS:
        raise BadRequest("invalid_method", f"method must be one of {METHODS}")
    if spec.amount_minor <= 0:
        raise BadRequest("invalid_amount", "a payment amount is positive")


async def _insert(session: AsyncSession, spec: PaymentSpec, direction: str) -> Recorded:
    values = {
        "id": new_id(Payment.id_prefix),
        "direction": direction,
        "method": spec.method,
        "status": "recorded",
        "idempotency_key": spec.idempotency_key,
        "invoice_id": spec.invoice_id,
        "booking_id": spec.booking_id,
        "supplier_id": spec.supplier_id,
        "schedule_line_id": spec.schedule_line_id,
        "amount_minor": spec.amount_minor,
        "currency": spec.currency,
        "refunded_minor": 0,
        "reference": spec.reference,
        "note": spec.note,
        "received_at": spec.received_at or datetime.now(UTC),
    }
    # ON CONFLICT waits for a concurrent insert of the same key, then yields to it.
    payment_id = await session.scalar(
        insert(Payment)
        .values(**values)
        .on_conflict_do_nothing(index_elements=["idempotency_key"])
        .returning(Payment.id)
    )
    if payment_id is None:
        existing = await _by_key(session, spec.idempotency_key)
        assert existing is not None
        return _replay(existing, spec, direction)
    return Recorded(await session.get_one(Payment, payment_id), created=True)


async def _by_key(session: AsyncSession, key: str) -> Payment | None:
    payment: Payment | None = await session.scalar(
        select(Payment)
        .where(Payment.idempotency_key == key)
        .execution_options(populate_existing=True)
    )
    return payment


async def record_payment(
    session: AsyncSession, spec: PaymentSpec, *, now: datetime | None = None
) -> Recorded:
    """Apply an inbound payment to an issued invoice, in the invoice's currency.

    The invoice is locked first, so retries of one key and payments racing for the same
    balance are serialised: an overpayment is refused, never half-recorded.
    """
    now = now or datetime.now(UTC)
    if spec.invoice_id is None:
        raise BadRequest("invoice_required", "an inbound payment is applied to an invoice")
    invoice = await lock_invoice(session, spec.invoice_id)
    existing = await _by_key(session, spec.idempotency_key)
    if existing is not None:
        return _replay(existing, spec, "inbound")
    _validate(spec)
    if invoice.status not in PAYABLE:
        raise Conflict(
            "invoice_not_payable",
            f"invoice {invoice.id} is {invoice.status}",
            status=invoice.status,
        )
    if spec.currency != invoice.currency:
        raise Conflict(
            "currency_mismatch",
            f"the invoice is in {invoice.currency}, the payment in {spec.currency}",
            invoice_currency=invoice.currency,
            currency=spec.currency,
        )
    owed = transitions.outstanding(
        total_minor=invoice.total_minor,
        credited_minor=invoice.credited_minor,
        paid_minor=invoice.paid_minor,
    )
    if spec.amount_minor > owed:
        raise Conflict(
            "overpayment",
            f"only {max(owed, 0)} is outstanding on invoice {invoice.id}",
            outstanding_minor=max(owed, 0),
            amount_minor=spec.amount_minor,
        )
    recorded = await _insert(session, replace(spec, booking_id=invoice.booking_id), "inbound")
    if not recorded.created:
        return recorded
    invoice.paid_minor += spec.amount_minor
    settle(session, invoice, now=now)
    await session.flush()
    _emit(session, recorded.payment, "payment.recorded", invoice_status=invoice.status)
    return recorded


async def record_booking_payment(session: AsyncSession, spec: PaymentSpec) -> Recorded:
    """Record inbound money collected for a booking before (or without) an invoice."""
    if not spec.booking_id or spec.invoice_id is not None:
        raise BadRequest("booking_required", "a booking payment names its booking only")
    existing = await _by_key(session, spec.idempotency_key)
    if existing is not None:
        return _replay(existing, spec, "inbound")
    _validate(spec)
    recorded = await _insert(session, spec, "inbound")
    if recorded.created:
        _emit(session, recorded.payment, "payment.recorded")
    return recorded


async def record_supplier_payment(session: AsyncSession, spec: PaymentSpec) -> Recorded:
    """Record an outbound payment to a supplier (optionally for a booking)."""
    if not spec.supplier_id:
        raise BadRequest("supplier_required", "a supplier payment names its supplier")
    existing = await _by_key(session, spec.idempotency_key)
    if existing is not None:
        return _replay(existing, spec, "outbound")
    _validate(spec)
    if spec.booking_id is not None and await session.get(Booking, spec.booking_id) is None:
        raise NotFound("booking_not_found", f"no booking {spec.booking_id}")
    recorded = await _insert(session, spec, "outbound")
    if recorded.created:
        _emit(session, recorded.payment, "payment.recorded")
    return recorded


async def _lock_payment_and_invoice(
    session: AsyncSession, payment_id: str
) -> tuple[Payment, Invoice | None]:
    found = await session.get(Payment, payment_id)
    if found is None:
        raise NotFound("payment_not_found", f"no payment {payment_id}")
    # Lock order everywhere: invoice, then payment.
    invoice = await lock_invoice(session, found.invoice_id) if found.invoice_id else None
    payment = await session.scalar(
        select(Payment)
        .where(Payment.id == payment_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    assert payment is not None
    return payment, invoice


async def refund_payment(
    session: AsyncSession,
    *,
    payment_id: str,
    amount_minor: int,
    reason: str,
    idempotency_key: str,
    now: datetime | None = None,
) -> Refunded:
    """Give back part or all of a payment (never more than is left of it)."""
    now = now or datetime.now(UTC)
    payment, invoice = await _lock_payment_and_invoice(session, payment_id)
    existing = await session.scalar(select(Refund).where(Refund.idempotency_key == idempotency_key))
    if existing is not None:
        if existing.payment_id != payment.id or existing.amount_minor != amount_minor:
            raise Conflict(
                "idempotency_key_reused",
                "this idempotency key was used for a different refund",
                refund_id=existing.id,
            )
        return Refunded(existing, created=False)
    if payment.status != "recorded":
        raise Conflict("payment_void", f"payment {payment.id} is void")
    left = payment.amount_minor - payment.refunded_minor
    if amount_minor <= 0 or amount_minor > left:
        raise Conflict(
            "refund_exceeds_payment",
            f"between 1 and {left} of payment {payment.id} can be refunded",
            refundable_minor=left,
        )
    refund = Refund(
        payment_id=payment.id,
        invoice_id=payment.invoice_id,
        idempotency_key=idempotency_key,
        amount_minor=amount_minor,
        currency=payment.currency,
        reason=reason,
        refunded_at=now,
    )
    session.add(refund)
    payment.refunded_minor += amount_minor
    if invoice is not None:
        invoice.paid_minor -= amount_minor
        settle(session, invoice, now=now)
    await session.flush()
    _emit(
        session,
        payment,
        "payment.refunded",
        refund_id=refund.id,
        refund_amount_minor=amount_minor,
        reason=reason,
        invoice_status=invoice.status if invoice else None,
    )
    return Refunded(refund, created=True)


async def void_payment(
    session: AsyncSession, *, payment_id: str, reason: str, now: datetime | None = None
) -> Payment:
    """Void a payment recorded in error (not once refunded); its invoice owes it again."""
    now = now or datetime.now(UTC)
    payment, invoice = await _lock_payment_and_invoice(session, payment_id)
    if payment.status == "void":
        raise Conflict("payment_void", f"payment {payment.id} is already void")
    if payment.refunded_minor > 0:
        raise Conflict("payment_has_refunds", f"payment {payment.id} was partly refunded")
    payment.status = "void"
    payment.voided_at = now
    payment.void_reason = reason
    if invoice is not None:
        invoice.paid_minor -= payment.amount_minor
        settle(session, invoice, now=now)
    await session.flush()
    _emit(
        session,
        payment,
        "payment.voided",
        reason=reason,
        invoice_status=invoice.status if invoice else None,
    )
    return payment
