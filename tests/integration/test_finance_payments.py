"""Payments, refunds and voids against real PostgreSQL."""

import asyncio
from collections import Counter

import pytest

from domain.db import unit_of_work
from domain.errors import Conflict, DomainError, NotFound
from domain.finance import payments
from domain.finance.invoice_models import Invoice
from domain.finance.invoices import void_invoice
from domain.finance.payment_models import Payment
from tests.support import finance as f


async def refund(session_factory, payment, amount, **overrides):
    fields = {
        "payment_id": payment.id,
        "amount_minor": amount,
        "reason": "goodwill",
        "idempotency_key": f.key("rf"),
    }
    fields.update(overrides)
    async with unit_of_work(session_factory) as session:
        return await payments.refund_payment(session, **fields)


async def status_of(session_factory, invoice):
    row = await f.reload(session_factory, Invoice, invoice.id)
    return row.status, row.paid_minor


async def test_a_partial_payment_gives_partially_paid_and_the_rest_gives_paid(session_factory):
    invoice = await f.issued(session_factory)
    await f.pay(session_factory, invoice, 4_000, method="card")
    assert await status_of(session_factory, invoice) == ("partially_paid", 4_000)
    await f.pay(session_factory, invoice, 6_000, method="cash")
    assert await status_of(session_factory, invoice) == ("paid", 10_000)
    assert [e.event_type for e in await f.events(session_factory, invoice.id)] == [
        "invoice.issued",
        "invoice.paid",
    ]


async def test_every_inbound_method_is_accepted(session_factory):
    invoice = await f.issued(session_factory, lines=f.lines(500))
    for method in ("bank_transfer", "card", "cash", "voucher", "direct_bill"):
        await f.pay(session_factory, invoice, 100, method=method)
    assert await status_of(session_factory, invoice) == ("paid", 500)


async def test_recording_a_payment_records_payment_recorded(session_factory):
    invoice = await f.issued(session_factory)
    payment = await f.pay(session_factory, invoice, 2_500)
    [event] = await f.events(session_factory, payment.id)
    assert event.event_type == "payment.recorded"
    assert event.payload["invoice_status"] == "partially_paid"
    assert payment.booking_id == invoice.booking_id and payment.schedule_line_id is None


async def test_an_overpayment_is_a_409_and_records_nothing(session_factory):
    invoice = await f.issued(session_factory)
    await f.pay(session_factory, invoice, 9_000)
    with pytest.raises(Conflict) as caught:
        await f.pay(session_factory, invoice, 1_001)
    assert caught.value.code == "overpayment"
    assert caught.value.details["outstanding_minor"] == 1_000
    assert await status_of(session_factory, invoice) == ("partially_paid", 9_000)


async def test_a_payment_in_another_currency_is_a_409(session_factory):
    invoice = await f.issued(session_factory)
    with pytest.raises(Conflict) as caught:
        await f.pay(session_factory, invoice, 100, currency="USD")
    assert caught.value.code == "currency_mismatch"


@pytest.mark.parametrize("state", ["draft", "void"])
async def test_only_issued_invoices_take_payments(session_factory, state):
    invoice = await f.draft(session_factory)
    if state == "void":
        async with unit_of_work(session_factory) as session:
            await void_invoice(session, invoice_id=invoice.id, reason="dup")
    with pytest.raises(Conflict) as caught:
        await f.pay(session_factory, invoice, 100)
    assert caught.value.code == "invoice_not_payable"


async def test_a_retried_payment_is_a_no_op(session_factory):
    invoice = await f.issued(session_factory)
    first = await f.pay(session_factory, invoice, 3_000, idempotency_key="bank-ref-1")
    again = await f.pay(session_factory, invoice, 3_000, idempotency_key="bank-ref-1")
    assert again.id == first.id
    assert await status_of(session_factory, invoice) == ("partially_paid", 3_000)


async def test_a_retry_after_the_invoice_was_paid_still_returns_the_payment(session_factory):
    invoice = await f.issued(session_factory)
    first = await f.pay(session_factory, invoice, 10_000, idempotency_key="full")
    assert (await f.pay(session_factory, invoice, 10_000, idempotency_key="full")).id == first.id


async def test_reusing_a_key_for_a_different_payment_is_a_409(session_factory):
    invoice = await f.issued(session_factory)
    await f.pay(session_factory, invoice, 3_000, idempotency_key="k1")
    with pytest.raises(Conflict) as caught:
        await f.pay(session_factory, invoice, 3_001, idempotency_key="k1")
    assert caught.value.code == "idempotency_key_reused"


