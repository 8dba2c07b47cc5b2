import pytest

from domain.bookings import service as bookings
from domain.db import unit_of_work
from domain.finance.subscribers import finance_subscribers
from domain.ids import new_id
from domain.outbox.relay import OutboxRelay
from tests.api.conftest import bearer
from tests.support import finance as f
from tests.support.bookings import ctx


@pytest.fixture
async def writer(make_key):
    return bearer(await make_key("finance:read", "finance:write"))


async def post(http, headers, path, body, status=201):
    r = await http.post(path, json=body, headers=headers)
    assert r.status_code == status, r.text
    return r.json()


async def make_series(http, headers, **overrides):
    body = {"name": "Invoices", "scope": "invoice", "format": "INV-{YYYY}-{seq:06}", **overrides}
    return await post(http, headers, "/v1/finance/number-series", body)


def explicit(**overrides):
    return {
        "currency": "EUR",
        "lines": [{"description": "Nile cruise", "unit_amount_minor": 25_000, "quantity": 2}],
        "issue": True,
        "issue_date": "2026-06-01",
        **overrides,
    }


async def issued(http, headers, **overrides):
    return await post(http, headers, "/v1/finance/invoices", explicit(**overrides))


async def pay(http, headers, invoice, amount, status=201, **overrides):
    body = {
        "invoice_id": invoice["id"],
        "amount_minor": amount,
        "currency": invoice["currency"],
        "method": "card",
        "idempotency_key": f.key("pay"),
        **overrides,
    }
    return await post(http, headers, "/v1/finance/payments", body, status)


async def test_reading_needs_finance_read_and_writing_finance_write(http, make_key):
    reader = bearer(await make_key("finance:read"))
    assert (await http.get("/v1/finance/invoices", headers=reader)).status_code == 200
    r = await http.post("/v1/finance/invoices", json=explicit(), headers=reader)
    assert (r.status_code, r.json()["details"]) == (403, {"scope": "finance:write"})
    other = bearer(await make_key("bookings:read"))
    r = await http.get("/v1/finance/payments", headers=other)
    assert (r.status_code, r.json()["code"]) == (403, "missing_scope")


async def test_a_booking_is_invoiced_and_issued_from_the_default_series(
    http, writer, session_factory
):
    booking = await f.confirmed_booking(session_factory, pax=2)
    await make_series(http, writer, is_default=True, reset_rule="annual")
    invoice = await issued(
        http, writer, booking_id=booking.id, lines=None, currency=None, due_date="2026-06-30"
    )
    assert invoice["number"] == "INV-2026-000001" and invoice["status"] == "issued"
    assert (invoice["total_minor"], invoice["outstanding_minor"]) == (10_000, 10_000)
    assert [x["quantity"] for x in invoice["lines"]] == [2]
    r = await http.get(f"/v1/finance/invoices?booking_id={booking.id}", headers=writer)
    assert [x["id"] for x in r.json()] == [invoice["id"]]
    r = await http.get("/v1/finance/number-series", headers=writer)
    assert r.json()[0]["counters"] == {"2026": 1}


async def test_the_numbering_precedence_over_http(http, writer):
    default = await make_series(http, writer, is_default=True, format="D-{seq}")
    other = await make_series(http, writer, format="O-{seq}")
    assert (await issued(http, writer, invoice_number="MY-1"))["number"] == "MY-1"
    assert (await issued(http, writer, series_id=other["id"]))["number"] == "O-1"
    assert (await issued(http, writer))["number"] == "D-1"
    r = await http.patch(
        f"/v1/finance/number-series/{default['id']}", json={"active": False}, headers=writer
    )
    assert r.status_code == 200
    assert (await issued(http, writer))["number"] == "O-2"  # latest active series
    r = await http.patch(
        f"/v1/finance/number-series/{other['id']}", json={"active": False}, headers=writer
    )
    r = await http.post("/v1/finance/invoices", json=explicit(), headers=writer)
    assert (r.status_code, r.json()["code"]) == (409, "no_active_series_for_scope")
    r = await http.get("/v1/finance/invoices", headers=writer)
    assert len(r.json()) == 4  # the refused one left no draft behind


