"""Credit notes against real PostgreSQL, and the cancelled-booking subscriber via the relay."""

import pytest
from sqlalchemy import select

from domain.bookings import service as bookings
from domain.db import unit_of_work
from domain.errors import BadRequest, Conflict
from domain.finance import credit_notes, invoices
from domain.finance.credit_note_models import CreditNote, CreditNoteLine
from domain.finance.invoice_models import Invoice
from domain.finance.subscribers import cancellation_key, finance_subscribers
from domain.outbox.models import OutboxDelivery
from domain.outbox.relay import OutboxRelay
from tests.support import finance as f
from tests.support.bookings import ctx


async def credit(session_factory, invoice, **overrides):
    fields = {"invoice_id": invoice.id, "reason": "adjustment", "key": f.key("cn")}
    fields.update(overrides)
    async with unit_of_work(session_factory) as session:
        return await credit_notes.issue_credit_note(session, credit_notes.CreditNoteSpec(**fields))


async def lines_of(session_factory, invoice_id):
    async with session_factory() as session:
        return await invoices.invoice_lines(session, invoice_id)


async def notes_of(session_factory, invoice_id):
    async with session_factory() as session:
        rows = await session.scalars(select(CreditNote).where(CreditNote.invoice_id == invoice_id))
        return list(rows.all())


@pytest.fixture
async def cn_series(session_factory):
    return await f.number_series(
        session_factory, scope="credit_note", is_default=True, format="CN-{YYYY}-{seq:04}"
    )


async def test_a_full_credit_note_credits_every_line_and_takes_a_credit_note_number(
    session_factory, cn_series
):
    invoice = await f.issued(session_factory, lines=f.lines(6_000, 4_000))
    await f.pay(session_factory, invoice, 10_000)
    issued = await credit(session_factory, invoice, issue_date=f.JUNE_1)
    note = issued.credit_note
    assert (note.number, note.series_id, note.total_minor) == ("CN-2026-0001", cn_series.id, 10_000)
    async with session_factory() as session:
        amounts = await session.scalars(
            select(CreditNoteLine.amount_minor).where(CreditNoteLine.credit_note_id == note.id)
        )
        assert sorted(amounts.all()) == [4_000, 6_000]
    row = await f.reload(session_factory, Invoice, invoice.id)
    assert (row.status, row.credited_minor) == ("paid", 10_000)
    [event] = await f.events(session_factory, note.id)
    assert event.event_type == "credit_note.issued"
    assert event.payload["invoice_id"] == invoice.id


async def test_a_credit_note_by_lines_credits_only_those_amounts(session_factory, cn_series):
    invoice = await f.issued(session_factory, lines=f.lines(6_000, 4_000))
    await f.pay(session_factory, invoice, 2_000)
    first, second = await lines_of(session_factory, invoice.id)
    spec = [credit_notes.CreditLineSpec(first.id, 1_500), credit_notes.CreditLineSpec(second.id)]
    note = (await credit(session_factory, invoice, lines=spec)).credit_note
    assert note.total_minor == 5_500
    row = await f.reload(session_factory, Invoice, invoice.id)
    assert (row.status, row.credited_minor) == ("partially_paid", 5_500)
    with pytest.raises(Conflict) as caught:
        await credit(session_factory, invoice, lines=[credit_notes.CreditLineSpec(second.id, 1)])
    assert caught.value.code == "credit_exceeds_line"
    rest = (await credit(session_factory, invoice)).credit_note
    assert rest.total_minor == 4_500  # what is left of the first line


async def test_a_line_of_another_invoice_is_refused(session_factory, cn_series):
    invoice = await f.issued(session_factory)
    other = await f.issued(session_factory)
    await f.pay(session_factory, invoice, 100)
    [foreign] = await lines_of(session_factory, other.id)
    with pytest.raises(BadRequest) as caught:
        await credit(session_factory, invoice, lines=[credit_notes.CreditLineSpec(foreign.id)])
    assert caught.value.code == "invalid_invoice_line"


async def test_an_unpaid_invoice_is_voided_rather_than_credited_in_full(session_factory, cn_series):
    invoice = await f.issued(session_factory)
    with pytest.raises(Conflict) as caught:
        await credit(session_factory, invoice)
    assert caught.value.code == "void_instead"
    [line] = await lines_of(session_factory, invoice.id)
    partial = await credit(
        session_factory, invoice, lines=[credit_notes.CreditLineSpec(line.id, 1_000)]
    )
    assert partial.credit_note.total_minor == 1_000  # an adjustment is fine


async def test_proformas_and_drafts_are_not_credited(session_factory, cn_series):
    await f.number_series(session_factory, scope="proforma", is_default=True, format="PF-{seq}")
    proforma = await f.draft(session_factory, kind="proforma")
    await f.issue(session_factory, proforma.id)
    with pytest.raises(Conflict) as caught:
        await credit(session_factory, proforma)
    assert caught.value.code == "proforma_not_creditable"
    with pytest.raises(Conflict) as caught:
        await credit(session_factory, await f.draft(session_factory))
    assert caught.value.code == "invoice_not_issued"