async def test_concurrent_retries_of_one_payment_record_it_once(session_factory):
    invoice = await f.issued(session_factory)

    async def attempt():
        return (await f.pay(session_factory, invoice, 2_000, idempotency_key="same")).id

    ids = await asyncio.gather(*(attempt() for _ in range(10)))
    assert len(set(ids)) == 1
    assert await status_of(session_factory, invoice) == ("partially_paid", 2_000)


async def test_concurrent_payments_never_overpay_an_invoice(session_factory):
    invoice = await f.issued(session_factory)

    async def attempt():
        try:
            await f.pay(session_factory, invoice, 3_000)
        except DomainError as exc:
            return exc.code
        return "ok"

    results = await asyncio.gather(*(attempt() for _ in range(8)))
    assert Counter(results) == {"ok": 3, "overpayment": 5}
    assert await status_of(session_factory, invoice) == ("partially_paid", 9_000)


async def test_a_refund_reopens_what_it_gives_back(session_factory):
    invoice = await f.issued(session_factory)
    payment = await f.pay(session_factory, invoice, 10_000)
    await refund(session_factory, payment, 4_000)
    assert await status_of(session_factory, invoice) == ("partially_paid", 6_000)
    await refund(session_factory, payment, 6_000)
    assert await status_of(session_factory, invoice) == ("issued", 0)
    assert (await f.reload(session_factory, Payment, payment.id)).refunded_minor == 10_000
    types = [e.event_type for e in await f.events(session_factory, payment.id)]
    assert types == ["payment.recorded", "payment.refunded", "payment.refunded"]


async def test_a_refund_cannot_exceed_what_was_paid(session_factory):
    invoice = await f.issued(session_factory)
    payment = await f.pay(session_factory, invoice, 5_000)
    await refund(session_factory, payment, 3_000)
    with pytest.raises(Conflict) as caught:
        await refund(session_factory, payment, 2_001)
    assert (caught.value.code, caught.value.details) == (
        "refund_exceeds_payment",
        {"refundable_minor": 2_000},
    )


async def test_a_retried_refund_is_a_no_op(session_factory):
    invoice = await f.issued(session_factory)
    payment = await f.pay(session_factory, invoice, 5_000)
    first = await refund(session_factory, payment, 1_000, idempotency_key="rf-1")
    again = await refund(session_factory, payment, 1_000, idempotency_key="rf-1")
    assert (again.refund.id, again.created) == (first.refund.id, False)
    assert (await f.reload(session_factory, Payment, payment.id)).refunded_minor == 1_000


async def test_voiding_a_payment_makes_its_amount_owed_again(session_factory):
    invoice = await f.issued(session_factory)
    payment = await f.pay(session_factory, invoice, 10_000)
    async with unit_of_work(session_factory) as session:
        await payments.void_payment(session, payment_id=payment.id, reason="bounced")
    assert await status_of(session_factory, invoice) == ("issued", 0)
    with pytest.raises(Conflict) as caught:
        async with unit_of_work(session_factory) as session:
            await payments.void_payment(session, payment_id=payment.id, reason="again")
    assert caught.value.code == "payment_void"
    with pytest.raises(Conflict):
        await refund(session_factory, payment, 1)


async def test_a_refunded_payment_is_not_voided(session_factory):
    invoice = await f.issued(session_factory)
    payment = await f.pay(session_factory, invoice, 10_000)
    await refund(session_factory, payment, 1)
    with pytest.raises(Conflict) as caught:
        async with unit_of_work(session_factory) as session:
            await payments.void_payment(session, payment_id=payment.id, reason="x")
    assert caught.value.code == "payment_has_refunds"


async def test_a_supplier_payment_is_outbound_and_names_its_supplier(session_factory):
    booking = await f.confirmed_booking(session_factory)
    spec = payments.PaymentSpec(
        amount_minor=7_000,
        currency="EUR",
        method="bank_transfer",
        idempotency_key="sup-1",
        supplier_id="supp_nile_cruises",
        booking_id=booking.id,
    )
    async with unit_of_work(session_factory) as session:
        first = await payments.record_supplier_payment(session, spec)
    async with unit_of_work(session_factory) as session:
        again = await payments.record_supplier_payment(session, spec)
    assert (first.payment.direction, first.payment.invoice_id) == ("outbound", None)
    assert (again.payment.id, again.created) == (first.payment.id, False)
    [event] = await f.events(session_factory, first.payment.id)
    assert event.payload["supplier_id"] == "supp_nile_cruises"


async def test_a_supplier_payment_for_an_unknown_booking_is_a_404(session_factory):
    spec = payments.PaymentSpec(
        amount_minor=1,
        currency="EUR",
        method="cash",
        idempotency_key="sup-2",
        supplier_id="supp_x",
        booking_id="book_01jz0000000000000000000000",
    )
    with pytest.raises(NotFound):
        async with unit_of_work(session_factory) as session:
            await payments.record_supplier_payment(session, spec)
