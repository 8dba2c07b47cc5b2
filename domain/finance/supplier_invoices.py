"""Supplier invoices (AP): record with allocated lines, tax and base-currency amounts; void.

Each line is taxed with `compute_tax_line` under the invoice's regime (none: no tax).
Under reverse charge the supplier bills no tax and the operator self-assesses it:
`tax_minor` is 0 and `self_assessed_tax_minor` carries it. The cost of a line is its
net amount; its base-currency amount is `convert(net, rate)` at the rate in force on
the invoice's issue date, and the invoice's base amount is the sum of its lines'.
Recording is idempotent per (supplier, supplier reference) among non-void invoices: a
repeat whose normalised content (lines and their allocations, tax regime and mode,
currency, dates) hashes to the stored `spec_hash` returns the stored invoice; different
content is a 409. A voided document can be recorded again. The supplier must exist
(distribution's suppliers; 404 `supplier_not_found`). The FX rate is resolved before
any lock is taken (an HTTP provider is never called under a lock). Recording and
voiding emit `supplier_invoice.recorded` / `supplier_invoice.voided` in the same
transaction.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from datetime import UTC, date, datetime

from sqlalchemy import select, text
from sqlalchemy.ext.asyncio import AsyncSession

from domain.availability.models import AvailabilitySlot
from domain.bookings.models import Booking
from domain.catalog.models import Product
from domain.distribution.supplier_models import Supplier
from domain.errors import BadRequest, Conflict, NotFound
from domain.finance import fx
from domain.finance.fx_rates import resolve_quote
from domain.finance.invoice_tax import active_regime
from domain.finance.supplier_invoice_models import SupplierInvoice, SupplierInvoiceLine
from domain.finance.tax import compute_tax_line
from domain.money import check_currency
from domain.outbox.record import record_event


@dataclass
class SupplierLineSpec:
    """One cost; exactly one of slot_id, product_id, booking_id."""

    description: str
    amount_minor: int
    slot_id: str | None = None
    product_id: str | None = None
    booking_id: str | None = None


@dataclass
class SupplierInvoiceSpec:
    supplier_id: str
    supplier_reference: str
    currency: str
    issue_date: date
    lines: list[SupplierLineSpec] = field(default_factory=list)
    due_date: date | None = None
    tax_regime_id: str | None = None
    tax_mode: str = "exclusive"
    notes: str | None = None


@dataclass(frozen=True)
class Recorded:
    invoice: SupplierInvoice
    created: bool


async def _check_allocation(session: AsyncSession, line: SupplierLineSpec, n: int) -> None:
    targets = [
        (line.slot_id, AvailabilitySlot, "slot"),
        (line.product_id, Product, "product"),
        (line.booking_id, Booking, "booking"),
    ]
    given = [(ref, model, name) for ref, model, name in targets if ref is not None]
    if len(given) != 1:
        raise BadRequest(
            "invalid_allocation",
            f"line {n} must be allocated to exactly one of slot, product or booking",
            line=n,
        )
    ref, model, name = given[0]
    if await session.get(model, ref) is None:
        raise NotFound(f"{name}_not_found", f"line {n}: no {name} {ref}", line=n)


def spec_hash(spec: SupplierInvoiceSpec, currency: str, regime_id: str | None) -> str:
    """sha256 of the normalised recording: what makes two recordings the same document."""
    normal = {
        "currency": currency,
        "issue_date": spec.issue_date.isoformat(),
        "due_date": spec.due_date.isoformat() if spec.due_date else None,
        "tax_regime_id": regime_id,
        "tax_mode": spec.tax_mode,
        "lines": [
            [x.description, x.amount_minor, x.slot_id, x.product_id, x.booking_id]
            for x in spec.lines
        ],
    }
    encoded = json.dumps(normal, separators=(",", ":"), sort_keys=True).encode()
    return hashlib.sha256(encoded).hexdigest()


async def _live(session: AsyncSession, spec: SupplierInvoiceSpec) -> SupplierInvoice | None:
    return await session.scalar(
        select(SupplierInvoice).where(
            SupplierInvoice.supplier_id == spec.supplier_id,
            SupplierInvoice.supplier_reference == spec.supplier_reference,
            SupplierInvoice.status != "void",
        )
    )


def _replay(existing: SupplierInvoice, digest: str) -> Recorded:
    if existing.spec_hash == digest:
        return Recorded(existing, created=False)
    raise Conflict(
        "supplier_invoice_exists",
        f"supplier {existing.supplier_id} invoice {existing.supplier_reference!r} is already"
        " recorded with different content",
        supplier_invoice_id=existing.id,
    )


def _payload(invoice: SupplierInvoice) -> dict[str, object]:
    return {
        "supplier_invoice_id": invoice.id,
        "supplier_id": invoice.supplier_id,
        "supplier_reference": invoice.supplier_reference,
        "status": invoice.status,
        "currency": invoice.currency,
        "issue_date": invoice.issue_date.isoformat(),
        "net_minor": invoice.net_minor,
        "tax_minor": invoice.tax_minor,
        "self_assessed_tax_minor": invoice.self_assessed_tax_minor,
        "total_minor": invoice.total_minor,
        "base_currency": invoice.base_currency,
        "base_net_minor": invoice.base_net_minor,
    }


async def record_supplier_invoice(
    session: AsyncSession,
    spec: SupplierInvoiceSpec,
    *,
    base_currency: str,
    resolver: fx.ExchangeRateResolver,
) -> Recorded:
    """Write the invoice and its lines in the caller's transaction (see module doc)."""
    currency = check_currency(spec.currency)
    check_currency(base_currency)
    if not spec.lines:
        raise BadRequest("no_lines", "a supplier invoice needs at least one line")
    if spec.due_date is not None and spec.due_date < spec.issue_date:
        raise BadRequest("invalid_due_date", "the due date is before the issue date")
    if await session.get(Supplier, spec.supplier_id) is None:
        raise NotFound("supplier_not_found", f"no supplier {spec.supplier_id}")
    regime = await active_regime(session, spec.tax_regime_id) if spec.tax_regime_id else None
    digest = spec_hash(spec, currency, regime.id if regime else None)
    taxed = [
        compute_tax_line(
            amount_minor=line.amount_minor,
            rate_bps=regime.rate_bps if regime else 0,
            kind=regime.kind if regime else "exempt",
            mode=spec.tax_mode,
        )
        for line in spec.lines
    ]
    net = sum(t.net_minor for t in taxed)
    tax = sum(t.tax_minor for t in taxed)
    if net + tax <= 0:
        raise BadRequest("invalid_total", "a supplier invoice's total must be positive")
    # A replay answers without FX; otherwise resolve the rate before taking any lock.
    existing = await _live(session, spec)
    if existing is not None:
        return _replay(existing, digest)
    quote = await resolve_quote(
        session, resolver, from_currency=currency, to_currency=base_currency, on=spec.issue_date
    )
    # Serialise concurrent recordings of the same supplier document (idempotent replay).
    await session.execute(
        text("SELECT pg_advisory_xact_lock(hashtextextended(:k, 0))"),
        {"k": f"supplier_invoice:{spec.supplier_id}:{spec.supplier_reference}"},
    )
    existing = await _live(session, spec)
    if existing is not None:
        return _replay(existing, digest)
    for n, line in enumerate(spec.lines, start=1):
        await _check_allocation(session, line, n)
    base_nets = [fx.convert(t.net_minor, currency, base_currency, quote.rate) for t in taxed]
    invoice = SupplierInvoice(
        supplier_id=spec.supplier_id,
        supplier_reference=spec.supplier_reference,
        status="received",
        currency=currency,
        issue_date=spec.issue_date,
        due_date=spec.due_date,
        tax_regime_id=regime.id if regime else None,
        tax_mode=spec.tax_mode,
        net_minor=net,
        tax_minor=tax,
        self_assessed_tax_minor=sum(t.self_assessed_minor for t in taxed),
        total_minor=net + tax,
        base_currency=base_currency,
        fx_rate=quote.rate,
        fx_rate_date=quote.rate_date,
        fx_source=quote.source,
        base_net_minor=sum(base_nets),
        notes=spec.notes,
        spec_hash=digest,
    )
    session.add(invoice)
    await session.flush()
    session.add_all(
        SupplierInvoiceLine(
            supplier_invoice_id=invoice.id,
            position=n,
            description=line.description,
            amount_minor=line.amount_minor,
            net_minor=t.net_minor,
            tax_minor=t.tax_minor,
            self_assessed_tax_minor=t.self_assessed_minor,
            base_net_minor=base_net,
            slot_id=line.slot_id,
            product_id=line.product_id,
            booking_id=line.booking_id,
        )
        for n, (line, t, base_net) in enumerate(
            zip(spec.lines, taxed, base_nets, strict=True), start=1
        )
    )
    await session.flush()
    record_event(
        session,
        aggregate_type="supplier_invoice",
        aggregate_id=invoice.id,
        event_type="supplier_invoice.recorded",
        payload=_payload(invoice),
    )
    return Recorded(invoice, created=True)


