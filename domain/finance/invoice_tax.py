"""Booking-tax preview and invoice tax finalisation, both through `compute_tax_line`.

Finalisation taxes a draft's lines. So that the preview never disagrees with it, the
preview of a booking that has a draft invoice taxes that draft's lines (the newest
draft's, when there are several); without a draft it taxes the booking's active items,
which are exactly the lines a booking-derived draft would get.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from domain.bookings.models import Booking, BookingItem
from domain.errors import BadRequest, Conflict, NotFound
from domain.finance.invoice_models import Invoice, InvoiceLine
from domain.finance.tax import TaxLine, compute_tax_line
from domain.finance.tax_models import InvoiceLineTax, TaxRegime


@dataclass(frozen=True, slots=True)
class ItemTax:
    """One booking item's (or draft line's) tax line, as the create dialog shows it."""

    booking_item_id: str | None
    description: str
    currency: str
    line: TaxLine
    invoice_id: str | None = None
    invoice_line_id: str | None = None


async def active_regime(session: AsyncSession, regime_id: str) -> TaxRegime:
    """The regime; 404 `tax_regime_not_found`, 409 `tax_regime_inactive`."""
    regime = await session.get(TaxRegime, regime_id)
    if regime is None:
        raise NotFound("tax_regime_not_found", f"no tax regime {regime_id}")
    if not regime.active:
        raise Conflict("tax_regime_inactive", f"tax regime {regime.code} is inactive")
    return regime


def item_amount(item: BookingItem) -> int:
    """What an item bills: quantity x sell amount (the invoice line's total)."""
    return item.quantity * item.sell_amount_minor


async def preview_booking_tax(
    session: AsyncSession, *, booking_id: str, regime_id: str, mode: str
) -> list[ItemTax]:
    """The tax lines finalising this booking's draft (or, without a draft, an invoice of
    its active items) would store."""
    booking = await session.get(Booking, booking_id)
    if booking is None:
        raise NotFound("booking_not_found", f"no booking {booking_id}")
    regime = await active_regime(session, regime_id)
    draft = await session.scalar(
        select(Invoice)
        .where(Invoice.booking_id == booking.id, Invoice.status == "draft")
        .order_by(Invoice.created_at.desc(), Invoice.id.desc())
        .limit(1)
    )
    if draft is not None:
        lines = await session.scalars(
            select(InvoiceLine)
            .where(InvoiceLine.invoice_id == draft.id)
            .order_by(InvoiceLine.position)
        )
        return [
            ItemTax(
                booking_item_id=line.booking_item_id,
                description=line.description,
                currency=draft.currency,
                line=compute_tax_line(
                    amount_minor=line.total_minor,
                    rate_bps=regime.rate_bps,
                    kind=regime.kind,
                    mode=mode,
                ),
                invoice_id=draft.id,
                invoice_line_id=line.id,
            )
            for line in lines.all()
        ]
    items = await session.scalars(
        select(BookingItem)
        .where(BookingItem.booking_id == booking.id, BookingItem.status == "active")
        .order_by(BookingItem.created_at, BookingItem.id)
    )
    return [
        ItemTax(
            booking_item_id=item.id,
            description=item.description,
            currency=item.sell_currency,
            line=compute_tax_line(
                amount_minor=item_amount(item),
                rate_bps=regime.rate_bps,
                kind=regime.kind,
                mode=mode,
            ),
        )
        for item in items.all()
    ]


async def finalise_tax(
    session: AsyncSession, invoice: Invoice, *, regime_id: str, mode: str
) -> list[InvoiceLineTax]:
    """Store each line's tax on a locked draft; exclusive tax is added to the total."""
    if invoice.status != "draft":
        raise Conflict("invoice_not_draft", "tax is applied only when a draft is finalised")
    if invoice.tax_mode is not None:
        raise Conflict("invoice_tax_applied", "this invoice already carries tax")
    regime = await active_regime(session, regime_id)
    lines = await session.scalars(
        select(InvoiceLine)
        .where(InvoiceLine.invoice_id == invoice.id)
        .order_by(InvoiceLine.position)
    )
    rows = []
    for line in lines.all():
        tax = compute_tax_line(
            amount_minor=line.total_minor, rate_bps=regime.rate_bps, kind=regime.kind, mode=mode
        )
        rows.append(
            InvoiceLineTax(
                invoice_id=invoice.id,
                invoice_line_id=line.id,
                regime_id=regime.id,
                regime_kind=regime.kind,
                mode=mode,
                rate_bps=tax.rate_bps,
                amount_minor=tax.amount_minor,
                net_minor=tax.net_minor,
                tax_minor=tax.tax_minor,
                gross_minor=tax.gross_minor,
                self_assessed_minor=tax.self_assessed_minor,
            )
        )
    gross = sum(r.gross_minor for r in rows)
    if gross <= 0:
        raise BadRequest("invalid_total", "an invoice's total must be positive", total_minor=gross)
    session.add_all(rows)
    invoice.tax_mode = mode
    invoice.tax_minor = sum(r.tax_minor for r in rows)
    invoice.total_minor = gross
    await session.flush()
    return rows


async def line_taxes(session: AsyncSession, invoice_id: str) -> list[InvoiceLineTax]:
    """The invoice's stored tax lines."""
    rows = await session.scalars(
        select(InvoiceLineTax)
        .join(InvoiceLine, InvoiceLine.id == InvoiceLineTax.invoice_line_id)
        .where(InvoiceLineTax.invoice_id == invoice_id)
        .order_by(InvoiceLine.position)
    )
    return list(rows.all())