async def test_series_errors_are_400_409_and_422(http, writer):
    await make_series(http, writer, is_default=True)
    r = await http.post(
        "/v1/finance/number-series",
        json={"name": "Two", "scope": "invoice", "format": "X-{seq}", "is_default": True},
        headers=writer,
    )
    assert (r.status_code, r.json()["code"]) == (409, "default_series_exists")
    r = await http.post(
        "/v1/finance/number-series",
        json={"name": "Bad", "scope": "invoice", "format": "X-{seq}", "reset_rule": "annual"},
        headers=writer,
    )
    assert (r.status_code, r.json()["code"]) == (400, "invalid_number_format")
    r = await http.post("/v1/finance/number-series", json={"name": "No scope"}, headers=writer)
    assert (r.status_code, r.json()["code"]) == (422, "validation_error")


async def test_payments_settle_the_invoice_and_retries_are_no_ops(http, writer):
    await make_series(http, writer, is_default=True)
    invoice = await issued(http, writer)
    first = await pay(http, writer, invoice, 20_000, idempotency_key="psp-1")
    again = await pay(http, writer, invoice, 20_000, status=200, idempotency_key="psp-1")
    assert again["id"] == first["id"]
    r = await http.get(f"/v1/finance/invoices/{invoice['id']}", headers=writer)
    assert (r.json()["status"], r.json()["outstanding_minor"]) == ("partially_paid", 30_000)
    over = await pay(http, writer, invoice, 30_001, status=409)
    assert over["code"] == "overpayment"
    wrong = await pay(http, writer, invoice, 100, status=409, currency="USD")
    assert wrong["code"] == "currency_mismatch"
    await pay(http, writer, invoice, 30_000, method="voucher")
    r = await http.get(f"/v1/finance/invoices/{invoice['id']}", headers=writer)
    assert r.json()["status"] == "paid"
    r = await http.post(
        f"/v1/finance/invoices/{invoice['id']}/void", json={"reason": "oops"}, headers=writer
    )
    assert (r.status_code, r.json()["code"]) == (409, "invoice_has_payments")


async def test_refunds_are_capped_by_what_was_paid(http, writer):
    await make_series(http, writer, is_default=True)
    invoice = await issued(http, writer)
    payment = await pay(http, writer, invoice, 10_000)
    path = f"/v1/finance/payments/{payment['id']}/refunds"
    body = {"amount_minor": 4_000, "reason": "partial refund", "idempotency_key": "rf-1"}
    refunded = await post(http, writer, path, body)
    assert refunded["refunded_minor"] == 4_000 and len(refunded["refunds"]) == 1
    assert (await post(http, writer, path, body, status=200))["refunded_minor"] == 4_000
    too_much = {**body, "amount_minor": 6_001, "idempotency_key": "rf-2"}
    assert (await post(http, writer, path, too_much, status=409))["code"] == (
        "refund_exceeds_payment"
    )


async def test_a_credit_note_and_a_supplier_payment_over_http(http, writer):
    await make_series(http, writer, is_default=True)
    await make_series(http, writer, scope="credit_note", is_default=True, format="CN-{seq:03}")
    invoice = await issued(http, writer)
    await pay(http, writer, invoice, invoice["total_minor"])
    body = {"invoice_id": invoice["id"], "reason": "tour cancelled", "idempotency_key": "c1"}
    note = await post(http, writer, "/v1/finance/credit-notes", body)
    assert (note["number"], note["total_minor"], len(note["lines"])) == ("CN-001", 50_000, 1)
    assert (await post(http, writer, "/v1/finance/credit-notes", body, status=200))["id"] == (
        note["id"]
    )
    r = await http.get(f"/v1/finance/invoices/{invoice['id']}", headers=writer)
    assert (r.json()["status"], r.json()["outstanding_minor"]) == ("paid", -50_000)
    supplier = {
        "supplier_id": "supp_nile",
        "amount_minor": 12_000,
        "currency": "EGP",
        "method": "bank_transfer",
        "idempotency_key": "sp-1",
    }
    out = await post(http, writer, "/v1/finance/supplier-payments", supplier)
    assert (out["direction"], out["supplier_id"], out["invoice_id"]) == (
        "outbound",
        "supp_nile",
        None,
    )


