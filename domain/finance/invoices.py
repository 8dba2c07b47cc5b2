"""Invoices: drafting (from a booking or explicit lines), issuing, voiding, settling, overdue."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from domain.bookings.models import Booking, BookingItem
from domain.errors import BadRequest, Conflict, NotFound
from domain.finance import invoice_fx, invoice_tax, transitions
from domain.finance.invoice_fx import InvoiceFxSettings
from domain.finance.invoice_models import INVOICE_KINDS, Invoice, InvoiceLine
from domain.finance.series import allocate_number
from domain.money import check_currency
from domain.outbox.record import record_event

DEFAULT_TERMS = timedelta(days=14)
NOT_INVOICEABLE = frozenset({"cancelled", "expired"})


@dataclass
class LineSpec:
    """One explicit line: `quantity` x `unit_amount_minor` in the invoice's currency."""

    description: str
    unit_amount_minor: int
    quantity: int = 1
    booking_item_id: str | None = None


@dataclass
class InvoiceSpec:
    """A draft. Without `lines` the booking's active items become the lines."""

    kind: str = "invoice"
    currency: str | None = None
    booking_id: str | None = None
    lines: list[LineSpec] | None = None
    bill_to_name: str | None = None
    bill_to_email: str | None = None
    due_date: date | None = None


@dataclass
class IssueSpec:
    """How to number the invoice (see domain.finance.precedence) and its dates."""

    invoice_number: str | None = None
    series_id: str | None = None
    issue_date: date | None = None
    due_date: date | None = None
    # Finalisation extras: tax through domain.finance.tax, FX provenance (invoice_fx).
    tax_regime_id: str | None = None
    tax_mode: str = "inclusive"
    fx: InvoiceFxSettings | None = None


def emit(session: AsyncSession, invoice: Invoice, event_type: str, **extra: Any) -> None:
    """Record an invoice event (the caller holds the invoice row lock)."""
    record_event(
        session,
        aggregate_type="invoice",
        aggregate_id=invoice.id,
        event_type=event_type,
        payload={
            "invoice_id": invoice.id,
            "number": invoice.number,
            "kind": invoice.kind,
            "status": invoice.status,
            "booking_id": invoice.booking_id,
            "currency": invoice.currency,
            "total_minor": invoice.total_minor,
            "paid_minor": invoice.paid_minor,
            "credited_minor": invoice.credited_minor,
            **extra,
        },
    )


