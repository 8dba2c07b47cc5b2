"""Every OCTO endpoint and error code, checked against the vendored OpenAPI file.

Each 200 body must validate against the endpoint's schema and carry every key the schema
defines (capability keys when the capability was asked for); each error must be the
named OCTO error with its id field, on HTTP 400.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import httpx

from tests.contract.octo.spec import check_error, check_ok
from tests.support.octo import (
    OctoWorld,
    first_slot,
    octo_world,
    reseller_key,
    reservation,
    reserve,
)
from worker import build_worker

ALL = {"octo/pricing", "octo/content"}


async def _ok(http: httpx.AsyncClient, world: OctoWorld, method: str, path: str, spec_path: str,
              caps: set[str] = ALL, **kw: Any) -> Any:  # fmt: skip
    headers = world.headers({"Octo-Capabilities": ", ".join(sorted(caps))})
    response = await http.request(method, path, headers=headers, **kw)
    assert response.status_code == 200, response.text
    body = response.json()
    check_ok(spec_path, method, body, caps)
    return body


async def _err(http: httpx.AsyncClient, world: OctoWorld, method: str, path: str, spec_path: str,
               code: str, **kw: Any) -> dict[str, Any]:  # fmt: skip
    response = await http.request(method, path, headers=world.headers(), **kw)
    assert response.status_code == 400, response.text
    body: dict[str, Any] = response.json()
    check_error(spec_path, method, body, code)
    return body


async def test_supplier_products_and_capabilities_match_the_spec_with_and_without_capabilities(
    http, session_factory
):
    world = await octo_world(session_factory)
    for caps in (ALL, set()):
        await _ok(http, world, "GET", "/octo/supplier", "/supplier/", caps)
        products = await _ok(http, world, "GET", "/octo/products", "/products/", caps)
        assert {p["availabilityType"] for p in products} == {"START_TIME", "OPENING_HOURS"}
        one = products[0]["id"]
        await _ok(http, world, "GET", f"/octo/products/{one}", "/products/{id}", caps)
    assert "pricingFrom" not in products[0]["options"][0]["units"][0]  # no capability asked
    await _ok(http, world, "GET", "/octo/capabilities", "/capabilities/")
    body = await _err(
        http, world, "GET", "/octo/products/prod_nope", "/products/{id}", "INVALID_PRODUCT_ID"
    )
    assert body["productId"] == "prod_nope"


async def test_an_empty_capabilities_header_is_accepted(http, session_factory):
    world = await octo_world(session_factory)
    response = await http.get("/octo/products", headers=world.headers({"Octo-Capabilities": ""}))
    assert response.status_code == 200
    assert response.headers["Octo-Capabilities"] == ""
    check_ok("/products/", "GET", response.json(), set())


async def test_availability_calendar_and_check_match_the_spec_and_their_errors(
    http, session_factory
):
    world = await octo_world(session_factory)
    slot = await first_slot(session_factory, world.option_id)
    start = slot.local_date.isoformat()
    end = (slot.local_date + timedelta(days=3)).isoformat()
    target = {"productId": world.demo.tour_product_id, "optionId": world.option_id}
    cal = await _ok(http, world, "POST", "/octo/availability/calendar", "/availability/calendar",
                    json={**target, "localDateStart": start, "localDateEnd": end})  # fmt: skip
    assert cal[0]["localDate"] == start and len(cal) == 4
    ranged = await _ok(http, world, "POST", "/octo/availability", "/availability/",
                       json={**target, "localDateStart": start, "localDateEnd": end})  # fmt: skip
    assert ranged and all(a["status"] in ("AVAILABLE", "SOLD_OUT") for a in ranged)
    await _ok(http, world, "POST", "/octo/availability", "/availability/",
              json={**target, "localDate": start})  # fmt: skip
    by_id = await _ok(http, world, "POST", "/octo/availability", "/availability/",
                      json={**target, "availabilityIds": [slot.id]})  # fmt: skip
    assert [a["id"] for a in by_id] == [slot.id]
    for path, spec_path in (("/octo/availability", "/availability/"),
                            ("/octo/availability/calendar", "/availability/calendar")):  # fmt: skip
        dates = {"localDateStart": start, "localDateEnd": end}
        bad = {**target, "productId": "prod_nope", **dates}
        body = await _err(http, world, "POST", path, spec_path, "INVALID_PRODUCT_ID", json=bad)
        assert body["productId"] == "prod_nope"
        bad = {**target, "optionId": "popt_nope", **dates}
        body = await _err(http, world, "POST", path, spec_path, "INVALID_OPTION_ID", json=bad)
        assert body["optionId"] == "popt_nope"
        await _err(http, world, "POST", path, spec_path, "BAD_REQUEST", json=target)
    both = {**target, "localDateStart": start, "localDateEnd": end, "availabilityIds": [slot.id]}
    await _err(
        http, world, "POST", "/octo/availability", "/availability/", "BAD_REQUEST", json=both
    )
    await _err(http, world, "POST", "/octo/availability", "/availability/", "BAD_REQUEST",
               content=b"{not json")  # fmt: skip


async def test_reservation_and_its_errors_match_the_spec(http, session_factory):
    world = await octo_world(session_factory)
    slot = await first_slot(session_factory, world.option_id)
    response = await reserve(http, world, slot.id)
    assert response.status_code == 200, response.text
    check_ok("/bookings/", "POST", response.json(), ALL)
    assert response.json()["status"] == "ON_HOLD"
    cases: list[tuple[dict[str, Any], str, str | None]] = [
        ({"productId": "prod_nope"}, "INVALID_PRODUCT_ID", "productId"),
        ({"optionId": "popt_nope"}, "INVALID_OPTION_ID", "optionId"),
        ({"availabilityId": "avsl_nope"}, "INVALID_AVAILABILITY_ID", "availabilityId"),
        ({"unitItems": [{"unitId": "punt_nope"}]}, "INVALID_UNIT_ID", "unitId"),
        ({"unitItems": []}, "UNPROCESSABLE_ENTITY", None),
        ({"unitItems": None}, "UNPROCESSABLE_ENTITY", None),
        ({"availabilityId": world.demo.sold_out_slot_id}, "UNPROCESSABLE_ENTITY", None),
    ]
    for override, code, field in cases:
        body = await _err(http, world, "POST", "/octo/bookings", "/bookings/", code,
                          json=reservation(world, slot.id, **override))  # fmt: skip
        if field:
            assert body[field] == next(iter(override.values())) or field == "unitId"


async def test_booking_verbs_match_the_spec_and_unknown_uuids_are_400(
    http, session_factory, temporal_client, task_queue
):
    async with build_worker(temporal_client, session_factory, task_queue=task_queue):
        await _booking_verbs(http, session_factory)


async def _booking_verbs(http: httpx.AsyncClient, session_factory: Any) -> None:
    world = await octo_world(session_factory)
    slot = await first_slot(session_factory, world.option_id)
    later = await first_slot(session_factory, world.option_id, offset=3)
    booked = (await reserve(http, world, slot.id, resellerReference="REF-C")).json()
    uuid = booked["uuid"]
    base = "/bookings/{uuid}"
    await _ok(http, world, "POST", f"/octo/bookings/{uuid}/extend", base + "/extend",
              json={"expirationMinutes": 60})  # fmt: skip
    await _ok(http, world, "PATCH", f"/octo/bookings/{uuid}", base,
              json={"availabilityId": later.id, "contact": {"firstName": "Ada"}})  # fmt: skip
    await _ok(http, world, "GET", f"/octo/bookings/{uuid}", base)
    confirmed = await _ok(http, world, "POST", f"/octo/bookings/{uuid}/confirm", base + "/confirm",
                          json={"contact": {"fullName": "Ada Lovelace"}})  # fmt: skip
    assert confirmed["status"] == "CONFIRMED" and confirmed["voucher"]["deliveryOptions"]
    assert all(item["ticket"] is None for item in confirmed["unitItems"])
    listed = await _ok(http, world, "GET", "/octo/bookings", "/bookings/",
                       params={"resellerReference": "REF-C"})  # fmt: skip
    assert [b["uuid"] for b in listed] == [uuid]
    await _ok(http, world, "GET", "/octo/bookings", "/bookings/",
              params={"supplierReference": booked["supplierReference"]})  # fmt: skip
    cancelled = await _ok(http, world, "POST", f"/octo/bookings/{uuid}/cancel", base + "/cancel",
                          json={"reason": "changed plans"})  # fmt: skip
    assert cancelled["cancellation"]["reason"] == "changed plans"
    await _err(http, world, "GET", "/octo/bookings", "/bookings/", "BAD_REQUEST")
    await _err(http, world, "POST", f"/octo/bookings/{uuid}/extend", base + "/extend",
               "UNPROCESSABLE_ENTITY", json={})  # fmt: skip
    unknown = "6b0f8b2e-4a3c-4d9e-8f43-9a1d2c3b4e5f"
    for method, suffix, json in (("GET", "", None), ("PATCH", "", {}),
                                 ("POST", "/confirm", {"contact": {}}), ("POST", "/cancel", {}),
                                 ("POST", "/extend", {})):  # fmt: skip
        body = await _err(http, world, method, f"/octo/bookings/{unknown}{suffix}", base + suffix,
                          "INVALID_BOOKING_UUID", json=json)  # fmt: skip
        assert body["uuid"] == unknown
    second = (await reserve(http, world, slot.id)).json()["uuid"]
    await _err(http, world, "POST", f"/octo/bookings/{second}/confirm", base + "/confirm",
               "INVALID_UNIT_ID", json={"contact": {}, "unitItems": [{"unitId": "punt_x"}]})  # fmt: skip


async def test_missing_bad_or_unmapped_keys_are_unauthorized_or_forbidden(
    http, session_factory, make_key
):
    world = await octo_world(session_factory)
    for headers in ({}, {"Authorization": "Bearer tf_nope"}):
        response = await http.get("/octo/supplier", headers=headers)
        assert response.status_code == 400
        check_error("/supplier/", "GET", response.json(), "UNAUTHORIZED")
    staff = await make_key("*:*")
    _, ota_key = await reseller_key(session_factory, kind="ota")
    for key in (staff, ota_key):
        response = await http.get("/octo/products", headers={"Authorization": f"Bearer {key}"})
        assert response.status_code == 400
        check_error("/products/", "GET", response.json(), "FORBIDDEN")
    assert world.key
