import asyncio
import uuid

from tests.api.conftest import bearer
from worker import build_worker


async def setup_product(http, key, **rule_overrides):
    h = bearer(key)
    product = (
        await http.post(
            "/v1/catalog/products",
            json={"name": "Old Town Walk", "timezone": "Europe/Lisbon"},
            headers=h,
        )
    ).json()
    option = (
        await http.post(
            f"/v1/catalog/products/{product['id']}/options", json={"name": "Morning"}, headers=h
        )
    ).json()
    return product, option


async def test_a_new_rule_gets_its_slots_from_the_horizon_workflow_after_commit(
    http, make_key, temporal_client, session_factory, task_queue
):
    key = await make_key("catalog:*", "operations:*")
    h = bearer(key)
    product, option = await setup_product(http, key)
    async with build_worker(temporal_client, session_factory, task_queue=task_queue):
        r = await http.post(
            "/v1/availability/rules",
            headers=h,
            json={
                "option_id": option["id"],
                "rrule": "RRULE:freq=weekly;byday=SA",
                "dtstart": "2026-01-01",
                "start_times": ["10:00"],
                "timezone": "Europe/Lisbon",
                "capacity": 12,
                "horizon_days": 30,
            },
        )
        assert r.status_code == 201, r.text
        assert r.json()["rrule"] == "FREQ=WEEKLY;BYDAY=SA"
        for _ in range(100):
            slots = (
                await http.get(
                    "/v1/availability/slots",
                    headers=h,
                    params={
                        "product_id": product["id"],
                        "start": "2026-01-01",
                        "end": "2030-01-01",
                    },
                )
            ).json()
            if slots:
                break
            await asyncio.sleep(0.1)
    assert 4 <= len(slots) <= 5
    assert all(s["capacity_remaining"] == 12 and s["status"] == "open" for s in slots)


async def test_generate_then_hold_release_and_extend_through_the_api(http, make_key):
    h = bearer(await make_key("catalog:*", "operations:*"))
    product, option = await setup_product(http, await make_key("catalog:*"))
    rule = (
        await http.post(
            "/v1/availability/rules",
            headers=h,
            json={
                "option_id": option["id"],
                "rrule": "FREQ=DAILY;COUNT=3",
                "dtstart": "2026-07-01",
                "start_times": ["09:00"],
                "timezone": "Europe/Lisbon",
                "capacity": 2,
            },
        )
    ).json()
    gen = await http.post(
        f"/v1/availability/rules/{rule['id']}/generate",
        headers=h,
        json={"from": "2026-07-01", "to": "2026-07-31"},
    )
    assert gen.status_code == 200 and gen.json()["created"] == 3
    again = await http.post(
        f"/v1/availability/rules/{rule['id']}/generate",
        headers=h,
        json={"from": "2026-07-01", "to": "2026-07-31"},
    )
    assert again.json()["created"] == 0
    slots = (
        await http.get(
            "/v1/availability/slots",
            headers=h,
            params={"product_id": product["id"], "start": "2026-07-01", "end": "2026-07-31"},
        )
    ).json()
    slot_id = slots[0]["id"]
    token = f"cart-{uuid.uuid4().hex}"
    held = await http.put(
        "/v1/availability/holds",
        headers=h,
        json={"token": token, "slot_id": slot_id, "pax": 2, "ttl_seconds": 600},
    )
    assert held.status_code == 200 and held.json()["status"] == "held"
    slot = (await http.get(f"/v1/availability/slots/{slot_id}", headers=h)).json()
    assert (slot["capacity_remaining"], slot["status"]) == (0, "sold_out")
    more = await http.put(
        "/v1/availability/holds",
        headers=h,
        json={"token": f"cart-{uuid.uuid4().hex}", "slot_id": slot_id, "pax": 1},
    )
    assert (more.status_code, more.json()["code"]) == (409, "slot_sold_out")
    ext = await http.post(
        f"/v1/availability/holds/{token}/extend", headers=h, json={"ttl_seconds": 1200}
    )
    assert ext.status_code == 200 and ext.json()["expires_at"] > held.json()["expires_at"]
    rel = await http.post(f"/v1/availability/holds/{token}/release", headers=h)
    assert rel.json()["status"] == "released"
    slot = (await http.get(f"/v1/availability/slots/{slot_id}", headers=h)).json()
    assert (slot["capacity_remaining"], slot["status"]) == (2, "open")


