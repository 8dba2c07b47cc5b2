import asyncio
import uuid

from tests.api.conftest import bearer
from tests.support.catalog import product_with_option, slot
from worker import build_worker


def booking_body(slot, pax=2, status="on_hold", **overrides):
    body = {
        "currency": "EUR",
        "status": status,
        "buyer": {"name": "Ana Lima", "email": "ana@example.com", "person_id": "pers_1"},
        "travellers": [
            {"first_name": f"T{n}", "last_name": "Lima", "is_lead": n == 0} for n in range(pax)
        ],
        "items": [
            {
                "kind": "unit",
                "description": "Adult",
                "sell_amount_minor": 4500,
                "sell_currency": "EUR",
                "cost_amount_minor": 2000,
                "product_id": slot.product_id,
                "option_id": slot.option_id,
                "slot_id": slot.id,
                "pax": pax,
                "quantity": pax,
            }
        ],
        "origin": {"kind": "direct"},
    }
    body.update(overrides)
    return body


async def test_a_booking_lives_its_life_through_the_api(http, make_key, session_factory):
    h = bearer(await make_key("bookings:read", "bookings:write", "operations:read"))
    _, option = await product_with_option(session_factory)
    s = await slot(session_factory, option, capacity=5)
    r = await http.post("/v1/bookings", headers=h, json=booking_body(s, pax=2))
    assert r.status_code == 201, r.text
    b = r.json()
    assert (b["status"], b["sell_total_minor"], len(b["travellers"]), len(b["allocations"])) == (
        "on_hold",
        9000,
        2,
        1,
    )
    assert (
        b["hold_expires_at"] and b["origin"]["kind"] == "direct" and b["number"].startswith("TF-")
    )
    bid = b["id"]
    item = await http.post(
        f"/v1/bookings/{bid}/items",
        headers=h,
        json={
            "kind": "unit",
            "description": "Child",
            "sell_amount_minor": 2000,
            "sell_currency": "EUR",
            "slot_id": s.id,
            "pax": 1,
        },
    )
    assert item.status_code == 201
    assert (await http.get(f"/v1/availability/slots/{s.id}", headers=h)).json()[
        "capacity_remaining"
    ] == 2
    confirmed = (await http.post(f"/v1/bookings/{bid}/confirm", headers=h)).json()
    assert confirmed["status"] == "confirmed" and confirmed["hold_expires_at"] is None
    assert {a["status"] for a in confirmed["allocations"]} == {"confirmed"}
    assert confirmed["sell_total_minor"] == 11000
    for verb, status in (("start", "in_progress"), ("complete", "completed")):
        assert (await http.post(f"/v1/bookings/{bid}/{verb}", headers=h)).json()["status"] == status
    again = await http.post(f"/v1/bookings/{bid}/cancel", headers=h)
    assert (again.status_code, again.json()["code"]) == (409, "invalid_transition")
    assert again.json()["details"]["from"] == "completed"


async def test_the_101st_seat_is_a_409_and_writes_nothing(http, make_key, session_factory):
    h = bearer(await make_key("bookings:*"))
    _, option = await product_with_option(session_factory)
    s = await slot(session_factory, option, capacity=1)
    assert (
        await http.post("/v1/bookings", headers=h, json=booking_body(s, pax=1))
    ).status_code == 201
    r = await http.post("/v1/bookings", headers=h, json=booking_body(s, pax=1))
    assert (r.status_code, r.json()["code"]) == (409, "slot_sold_out")
    assert len((await http.get("/v1/bookings", headers=h)).json()) == 1


async def test_override_needs_its_own_scope_and_a_reason(http, make_key, session_factory):
    _, option = await product_with_option(session_factory)
    s = await slot(session_factory, option, capacity=3)
    writer = bearer(await make_key("bookings:read", "bookings:write"))
    bid = (
        await http.post(
            "/v1/bookings", headers=writer, json=booking_body(s, pax=1, status="confirmed")
        )
    ).json()["id"]
    r = await http.post(
        f"/v1/bookings/{bid}/override", headers=writer, json={"status": "draft", "reason": "rebook"}
    )
    assert (r.status_code, r.json()["code"]) == (403, "missing_scope")
    admin = bearer(await make_key("bookings:*"))
    r = await http.post(f"/v1/bookings/{bid}/override", headers=admin, json={"status": "draft"})
    assert r.status_code == 422
    r = await http.post(
        f"/v1/bookings/{bid}/override",
        headers=admin,
        json={"status": "cancelled", "reason": "fraud check failed"},
    )
    assert r.status_code == 200 and r.json()["status"] == "cancelled" and r.json()["cancelled_at"]