async def void_supplier_invoice(
    session: AsyncSession,
    supplier_invoice_id: str,
    *,
    by: str | None = None,
    reason: str | None = None,
    now: datetime | None = None,
) -> SupplierInvoice:
    """Void it under its row lock: its lines stop counting as actual cost, and its
    reference is free to be recorded again. Voiding a void invoice is a no-op (no event).
    """
    invoice = await session.scalar(
        select(SupplierInvoice)
        .where(SupplierInvoice.id == supplier_invoice_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    if invoice is None:
        raise NotFound("supplier_invoice_not_found", f"no supplier invoice {supplier_invoice_id}")
    if invoice.status == "void":
        return invoice
    invoice.status = "void"
    invoice.voided_at = now or datetime.now(UTC)
    invoice.voided_by = by
    invoice.void_reason = reason
    await session.flush()
    record_event(
        session,
        aggregate_type="supplier_invoice",
        aggregate_id=invoice.id,
        event_type="supplier_invoice.voided",
        payload={**_payload(invoice), "voided_by": by, "reason": reason},
    )
    return invoice


async def supplier_lines(
    session: AsyncSession, supplier_invoice_id: str
) -> list[SupplierInvoiceLine]:
    """The invoice's lines in order."""
    rows = await session.scalars(
        select(SupplierInvoiceLine)
        .where(SupplierInvoiceLine.supplier_invoice_id == supplier_invoice_id)
        .order_by(SupplierInvoiceLine.position)
    )
    return list(rows.all())
