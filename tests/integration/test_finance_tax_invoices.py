"""The booking-tax preview and invoice finalisation store the same tax lines."""

from __future__ import annotations

import pytest

from domain.db import unit_of_work
from domain.errors import Conflict
from domain.finance import credit_notes, invoice_tax, invoices
from domain.finance.invoice_models import Invoice
from tests.support.bookings import item_for
from tests.support.catalog import product_with_option, slot
from tests.support.finance import confirmed_booking, draft, events, issue, lines, pay, reload
from tests.support.profitability import regime


async def test_preview_and_finalised_invoice_agree_to_the_cent(session_factory):
    _, option = await product_with_option(session_factory)
    s = await slot(session_factory, option)
    booking = await confirmed_booking(
        session_factory,
        items=[item_for(s, pax=3, price=3333), item_for(s, pax=1, price=999, kind="extra")],
    )
    vat = await regime(session_factory, rate_bps=900, kind="reduced")
    async with session_factory() as session:
        preview = await invoice_tax.preview_booking_tax(
            session, booking_id=booking.id, regime_id=vat.id, mode="inclusive"
        )
    # 3 x 33.33 = 99.99 incl. 9%: 9999 * 9 / 109 = 825.6 -> 826; 999 * 9/109 = 82.49 -> 82
    assert [(p.line.net_minor, p.line.tax_minor) for p in preview] == [(9173, 826), (917, 82)]

    invoice = await draft(session_factory, booking_id=booking.id, lines=None)
    await issue(session_factory, invoice.id, invoice_number="T-TAX-1", tax_regime_id=vat.id)
    async with session_factory() as session:
        stored = await invoice_tax.line_taxes(session, invoice.id)
    assert [(t.net_minor, t.tax_minor, t.gross_minor) for t in stored] == [
        (p.line.net_minor, p.line.tax_minor, p.line.gross_minor) for p in preview
    ]
    issued = await reload(session_factory, Invoice, invoice.id)
    assert (issued.total_minor, issued.tax_minor, issued.tax_mode) == (10_998, 908, "inclusive")
    payload = (await events(session_factory, invoice.id))[-1].payload
    assert (payload["tax_mode"], payload["tax_minor"]) == ("inclusive", 908)


async def test_exclusive_tax_is_added_to_the_invoice_total(session_factory):
    vat = await regime(session_factory, rate_bps=1900)
    invoice = await draft(session_factory)  # one line of 100.00 EUR
    await issue(
        session_factory,
        invoice.id,
        invoice_number="T-TAX-2",
        tax_regime_id=vat.id,
        tax_mode="exclusive",
    )
    issued = await reload(session_factory, Invoice, invoice.id)
    assert (issued.total_minor, issued.tax_minor) == (11_900, 1_900)


async def test_an_inactive_regime_leaves_the_draft_untouched(session_factory):
    old = await regime(session_factory, active=False)
    invoice = await draft(session_factory)
    with pytest.raises(Conflict) as err:
        async with unit_of_work(session_factory) as session:
            await invoices.issue_invoice(
                session,
                invoice_id=invoice.id,
                spec=invoices.IssueSpec(invoice_number="T-TAX-3", tax_regime_id=old.id),
            )
    assert err.value.code == "tax_regime_inactive"
    after = await reload(session_factory, Invoice, invoice.id)
    assert (after.status, after.total_minor, after.tax_mode) == ("draft", 10_000, None)


async def test_preview_of_a_booking_with_an_edited_draft_taxes_the_drafts_lines(
    session_factory,
):
    booking = await confirmed_booking(session_factory)  # 2 x 50.00
    vat = await regime(session_factory, rate_bps=1900)
    invoice = await draft(session_factory, booking_id=booking.id, lines=lines(7_000, 1_234))
    async with session_factory() as session:
        preview = await invoice_tax.preview_booking_tax(
            session, booking_id=booking.id, regime_id=vat.id, mode="exclusive"
        )
    assert {p.invoice_id for p in preview} == {invoice.id}
    await issue(
        session_factory,
        invoice.id,
        invoice_number="T-TAX-4",
        tax_regime_id=vat.id,
        tax_mode="exclusive",
    )
    async with session_factory() as session:
        stored = await invoice_tax.line_taxes(session, invoice.id)
    assert [(t.net_minor, t.tax_minor, t.gross_minor) for t in stored] == [
        (p.line.net_minor, p.line.tax_minor, p.line.gross_minor) for p in preview
    ]
    assert [t.gross_minor for t in stored] == [8_330, 1_468]  # 19% of 12.34 = 2.3446 -> 2.34


async def test_a_full_credit_of_an_exclusive_tax_invoice_credits_the_tax_too(session_factory):
    vat = await regime(session_factory, rate_bps=1900)
    invoice = await draft(session_factory, lines=lines(10_000, 5_000))
    await issue(
        session_factory,
        invoice.id,
        invoice_number="T-TAX-5",
        tax_regime_id=vat.id,
        tax_mode="exclusive",
    )
    await pay(session_factory, await reload(session_factory, Invoice, invoice.id), 1_000)
    async with unit_of_work(session_factory) as session:
        note = await credit_notes.issue_credit_note(
            session,
            credit_notes.CreditNoteSpec(
                invoice_id=invoice.id, reason="cancelled", key="full", credit_note_number="CN-5"
            ),
        )
    assert note.credit_note.total_minor == 17_850  # 119.00 + 59.50, VAT included
    after = await reload(session_factory, Invoice, invoice.id)
    assert (after.total_minor, after.credited_minor) == (17_850, 17_850)


async def test_a_line_credit_of_a_taxed_invoice_is_tax_inclusive_up_to_the_gross(
    session_factory,
):
    vat = await regime(session_factory, rate_bps=1900)
    invoice = await draft(session_factory)
    await issue(
        session_factory,
        invoice.id,
        invoice_number="T-TAX-6",
        tax_regime_id=vat.id,
        tax_mode="exclusive",
    )
    async with session_factory() as session:
        line = (await invoices.invoice_lines(session, invoice.id))[0]
    with pytest.raises(Conflict) as err:
        async with unit_of_work(session_factory) as session:
            await credit_notes.issue_credit_note(
                session,
                credit_notes.CreditNoteSpec(
                    invoice_id=invoice.id,
                    reason="too much",
                    key="over",
                    lines=[credit_notes.CreditLineSpec(line.id, 11_901)],
                ),
            )
    assert (err.value.code, err.value.details["remaining_minor"]) == ("credit_exceeds_line", 11_900)