async def test_bad_availability_input_gets_clear_codes_and_writes_nothing(http, make_key):
    h = bearer(await make_key("catalog:*", "operations:*"))
    product, option = await setup_product(http, await make_key("catalog:*"))
    base = {
        "option_id": option["id"],
        "rrule": "FREQ=DAILY",
        "dtstart": "2026-07-01",
        "start_times": ["09:00"],
        "timezone": "Europe/Lisbon",
    }
    cases = [
        ({**base, "rrule": "FREQ=DAILY;BYHOUR=9"}, 400, "invalid_rrule"),
        ({**base, "timezone": "Europe/Atlantis"}, 400, "invalid_timezone"),
        ({**base, "option_id": "prod_01h455vb4pex5vsknk084sn02q"}, 400, "invalid_id"),
        ({**base, "option_id": "popt_01h455vb4pex5vsknk084sn02q"}, 404, "option_not_found"),
        ({**base, "start_times": []}, 422, "validation_error"),
        ({**base, "capacity": -1}, 422, "validation_error"),
    ]
    for body, status, code in cases:
        r = await http.post("/v1/availability/rules", headers=h, json=body)
        assert (r.status_code, r.json()["code"]) == (status, code), body
    slots = await http.get(
        "/v1/availability/slots",
        headers=h,
        params={"product_id": product["id"], "start": "2026-07-02", "end": "2026-07-01"},
    )
    assert (slots.status_code, slots.json()["code"]) == (400, "invalid_window")
    r = await http.put(
        "/v1/availability/holds",
        headers=h,
        json={"token": "cart-123456789", "slot_id": "avsl_01h455vb4pex5vsknk084sn02q", "pax": 1},
    )
    assert (r.status_code, r.json()["code"]) == (404, "slot_not_found")
    r = await http.post("/v1/availability/holds/nope-nope-nope/release", headers=h)
    assert (r.status_code, r.json()["code"]) == (404, "hold_not_found")
    r = await http.get(
        "/v1/availability/slots",
        headers=bearer(await make_key("catalog:read")),
        params={"product_id": product["id"], "start": "2026-07-01", "end": "2026-07-02"},
    )
    assert (r.status_code, r.json()["code"]) == (403, "missing_scope")


async def test_manifest_assignments_and_csv_exports(http, make_key, session_factory):
    from tests.support.catalog import product_with_option, slot

    h = bearer(await make_key("operations:*"))
    _, option = await product_with_option(session_factory)
    s = await slot(session_factory, option, capacity=30)
    room = (
        await http.post(
            f"/v1/availability/slots/{s.id}/resources",
            headers=h,
            json={"kind": "room_dbl", "label": "101", "capacity": 2},
        )
    ).json()
    ok = await http.put(
        f"/v1/availability/slots/{s.id}/assignments",
        headers=h,
        json={
            "booking_ref": "book_1",
            "assignments": [{"resource_id": room["id"], "travellers": ["Ana Sá", "João"]}],
        },
    )
    assert ok.status_code == 200
    assert ok.json()["kinds"] == [
        {"kind": "room_dbl", "capacity": 2, "assigned": 2, "available": 0}
    ]
    over = await http.put(
        f"/v1/availability/slots/{s.id}/assignments",
        headers=h,
        json={"assignments": [{"resource_id": room["id"], "travellers": ["Zé"]}]},
    )
    assert over.status_code == 409 and over.json()["code"] == "resource_capacity_exhausted"
    assert over.json()["details"]["violations"][0]["existing_assigned"] == 2
    csv = await http.get(f"/v1/availability/slots/{s.id}/rooming.csv", headers=h)
    assert csv.headers["content-type"].startswith("text/csv")
    assert csv.content.startswith(b"\xef\xbb\xbf")
    text = csv.content.decode("utf-8-sig").strip().split("\r\n")
    assert (
        len(text) == 1 + 2 + 1
        and text[-1].startswith("TOTAL")
        and "Ana Sá" in csv.content.decode("utf-8")
    )
    pax = await http.get(f"/v1/availability/slots/{s.id}/passengers.csv", headers=h)
    assert pax.content.decode("utf-8-sig").strip().split("\r\n")[-1] == "TOTAL,2,,"
    point = (
        await http.post("/v1/availability/pickup-points", headers=h, json={"name": "Hotel Avenida"})
    ).json()
    pickup = await http.post(
        f"/v1/availability/slots/{s.id}/pickups",
        headers=h,
        json={"pickup_point_id": point["id"], "pickup_time": "08:15", "capacity": 8},
    )
    assert pickup.status_code == 201 and pickup.json()["remaining"] == 8
    dup = await http.post(
        f"/v1/availability/slots/{s.id}/pickups", headers=h, json={"pickup_point_id": point["id"]}
    )
    assert (dup.status_code, dup.json()["code"]) == (409, "pickup_already_offered")


async def test_a_value_the_database_cannot_store_is_a_400_not_a_500(http, make_key):
    h = bearer(await make_key("catalog:*"))
    r = await http.post("/v1/catalog/products", headers=h, json={"name": "bad\u0000name"})
    assert (r.status_code, r.json()["code"]) == (400, "invalid_value")
    assert (await http.get("/v1/catalog/products", headers=h)).json() == []