async def test_bad_booking_requests_get_clear_codes(http, make_key, session_factory):
    h = bearer(await make_key("bookings:*"))
    _, option = await product_with_option(session_factory)
    s = await slot(session_factory, option, capacity=3)
    cases = [
        (booking_body(s, currency="EURO"), 422, "validation_error"),
        (booking_body(s, currency="usd"), 400, "invalid_currency"),
        (booking_body(s, status="completed"), 422, "validation_error"),
        (
            {
                **booking_body(s),
                "items": [
                    {**booking_body(s)["items"][0], "slot_id": "book_01h455vb4pex5vsknk084sn02q"}
                ],
            },
            400,
            "invalid_id",
        ),
        (
            {
                **booking_body(s),
                "items": [
                    {**booking_body(s)["items"][0], "slot_id": "avsl_01h455vb4pex5vsknk084sn02q"}
                ],
            },
            404,
            "slot_not_found",
        ),
        (
            {**booking_body(s), "items": [{**booking_body(s)["items"][0], "sell_currency": "USD"}]},
            400,
            "currency_mismatch",
        ),
    ]
    for body, status, code in cases:
        r = await http.post("/v1/bookings", headers=h, json=body)
        assert (r.status_code, r.json()["code"]) == (status, code), body
    assert (await http.get("/v1/bookings/book_01h455vb4pex5vsknk084sn02q", headers=h)).json()[
        "code"
    ] == "booking_not_found"
    r = await http.post("/v1/bookings/book_01h455vb4pex5vsknk084sn02q/confirm", headers=h)
    assert (r.status_code, r.json()["code"]) == (404, "booking_not_found")
    assert (
        await http.get("/v1/bookings", headers=bearer(await make_key("operations:read")))
    ).status_code == 403


async def test_extending_a_hold_reaches_the_running_hold_workflow(
    http, make_key, session_factory, temporal_client, task_queue
):
    h = bearer(await make_key("bookings:*"))
    _, option = await product_with_option(session_factory)
    s = await slot(session_factory, option, capacity=3)
    async with build_worker(temporal_client, session_factory, task_queue=task_queue):
        b = (
            await http.post(
                "/v1/bookings", headers=h, json=booking_body(s, pax=1, hold_ttl_seconds=2)
            )
        ).json()
        handle = temporal_client.get_workflow_handle(f"booking-hold:{b['id']}")
        assert (await handle.describe()).status.name == "RUNNING"
        ext = await http.post(
            f"/v1/bookings/{b['id']}/hold/extend", headers=h, json={"ttl_seconds": 600}
        )
        assert ext.status_code == 200 and ext.json()["hold_expires_at"] > b["hold_expires_at"]
        await asyncio.sleep(3)  # past the original expiry
        assert (await http.get(f"/v1/bookings/{b['id']}", headers=h)).json()["status"] == "on_hold"
        await http.post(f"/v1/bookings/{b['id']}/cancel", headers=h)
        result = await asyncio.wait_for(handle.result(), timeout=20)
    assert result["status"] == "cancelled"
    _ = uuid


async def test_traveller_routes_mask_names_and_contacts_without_pii_reveal(
    http, make_key, session_factory
):
    _, option = await product_with_option(session_factory)
    s = await slot(session_factory, option, capacity=3)
    h = bearer(await make_key("bookings:read", "bookings:write"))
    bid = (await http.post("/v1/bookings", headers=h, json=booking_body(s, pax=1))).json()["id"]
    body = {
        "first_name": "Joana",
        "last_name": "Pereira",
        "email": "joana@example.com",
        "phone": "+351911111111",
    }
    masked = (await http.post(f"/v1/bookings/{bid}/travellers", headers=h, json=body)).json()
    assert (
        "Joana" not in str(masked)
        and "joana@example.com" not in str(masked)
        and "911111111" not in str(masked)
    )
    revealer = bearer(await make_key("bookings:read", "bookings:write", "pii:reveal"))
    shown = (
        await http.patch(
            f"/v1/bookings/{bid}/travellers/{masked['id']}",
            headers=revealer,
            json={"last_name": "Pereira-Silva"},
        )
    ).json()
    assert (shown["first_name"], shown["last_name"], shown["email"]) == (
        "Joana",
        "Pereira-Silva",
        "joana@example.com",
    )
