"""Invoices against real PostgreSQL: drafting, issuing, voiding and the overdue sweep."""

from datetime import date, timedelta

import pytest

from domain.bookings import service as bookings
from domain.db import unit_of_work
from domain.errors import BadRequest, Conflict, NotFound
from domain.finance import invoices
from domain.finance.invoice_models import Invoice
from tests.support import finance as f
from tests.support.bookings import ctx


async def test_an_invoice_built_from_a_booking_bills_its_active_items(session_factory):
    booking = await f.confirmed_booking(session_factory, pax=3, buyer={"name": "Ada Guest"})
    async with unit_of_work(session_factory) as session:
        invoice = await invoices.create_invoice(
            session, invoices.InvoiceSpec(booking_id=booking.id)
        )
        lines = await invoices.invoice_lines(session, invoice.id)
    assert (invoice.status, invoice.currency, invoice.total_minor) == ("draft", "EUR", 15_000)
    assert invoice.bill_to_name == "Ada Guest" and invoice.number is None
    assert [(x.quantity, x.unit_amount_minor, x.total_minor) for x in lines] == [(3, 5000, 15_000)]
    assert lines[0].booking_item_id is not None


async def test_explicit_lines_may_include_a_discount(session_factory):
    invoice = await f.draft(session_factory, lines=f.lines(10_000, 2_500, -1_500))
    assert invoice.total_minor == 11_000


@pytest.mark.parametrize(
    ("overrides", "code"),
    [
        ({"lines": []}, "no_lines"),
        ({"lines": None}, "lines_required"),
        ({"lines": f.lines(100, -200)}, "invalid_total"),
        ({"currency": "eur"}, "invalid_currency"),
        ({"kind": "receipt"}, "invalid_kind"),
    ],
)
async def test_unusable_drafts_are_refused(session_factory, overrides, code):
    with pytest.raises(BadRequest) as caught:
        await f.draft(session_factory, **overrides)
    assert caught.value.code == code


async def test_a_cancelled_booking_is_not_invoiced_and_an_unknown_one_is_a_404(session_factory):
    booking = await f.confirmed_booking(session_factory)
    async with unit_of_work(session_factory) as session:
        await bookings.change_status(session, booking_id=booking.id, target="cancelled", ctx=ctx())
    with pytest.raises(Conflict) as caught:
        await f.draft(session_factory, booking_id=booking.id, lines=None, currency=None)
    assert caught.value.code == "booking_not_invoiceable"
    with pytest.raises(NotFound):
        await f.draft(session_factory, booking_id="book_01jz0000000000000000000000")


async def test_an_invoice_in_another_currency_than_its_booking_is_refused(session_factory):
    booking = await f.confirmed_booking(session_factory)
    with pytest.raises(Conflict) as caught:
        await f.draft(session_factory, booking_id=booking.id, currency="USD")
    assert caught.value.code == "currency_mismatch"


async def test_issuing_sets_the_dates_and_records_invoice_issued(session_factory):
    invoice = await f.issued(session_factory, invoice_number="A-1")
    assert (invoice.status, invoice.issue_date) == ("issued", f.JUNE_1)
    assert invoice.due_date == f.JUNE_1 + invoices.DEFAULT_TERMS
    [event] = await f.events(session_factory, invoice.id)
    assert event.event_type == "invoice.issued"
    assert event.payload["number"] == "A-1" and event.payload["total_minor"] == 10_000


async def test_an_invoice_is_issued_once(session_factory):
    invoice = await f.issued(session_factory)
    with pytest.raises(Conflict) as caught:
        await f.issue(session_factory, invoice.id, invoice_number="AGAIN")
    assert caught.value.code == "invalid_transition"


async def test_a_due_date_before_the_issue_date_is_refused(session_factory):
    invoice = await f.draft(session_factory)
    with pytest.raises(BadRequest) as caught:
        await f.issue(
            session_factory,
            invoice.id,
            invoice_number="X",
            issue_date=f.JUNE_1,
            due_date=f.JUNE_1 - timedelta(days=1),
        )
    assert caught.value.code == "invalid_due_date"


async def test_an_unpaid_invoice_is_voided_with_its_reason(session_factory):
    invoice = await f.issued(session_factory)
    async with unit_of_work(session_factory) as session:
        voided = await invoices.void_invoice(session, invoice_id=invoice.id, reason="typo")
    assert (voided.status, voided.void_reason) == ("void", "typo")
    assert [e.event_type for e in await f.events(session_factory, invoice.id)] == [
        "invoice.issued",
        "invoice.voided",
    ]


@pytest.mark.parametrize("paid", [4_000, 10_000])
async def test_an_invoice_with_payments_is_never_voided(session_factory, paid):
    invoice = await f.issued(session_factory)
    await f.pay(session_factory, invoice, paid)
    with pytest.raises(Conflict) as caught:
        async with unit_of_work(session_factory) as session:
            await invoices.void_invoice(session, invoice_id=invoice.id, reason="no")
    assert caught.value.code == "invoice_has_payments"
    assert (await f.reload(session_factory, Invoice, invoice.id)).status != "void"


async def test_the_sweep_marks_issued_and_partly_paid_invoices_past_due_overdue(session_factory):
    due = date(2026, 6, 10)
    late = await f.issued(session_factory, due_date=due)
    partly = await f.issued(session_factory, due_date=due)
    await f.pay(session_factory, partly, 1_000)
    paid = await f.issued(session_factory, due_date=due)
    await f.pay(session_factory, paid, 10_000)
    due_today = await f.issued(session_factory, due_date=date(2026, 6, 11))
    not_issued = await f.draft(session_factory, due_date=due)
    async with unit_of_work(session_factory) as session:
        marked = await invoices.mark_overdue(session, as_of=date(2026, 6, 11))
    assert set(marked) == {late.id, partly.id}
    status = {
        i.id: (await f.reload(session_factory, Invoice, i.id)).status
        for i in (late, partly, paid, due_today, not_issued)
    }
    assert status == {
        late.id: "overdue",
        partly.id: "overdue",
        paid.id: "paid",
        due_today.id: "issued",
        not_issued.id: "draft",
    }
    assert (await f.events(session_factory, late.id))[-1].event_type == "invoice.overdue"
    async with unit_of_work(session_factory) as session:
        assert await invoices.mark_overdue(session, as_of=date(2026, 6, 11)) == []


async def test_paying_an_overdue_invoice_in_full_makes_it_paid(session_factory):
    invoice = await f.issued(session_factory, due_date=date(2026, 6, 2))
    async with unit_of_work(session_factory) as session:
        await invoices.mark_overdue(session, as_of=date(2026, 6, 3))
    await f.pay(session_factory, invoice, 4_000)
    assert (await f.reload(session_factory, Invoice, invoice.id)).status == "overdue"
    await f.pay(session_factory, invoice, 6_000)
    assert (await f.reload(session_factory, Invoice, invoice.id)).status == "paid"
