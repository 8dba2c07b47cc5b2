"""Invoice renditions: rendered with fpdf2 / HTML, bound ready, replaced only explicitly."""

from __future__ import annotations

import hashlib

import pytest
from sqlalchemy import func, select

from domain.db import unit_of_work
from domain.errors import Conflict
from domain.finance import renditions
from domain.finance.rendition_models import InvoiceRendition
from tests.support.finance import draft, events, issue, issued
from tests.support.profitability import regime


async def _render(factory, invoice_id: str, fmt: str, **kw) -> InvoiceRendition:
    async with unit_of_work(factory) as session:
        return await renditions.render_and_bind(session, invoice_id=invoice_id, fmt=fmt, **kw)


async def test_pdf_and_html_renditions_are_bound_ready_and_announced_without_bodies(
    session_factory,
):
    vat = await regime(session_factory)
    invoice = await draft(session_factory, bill_to_name="Ana <Pop>")
    await issue(session_factory, invoice.id, invoice_number="INV-R-1", tax_regime_id=vat.id)
    pdf = await _render(session_factory, invoice.id, "pdf")
    html = await _render(session_factory, invoice.id, "html")
    assert (pdf.status, pdf.content_type, html.content_type) == (
        "ready",
        "application/pdf",
        "text/html; charset=utf-8",
    )
    async with session_factory() as session:
        body = (await renditions.rendition_body(session, invoice.id, "pdf")).body
        page = (await renditions.rendition_body(session, invoice.id, "html")).body.decode()
    assert body.startswith(b"%PDF-") and b"INV-R-1" in body
    assert pdf.sha256 == hashlib.sha256(body).hexdigest() and pdf.byte_size == len(body)
    assert "Invoice INV-R-1" in page and "Ana &lt;Pop&gt;" in page
    assert "19% 15.97 EUR" in page and "Total: 100.00 EUR" in page  # 100.00 incl. 19% VAT
    rendered = [
        e for e in await events(session_factory, invoice.id) if e.event_type == "invoice.rendered"
    ]
    assert [e.payload["format"] for e in rendered] == ["pdf", "html"]
    for event in rendered:
        text = str(event.payload)
        assert "body" not in event.payload and "url" not in text.lower()
        assert event.payload["sha256"] in (pdf.sha256, html.sha256)


async def test_binding_again_needs_replace_existing_and_then_replaces(session_factory):
    invoice = await issued(session_factory, invoice_number="INV-R-2")
    first = await _render(session_factory, invoice.id, "html")
    with pytest.raises(Conflict) as err:
        await _render(session_factory, invoice.id, "html")
    assert err.value.code == "rendition_exists"
    async with unit_of_work(session_factory) as session:
        second = await renditions.bind_rendition(
            session,
            invoice_id=invoice.id,
            artifact=renditions.Artifact("html", b"<p>corrected</p>"),
            replace_existing=True,
        )
    assert (second.id, second.version, second.byte_size) == (first.id, 2, 16)
    async with session_factory() as session:
        count = await session.scalar(
            select(func.count()).where(InvoiceRendition.invoice_id == invoice.id)
        )
    assert count == 1
    last = (await events(session_factory, invoice.id))[-1].payload
    assert (last["version"], last["replaced"]) == (2, True)


async def test_a_draft_cannot_be_rendered(session_factory):
    invoice = await draft(session_factory)
    with pytest.raises(Conflict) as err:
        await _render(session_factory, invoice.id, "pdf")
    assert err.value.code == "invoice_not_issued"


async def test_a_reverse_charge_invoice_prints_the_mention_and_the_self_assessed_tax(
    session_factory,
):
    rc = await regime(session_factory, kind="reverse_charge", rate_bps=1900)
    invoice = await draft(session_factory)
    await issue(
        session_factory,
        invoice.id,
        invoice_number="INV-RC-1",
        tax_regime_id=rc.id,
        tax_mode="exclusive",
    )
    await _render(session_factory, invoice.id, "pdf")
    await _render(session_factory, invoice.id, "html")
    async with session_factory() as session:
        pdf = (await renditions.rendition_body(session, invoice.id, "pdf")).body
        page = (await renditions.rendition_body(session, invoice.id, "html")).body.decode()
    for text in (page, pdf.decode("latin-1")):
        assert "Reverse charge: VAT to be accounted for by the recipient." in text
        assert "Tax to self-assess: 19.00 EUR" in text
        assert "19% 0.00 EUR" not in text
    assert "Reverse charge 19% (19.00 EUR self-assessed)" in page
