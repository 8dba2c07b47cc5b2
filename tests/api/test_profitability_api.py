"""Finance tax, FX, renditions, supplier invoices and profitability over HTTP."""

from __future__ import annotations

from tests.api.conftest import bearer
from tests.support.bookings import book, spec_for
from tests.support.catalog import product_with_option, slot
from tests.support.profitability import supplier as make_supplier


async def test_tax_preview_issue_render_supplier_invoice_and_profitability(
    http, make_key, session_factory
):
    h = bearer(await make_key("finance:read", "finance:write"))
    product, option = await product_with_option(session_factory)
    s = await slot(session_factory, option)
    booking = await book(session_factory, spec_for(s, pax=2, status="confirmed"))

    bad = await http.post(
        "/v1/finance/tax-regimes",
        json={"code": "VAT0", "name": "Zero", "kind": "standard", "rate_bps": 0},
        headers=h,
    )
    assert (bad.status_code, bad.json()["code"]) == (400, "invalid_tax_rate")
    vat = await http.post(
        "/v1/finance/tax-regimes",
        json={"code": "VAT19", "name": "Standard", "kind": "standard", "rate_bps": 1900},
        headers=h,
    )
    assert vat.status_code == 201
    regime_id = vat.json()["id"]

    preview = await http.post(
        "/v1/finance/tax/preview",
        json={"booking_id": booking.id, "tax_regime_id": regime_id, "mode": "exclusive"},
        headers=h,
    )
    assert preview.status_code == 200
    assert preview.json()["tax_minor"] == 1_900 and preview.json()["gross_minor"] == 11_900

    created = await http.post(
        "/v1/finance/invoices",
        json={
            "booking_id": booking.id,
            "issue": True,
            "invoice_number": "API-1",
            "tax_regime_id": regime_id,
            "tax_mode": "exclusive",
        },
        headers=h,
    )
    assert created.status_code == 201, created.text
    invoice = created.json()
    assert (invoice["total_minor"], invoice["tax_minor"]) == (
        preview.json()["gross_minor"],
        preview.json()["tax_minor"],
    )

    pdf = await http.post(
        f"/v1/finance/invoices/{invoice['id']}/renditions", json={"format": "pdf"}, headers=h
    )
    assert pdf.status_code == 201 and pdf.json()["status"] == "ready"
    again = await http.post(
        f"/v1/finance/invoices/{invoice['id']}/renditions", json={"format": "pdf"}, headers=h
    )
    assert (again.status_code, again.json()["code"]) == (409, "rendition_exists")
    body = await http.get(f"/v1/finance/invoices/{invoice['id']}/renditions/pdf", headers=h)
    assert body.headers["content-type"] == "application/pdf"
    assert body.content.startswith(b"%PDF-") and b"API-1" in body.content

    rate = await http.post(
        "/v1/finance/fx-rates",
        json={
            "from_currency": "USD",
            "to_currency": "EUR",
            "rate": "0.9",
            "rate_date": "2026-05-01",
        },
        headers=h,
    )
    assert rate.status_code == 201 and rate.json()["rate"] == "0.9000000000"
    unknown = {
        "supplier_id": "supp_01h455vb4pex5vsknk084sn02q",
        "supplier_reference": "X-1",
        "currency": "EUR",
        "issue_date": "2026-06-01",
        "lines": [{"description": "Coach", "amount_minor": 100, "slot_id": s.id}],
    }
    missing = await http.post("/v1/finance/supplier-invoices", json=unknown, headers=h)
    assert (missing.status_code, missing.json()["code"]) == (404, "supplier_not_found")
    supplier = {
        "supplier_id": await make_supplier(session_factory),
        "supplier_reference": "BUS-7",
        "currency": "USD",
        "issue_date": "2026-06-01",
        "lines": [
            {"description": "Coach", "amount_minor": 5_000, "slot_id": s.id},
            {"description": "Guide", "amount_minor": 1_001, "booking_id": booking.id},
        ],
    }
    recorded = await http.post("/v1/finance/supplier-invoices", json=supplier, headers=h)
    assert recorded.status_code == 201, recorded.text
    assert recorded.json()["base_net_minor"] == 4_500 + 901  # 10.01 USD x 0.9 = 9.009 -> 9.01
    replay = await http.post("/v1/finance/supplier-invoices", json=supplier, headers=h)
    assert (replay.status_code, replay.json()["id"]) == (200, recorded.json()["id"])

    dep = await http.get(f"/v1/finance/profitability/departures/{s.id}", headers=h)
    assert dep.status_code == 200
    by_currency = {c["currency"]: c for c in dep.json()["currencies"]}
    assert by_currency["EUR"]["revenue_minor"] == 10_000  # 119.00 billed, 19.00 of it VAT
    assert by_currency["EUR"]["planned_cost_minor"] == 5_000
    assert by_currency["USD"]["actual_cost_minor"] == 6_001
    assert dep.json()["base"]["figures"]["actual_cost_minor"] == 5_401
    assert dep.json()["base"]["figures"]["profit_minor"] == 10_000 - 5_401

    split = await http.get(
        f"/v1/finance/profitability/departures/{s.id}/traveller-costs", headers=h
    )
    assert split.json() == [
        {"currency": "USD", "actual_cost_minor": 6_001, "travellers": 2,
         "per_traveller_minor": [3_001, 3_000]}
    ]  # fmt: skip
    prod = await http.get(f"/v1/finance/profitability/products/{product.id}", headers=h)
    assert prod.json()["currencies"] == dep.json()["currencies"]

    voided = await http.post(
        f"/v1/finance/supplier-invoices/{recorded.json()['id']}/void",
        json={"reason": "duplicate"},
        headers=h,
    )
    assert voided.status_code == 200
    assert (voided.json()["status"], voided.json()["void_reason"]) == ("void", "duplicate")
    assert voided.json()["voided_by"] is not None
    rerecorded = await http.post("/v1/finance/supplier-invoices", json=supplier, headers=h)
    assert rerecorded.status_code == 201 and rerecorded.json()["id"] != recorded.json()["id"]


async def test_profitability_errors_are_stable(http, make_key):
    reader = bearer(await make_key("finance:read"))
    missing = await http.get(
        "/v1/finance/profitability/departures/avsl_01h455vb4pex5vsknk084sn02q", headers=reader
    )
    assert (missing.status_code, missing.json()["code"]) == (404, "slot_not_found")
    denied = await http.post("/v1/finance/fx-rates", json={}, headers=reader)
    assert denied.status_code == 403
    malformed = await http.get("/v1/finance/profitability/departures/nope", headers=reader)
    assert (malformed.status_code, malformed.json()["code"]) == (400, "invalid_id")