async def test_the_same_key_returns_the_same_credit_note(session_factory, cn_series):
    invoice = await f.issued(session_factory)
    await f.pay(session_factory, invoice, 10_000)
    first = await credit(session_factory, invoice, key="once")
    again = await credit(session_factory, invoice, key="once")
    assert (again.credit_note.id, again.created) == (first.credit_note.id, False)
    assert len(await notes_of(session_factory, invoice.id)) == 1


async def test_without_a_credit_note_series_crediting_is_a_409(session_factory):
    invoice = await f.issued(session_factory)
    await f.pay(session_factory, invoice, 10_000)
    with pytest.raises(Conflict) as caught:
        await credit(session_factory, invoice)
    assert caught.value.code == "no_active_series_for_scope"
    assert (await f.reload(session_factory, Invoice, invoice.id)).credited_minor == 0


async def cancel(session_factory, booking):
    async with unit_of_work(session_factory) as session:
        await bookings.change_status(session, booking_id=booking.id, target="cancelled", ctx=ctx())


async def invoice_for(session_factory, booking):
    invoice = await f.draft(session_factory, booking_id=booking.id, lines=None, currency=None)
    return await f.issue(session_factory, invoice.id, invoice_number=f.key("INV"))


async def test_cancelling_a_paid_booking_issues_a_credit_note_and_the_invoice_stays_paid(
    session_factory, cn_series
):
    booking = await f.confirmed_booking(session_factory)
    paid = await invoice_for(session_factory, booking)
    await f.pay(session_factory, paid, paid.total_minor)
    partly = await invoice_for(session_factory, booking)
    await f.pay(session_factory, partly, 1_000)
    unpaid = await invoice_for(session_factory, booking)
    await cancel(session_factory, booking)

    relay = OutboxRelay(session_factory, finance_subscribers())
    await relay.drain()

    [note] = await notes_of(session_factory, paid.id)
    assert (note.total_minor, note.key, note.number) == (
        paid.total_minor,
        cancellation_key(booking.id),
        f"CN-{note.issue_date.year}-0001",
    )
    assert (await f.reload(session_factory, Invoice, paid.id)).status == "paid"
    [partial_note] = await notes_of(session_factory, partly.id)
    assert partial_note.total_minor == partly.total_minor
    assert await notes_of(session_factory, unpaid.id) == []
    assert (await f.reload(session_factory, Invoice, unpaid.id)).status == "issued"


async def test_a_redelivered_cancellation_credits_nothing_twice(session_factory, cn_series):
    booking = await f.confirmed_booking(session_factory)
    invoice = await invoice_for(session_factory, booking)
    await f.pay(session_factory, invoice, invoice.total_minor)
    await cancel(session_factory, booking)
    await OutboxRelay(session_factory, finance_subscribers()).drain()
    # A second relay with a fresh subscriber name sees the same event again.
    [sub] = finance_subscribers()
    again = type(sub)(name="finance.replay", event_types=sub.event_types, handler=sub.handler)
    await OutboxRelay(session_factory, [again]).drain()
    assert len(await notes_of(session_factory, invoice.id)) == 1


async def test_an_invoice_credited_by_hand_is_skipped_on_cancellation(session_factory, cn_series):
    booking = await f.confirmed_booking(session_factory)
    invoice = await invoice_for(session_factory, booking)
    await f.pay(session_factory, invoice, invoice.total_minor)
    await credit(session_factory, invoice)
    await cancel(session_factory, booking)
    relay = OutboxRelay(session_factory, finance_subscribers())
    await relay.drain()
    async with session_factory() as session:
        statuses = (await session.scalars(select(OutboxDelivery.status))).all()
    assert set(statuses) == {"delivered"}
    assert len(await notes_of(session_factory, invoice.id)) == 1


async def test_an_external_credit_note_series_leaves_a_placeholder(session_factory):
    await f.number_series(
        session_factory, scope="credit_note", is_default=True, external_provider="smartbill"
    )
    invoice = await f.issued(session_factory)
    await f.pay(session_factory, invoice, 10_000)
    note = (await credit(session_factory, invoice)).credit_note
    assert (note.status, note.number) == ("pending_external_allocation", f"PENDING-{note.id}")
    [event] = await f.events(session_factory, note.id)
    assert event.payload["externalAllocationRequired"] is True
    async with unit_of_work(session_factory) as session:
        done = await credit_notes.apply_external_allocation(
            session, credit_note_id=note.id, number="SB-CN-9"
        )
    assert (done.status, done.number) == ("issued", "SB-CN-9")