async def test_a_paid_booking_cancelled_gets_a_credit_note_readable_over_http(
    http, writer, session_factory
):
    booking = await f.confirmed_booking(session_factory)
    await make_series(http, writer, is_default=True)
    await make_series(http, writer, scope="credit_note", is_default=True, format="CN-{seq}")
    invoice = await issued(http, writer, booking_id=booking.id, lines=None, currency=None)
    await pay(http, writer, invoice, invoice["total_minor"])
    async with unit_of_work(session_factory) as session:
        await bookings.change_status(session, booking_id=booking.id, target="cancelled", ctx=ctx())
    await OutboxRelay(session_factory, finance_subscribers()).drain()
    r = await http.get(f"/v1/finance/credit-notes?booking_id={booking.id}", headers=writer)
    assert [(n["number"], n["total_minor"]) for n in r.json()] == [("CN-1", 10_000)]
    r = await http.get(f"/v1/finance/invoices/{invoice['id']}", headers=writer)
    assert r.json()["status"] == "paid"


@pytest.mark.parametrize(
    "path",
    [
        "/v1/finance/invoices/{wrong}",
        "/v1/finance/payments/{wrong}",
        "/v1/finance/credit-notes/{wrong}",
        "/v1/finance/number-series/{wrong}",
    ],
)
async def test_a_wrong_kind_of_id_is_400_and_an_unknown_one_404(http, writer, path):
    r = await http.get(path.format(wrong=new_id("book")), headers=writer)
    assert (r.status_code, r.json()["code"]) == (400, "invalid_id")
    prefix = {"invoices": "inv", "payments": "pay", "credit-notes": "crn", "number-series": "invs"}
    right = new_id(prefix[path.split("/")[3]])
    r = await http.get(path.format(wrong=right), headers=writer)
    assert r.status_code == 404
    assert r.json()["code"].endswith("_not_found")


@pytest.mark.parametrize(
    "body",
    [
        explicit(lines=[{"description": "x", "unit_amount_minor": 10**13}]),
        explicit(lines=[{"description": "\x00", "unit_amount_minor": 1}]),
        explicit(lines=[{"description": "x", "unit_amount_minor": 1, "quantity": 0}]),
        explicit(currency="euro"),
        explicit(kind="receipt"),
        explicit(issue_date="2026-02-30"),
        [],
    ],
)
async def test_a_malformed_invoice_is_422(http, writer, body):
    r = await http.post("/v1/finance/invoices", json=body, headers=writer)
    assert (r.status_code, r.json()["code"]) == (422, "validation_error")


async def test_unusable_but_well_formed_input_is_400_never_500(http, writer):
    r = await http.post(
        "/v1/finance/invoices", json=explicit(series_id="not-an-id"), headers=writer
    )
    assert (r.status_code, r.json()["code"]) == (400, "invalid_id")
    r = await http.post("/v1/finance/invoices", json=explicit(lines=[]), headers=writer)
    assert (r.status_code, r.json()["code"]) == (400, "no_lines")
    r = await http.post(
        "/v1/finance/invoices",
        json=explicit(issue_date="2026-06-10", due_date="2026-06-01", invoice_number="Z"),
        headers=writer,
    )
    assert (r.status_code, r.json()["code"]) == (400, "invalid_due_date")
    r = await http.post(
        "/v1/finance/invoices",
        json=explicit(issue_date="9999-12-31", invoice_number="END"),
        headers=writer,
    )
    assert (r.status_code, r.json()["code"]) == (400, "invalid_issue_date")


async def test_bill_to_contact_is_masked_without_pii_reveal(http, writer, make_key):
    await make_series(http, writer)
    inv = await issued(http, writer, bill_to_name="Grace Hopper", bill_to_email="grace@example.com")
    assert "Grace" not in str(inv) and "grace@example.com" not in str(inv)
    listed = (await http.get("/v1/finance/invoices", headers=writer)).json()
    assert "grace@example.com" not in str(listed)
    revealer = bearer(await make_key("finance:read", "pii:reveal"))
    shown = (await http.get(f"/v1/finance/invoices/{inv['id']}", headers=revealer)).json()
    assert (shown["bill_to_name"], shown["bill_to_email"]) == ("Grace Hopper", "grace@example.com")