async def lock_invoice(session: AsyncSession, invoice_id: str) -> Invoice:
    """The invoice row locked FOR UPDATE; 404 `invoice_not_found`."""
    invoice = await session.scalar(
        select(Invoice)
        .where(Invoice.id == invoice_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    if invoice is None:
        raise NotFound("invoice_not_found", f"no invoice {invoice_id}")
    return invoice


async def invoice_lines(session: AsyncSession, invoice_id: str) -> list[InvoiceLine]:
    """The invoice's lines in order."""
    rows = await session.scalars(
        select(InvoiceLine)
        .where(InvoiceLine.invoice_id == invoice_id)
        .order_by(InvoiceLine.position)
    )
    return list(rows.all())


async def _booking_lines(session: AsyncSession, booking: Booking) -> list[LineSpec]:
    items = await session.scalars(
        select(BookingItem)
        .where(BookingItem.booking_id == booking.id, BookingItem.status == "active")
        .order_by(BookingItem.created_at, BookingItem.id)
    )
    return [
        LineSpec(
            description=i.description,
            unit_amount_minor=i.sell_amount_minor,
            quantity=i.quantity,
            booking_item_id=i.id,
        )
        for i in items
    ]


async def create_invoice(session: AsyncSession, spec: InvoiceSpec) -> Invoice:
    """Write a draft invoice with its lines (from the booking's items unless given)."""
    if spec.kind not in INVOICE_KINDS:
        raise BadRequest("invalid_kind", f"kind must be one of {INVOICE_KINDS}")
    booking = None
    if spec.booking_id is not None:
        booking = await session.get(Booking, spec.booking_id)
        if booking is None:
            raise NotFound("booking_not_found", f"no booking {spec.booking_id}")
        if booking.status in NOT_INVOICEABLE:
            raise Conflict(
                "booking_not_invoiceable",
                f"booking {booking.id} is {booking.status}",
                status=booking.status,
            )
    currency = check_currency(spec.currency or (booking.currency if booking else ""))
    if booking is not None and booking.currency != currency:
        raise Conflict(
            "currency_mismatch",
            f"the booking is in {booking.currency}, the invoice in {currency}",
            booking_currency=booking.currency,
            currency=currency,
        )
    if spec.lines is not None:
        lines = spec.lines
    elif booking is not None:
        lines = await _booking_lines(session, booking)
    else:
        raise BadRequest("lines_required", "give lines, or a booking to take them from")
    if not lines:
        raise BadRequest("no_lines", "an invoice needs at least one line")
    total = sum(line.quantity * line.unit_amount_minor for line in lines)
    if total <= 0:
        raise BadRequest("invalid_total", "an invoice's total must be positive", total_minor=total)
    invoice = Invoice(
        kind=spec.kind,
        status="draft",
        booking_id=booking.id if booking else None,
        currency=currency,
        total_minor=total,
        paid_minor=0,
        credited_minor=0,
        bill_to_name=spec.bill_to_name or (booking.buyer_name if booking else None),
        bill_to_email=spec.bill_to_email or (booking.buyer_email if booking else None),
        due_date=spec.due_date,
    )
    session.add(invoice)
    await session.flush()
    session.add_all(
        InvoiceLine(
            invoice_id=invoice.id,
            position=n,
            description=line.description,
            quantity=line.quantity,
            unit_amount_minor=line.unit_amount_minor,
            total_minor=line.quantity * line.unit_amount_minor,
            booking_item_id=line.booking_item_id,
        )
        for n, line in enumerate(lines, start=1)
    )
    await session.flush()
    return invoice


async def _ensure_number_free(session: AsyncSession, invoice_id: str, number: str) -> None:
    taken = await session.scalar(
        select(Invoice.id).where(Invoice.number == number, Invoice.id != invoice_id)
    )
    if taken is not None:
        raise Conflict("number_taken", f"invoice number {number!r} is taken", number=number)


async def issue_invoice(
    session: AsyncSession, *, invoice_id: str, spec: IssueSpec, now: datetime | None = None
) -> Invoice:
    """Number and issue a draft, in the caller's transaction (a rollback returns the number).

    A series with an external provider leaves the invoice `pending_external_allocation`
    with a `PENDING-` placeholder; `invoice.issued` then says `externalAllocationRequired`.
    """
    now = now or datetime.now(UTC)
    issue_date = spec.issue_date or now.date()
    # FX first: a provider call must not run while the invoice row is locked.
    quote = await invoice_fx.prefetch_quote(session, invoice_id, spec.fx, on=issue_date)
    invoice = await lock_invoice(session, invoice_id)
    if invoice.status != "draft":
        transitions.transition(invoice.status, "issued")  # raises the 409 with the details
    try:
        due_date = spec.due_date or invoice.due_date or issue_date + DEFAULT_TERMS
    except OverflowError as exc:
        raise BadRequest("invalid_issue_date", "the issue date is out of range") from exc
    if due_date < issue_date:
        raise BadRequest("invalid_due_date", "the due date is before the issue date")
    if spec.tax_regime_id is not None:
        await invoice_tax.finalise_tax(
            session, invoice, regime_id=spec.tax_regime_id, mode=spec.tax_mode
        )
    allocation = await allocate_number(
        session,
        scope=invoice.kind,
        document_id=invoice.id,
        on=issue_date,
        supplied_number=spec.invoice_number,
        series_id=spec.series_id,
    )
    await _ensure_number_free(session, invoice.id, allocation.number)
    target = "pending_external_allocation" if allocation.external else "issued"
    invoice.status = transitions.transition(invoice.status, target)
    invoice.number = allocation.number
    invoice.series_id = allocation.series_id
    invoice.sequence = allocation.sequence
    invoice.external_provider = allocation.external_provider
    invoice.issue_date = issue_date
    invoice.due_date = due_date
    invoice.issued_at = now
    fx_extra = await invoice_fx.enrich_issue(session, invoice, spec.fx, on=issue_date, quote=quote)
    await session.flush()
    emit(
        session,
        invoice,
        "invoice.issued",
        series_id=invoice.series_id,
        issue_date=issue_date.isoformat(),
        due_date=due_date.isoformat(),
        externalAllocationRequired=allocation.external,
        external_provider=allocation.external_provider,
        tax_mode=invoice.tax_mode,
        tax_minor=invoice.tax_minor,
        **fx_extra,
    )
    return invoice


async def apply_external_allocation(
    session: AsyncSession, *, invoice_id: str, number: str, external_ref: str | None = None
) -> Invoice:
    """Replace the placeholder with the provider's number; the invoice becomes issued."""
    invoice = await lock_invoice(session, invoice_id)
    if invoice.status != "pending_external_allocation":
        raise Conflict(
            "invoice_not_pending_allocation",
            f"invoice {invoice.id} is {invoice.status}, not awaiting an external number",
            status=invoice.status,
        )
    await _ensure_number_free(session, invoice.id, number)
    placeholder = invoice.number
    invoice.status = transitions.transition(invoice.status, "issued")
    invoice.number = number
    invoice.external_ref = external_ref
    await session.flush()
    emit(session, invoice, "invoice.number_allocated", placeholder=placeholder)
    return invoice


async def void_invoice(
    session: AsyncSession, *, invoice_id: str, reason: str, now: datetime | None = None
) -> Invoice:
    """Void an invoice nothing was paid or credited on (409 otherwise)."""
    invoice = await lock_invoice(session, invoice_id)
    transitions.check_voidable(
        invoice.status, paid_minor=invoice.paid_minor, credited_minor=invoice.credited_minor
    )
    invoice.status = "void"
    invoice.voided_at = now or datetime.now(UTC)
    invoice.void_reason = reason
    await session.flush()
    emit(session, invoice, "invoice.voided", reason=reason)
    return invoice


def settle(session: AsyncSession, invoice: Invoice, *, now: datetime) -> None:
    """Re-derive a locked, issued invoice's status after money moved; emit invoice.paid."""
    previous = invoice.status
    target = transitions.settled_status(
        total_minor=invoice.total_minor,
        credited_minor=invoice.credited_minor,
        paid_minor=invoice.paid_minor,
        overdue=previous == "overdue",
    )
    invoice.status = transitions.next_status(previous, target)
    if target == "paid" and previous != "paid":
        invoice.paid_at = now
        emit(session, invoice, "invoice.paid", previous_status=previous)
    elif target != "paid":
        invoice.paid_at = None


async def mark_overdue(session: AsyncSession, *, as_of: date, limit: int = 200) -> list[str]:
    """Mark up to `limit` issued or partially paid invoices due before `as_of` overdue."""
    rows = await session.scalars(
        select(Invoice)
        .where(
            Invoice.status.in_(transitions.OVERDUE_CANDIDATES),
            Invoice.due_date < as_of,
        )
        .order_by(Invoice.due_date, Invoice.id)
        .limit(limit)
        .with_for_update(skip_locked=True)
        .execution_options(populate_existing=True)
    )
    marked = []
    for invoice in rows.all():
        previous = invoice.status
        invoice.status = transitions.transition(previous, "overdue")
        emit(session, invoice, "invoice.overdue", previous_status=previous, as_of=as_of.isoformat())
        marked.append(invoice.id)
    await session.flush()
    return marked
