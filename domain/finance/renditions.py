"""Invoice renditions: render an issued invoice, bind the artifact as its ready rendition.

`bind_rendition` writes the rendition `ready` in the caller's transaction, under the
invoice row lock, and records `invoice.rendered` in the outbox, so the event is
delivered only after commit. The event carries metadata only (id, format, size,
sha256, version): never the body, never a URL. A second bind of the same format is a
409 `rendition_exists` unless `replace_existing`, which replaces it (version + 1).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import undefer

from domain.errors import BadRequest, Conflict, NotFound
from domain.finance import rendering
from domain.finance.invoice_models import Invoice
from domain.finance.invoice_tax import line_taxes
from domain.finance.invoices import emit, invoice_lines, lock_invoice
from domain.finance.rendering import DocumentLine, InvoiceDocument
from domain.finance.rendition_models import RENDITION_FORMATS, InvoiceRendition

CONTENT_TYPES = {"pdf": "application/pdf", "html": "text/html; charset=utf-8"}
MAX_BYTES = 5 * 1024 * 1024


@dataclass(frozen=True)
class Artifact:
    """A rendered document to bind."""

    format: str
    body: bytes
    template: str = rendering.TEMPLATE


async def document_for(session: AsyncSession, invoice: Invoice) -> InvoiceDocument:
    """The printable view of an invoice: lines, stored tax lines, FX provenance."""
    taxes = {t.invoice_line_id: t for t in await line_taxes(session, invoice.id)}
    lines = []
    for line in await invoice_lines(session, invoice.id):
        tax = taxes.get(line.id)
        lines.append(
            DocumentLine(
                description=line.description,
                quantity=line.quantity,
                unit_amount_minor=line.unit_amount_minor,
                total_minor=tax.gross_minor if tax else line.total_minor,
                tax_rate_bps=tax.rate_bps if tax else None,
                tax_minor=tax.tax_minor if tax else None,
                reverse_charge=tax is not None and tax.regime_kind == "reverse_charge",
                self_assessed_minor=tax.self_assessed_minor if tax else 0,
            )
        )
    fx_lines = []
    if invoice.fx_base_currency and invoice.fx_base_total_minor is not None:
        fx_lines.append(
            f"1 {invoice.currency} = {invoice.fx_effective_rate} {invoice.fx_base_currency}"
            f" ({invoice.fx_source} rate {invoice.fx_rate} of {invoice.fx_rate_date},"
            f" commission {invoice.fx_commission_bps} bps): "
            + rendering.money(invoice.fx_base_total_minor, invoice.fx_base_currency)
        )
        if invoice.fx_mention:
            fx_lines.append(invoice.fx_mention)
    return InvoiceDocument(
        number=invoice.number or "DRAFT",
        kind=invoice.kind,
        currency=invoice.currency,
        issue_date=invoice.issue_date,
        due_date=invoice.due_date,
        bill_to_name=invoice.bill_to_name,
        total_minor=invoice.total_minor,
        tax_minor=invoice.tax_minor,
        lines=lines,
        fx_lines=fx_lines,
    )


def render(doc: InvoiceDocument, fmt: str) -> Artifact:
    """Render one format."""
    if fmt == "pdf":
        return Artifact("pdf", rendering.render_pdf(doc))
    if fmt == "html":
        return Artifact("html", rendering.render_html(doc).encode())
    raise BadRequest("invalid_rendition_format", f"format must be one of {RENDITION_FORMATS}")


async def bind_rendition(
    session: AsyncSession,
    *,
    invoice_id: str,
    artifact: Artifact,
    replace_existing: bool = False,
    now: datetime | None = None,
) -> InvoiceRendition:
    """Bind `artifact` as the invoice's ready rendition of its format (see module doc)."""
    if artifact.format not in RENDITION_FORMATS:
        raise BadRequest("invalid_rendition_format", f"format must be one of {RENDITION_FORMATS}")
    if not artifact.body or len(artifact.body) > MAX_BYTES:
        raise BadRequest("invalid_rendition_body", "a rendition body must be 1 byte to 5 MiB")
    invoice = await lock_invoice(session, invoice_id)
    if invoice.status == "draft":
        raise Conflict("invoice_not_issued", "a draft has no number to render yet")
    now = now or datetime.now(UTC)
    rendition = await session.scalar(
        select(InvoiceRendition).where(
            InvoiceRendition.invoice_id == invoice.id, InvoiceRendition.format == artifact.format
        )
    )
    replaced = rendition is not None
    if rendition is not None and not replace_existing:
        raise Conflict(
            "rendition_exists",
            f"invoice {invoice.id} already has a {artifact.format} rendition;"
            " bind with replace_existing to replace it",
            rendition_id=rendition.id,
        )
    if rendition is None:
        rendition = InvoiceRendition(invoice_id=invoice.id, format=artifact.format, version=1)
        session.add(rendition)
    else:
        rendition.version += 1
    rendition.status = "ready"
    rendition.content_type = CONTENT_TYPES[artifact.format]
    rendition.body = artifact.body
    rendition.byte_size = len(artifact.body)
    rendition.sha256 = hashlib.sha256(artifact.body).hexdigest()
    rendition.template = artifact.template
    rendition.rendered_at = now
    await session.flush()
    emit(
        session,
        invoice,
        "invoice.rendered",
        rendition_id=rendition.id,
        format=rendition.format,
        content_type=rendition.content_type,
        byte_size=rendition.byte_size,
        sha256=rendition.sha256,
        template=rendition.template,
        version=rendition.version,
        replaced=replaced,
    )
    return rendition


async def render_and_bind(
    session: AsyncSession, *, invoice_id: str, fmt: str, replace_existing: bool = False
) -> InvoiceRendition:
    """Render the invoice as it is now and bind the result."""
    invoice = await lock_invoice(session, invoice_id)
    artifact = render(await document_for(session, invoice), fmt)
    return await bind_rendition(
        session, invoice_id=invoice_id, artifact=artifact, replace_existing=replace_existing
    )


async def list_renditions(session: AsyncSession, invoice_id: str) -> list[InvoiceRendition]:
    """The invoice's renditions (metadata; bodies stay deferred)."""
    if await session.get(Invoice, invoice_id) is None:
        raise NotFound("invoice_not_found", f"no invoice {invoice_id}")
    rows = await session.scalars(
        select(InvoiceRendition)
        .where(InvoiceRendition.invoice_id == invoice_id)
        .order_by(InvoiceRendition.format)
    )
    return list(rows.all())


async def rendition_body(session: AsyncSession, invoice_id: str, fmt: str) -> InvoiceRendition:
    """One rendition with its body loaded; 404 `rendition_not_found`."""
    row = await session.scalar(
        select(InvoiceRendition)
        .options(undefer(InvoiceRendition.body))
        .where(InvoiceRendition.invoice_id == invoice_id, InvoiceRendition.format == fmt)
    )
    if row is None:
        raise NotFound("rendition_not_found", f"invoice {invoice_id} has no {fmt} rendition")
    return row
