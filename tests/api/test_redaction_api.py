import uuid

import pytest

from domain.bookings import service
from tests.api.conftest import bearer
from tests.support.bookings import book

BUYER = {"name": "Grace Hopper", "email": "grace@navy.example.mil", "phone": "+1 202 555 0147"}
TRAVELLER = {
    "first_name": "Alan",
    "last_name": "Turing",
    "email": "alan@bletchley.example.uk",
    "phone": "+44 1908 640404",
}


async def create(http, key, **overrides):
    body = {
        "currency": "EUR",
        "status": "draft",
        "external_ref": uuid.uuid4().hex,
        "buyer": BUYER,
        "travellers": [TRAVELLER],
        **overrides,
    }
    r = await http.post("/v1/bookings", json=body, headers=bearer(key))
    assert r.status_code == 201, r.text
    return r


async def held_booking_id(session_factory):
    spec = service.BookingSpec(
        currency="EUR",
        status="on_hold",
        buyer={"name": BUYER["name"], "email": BUYER["email"]},
        travellers=[
            service.TravellerSpec(
                first_name=TRAVELLER["first_name"],
                last_name=TRAVELLER["last_name"],
                email=TRAVELLER["email"],
                phone=TRAVELLER["phone"],
            )
        ],
    )
    return (await book(session_factory, spec)).id  # intent left pending: no workflow to wake


ROUTES = ["create", "list", "get", "confirm", "override", "extend_hold"]


async def call(route, http, key, session_factory, reveal_key):
    """Call one bookings route as `key`; returns the booking JSON it answers with."""
    if route == "create":
        return (await create(http, key)).json()
    if route == "extend_hold":
        booking_id = await held_booking_id(session_factory)
        r = await http.post(
            f"/v1/bookings/{booking_id}/hold/extend", json={"ttl_seconds": 600}, headers=bearer(key)
        )
        assert r.status_code == 200, r.text
        return r.json()
    booking = (await create(http, reveal_key)).json()
    if route == "list":
        r = await http.get("/v1/bookings", params={"limit": 200}, headers=bearer(key))
        return next(b for b in r.json() if b["id"] == booking["id"])
    if route == "get":
        r = await http.get(f"/v1/bookings/{booking['id']}", headers=bearer(key))
    elif route == "confirm":
        r = await http.post(f"/v1/bookings/{booking['id']}/confirm", headers=bearer(key))
    else:
        r = await http.post(
            f"/v1/bookings/{booking['id']}/override",
            json={"status": "cancelled", "reason": "customer request"},
            headers=bearer(key),
        )
    assert r.status_code == 200, r.text
    return r.json()


@pytest.fixture
async def reveal_key(make_key):
    return await make_key("bookings:*", "pii:reveal", name="revealer")


@pytest.mark.parametrize("route", ROUTES)
async def test_without_pii_reveal_contacts_and_travellers_are_masked(
    route, http, make_key, session_factory, reveal_key
):
    key = await make_key("bookings:*", "pii:read", name="plain")
    booking = await call(route, http, key, session_factory, reveal_key)
    assert (booking["buyer_name"], booking["buyer_email"]) == ("G***", "g***@***.mil")
    for traveller in booking["travellers"]:
        assert (traveller["first_name"], traveller["last_name"]) == ("A***", "T***")
        assert (traveller["email"], traveller["phone"]) == ("a***@***.uk", "***04")
    if route not in ("list",):
        assert len(booking["travellers"]) == 1


@pytest.mark.parametrize("route", ROUTES)
@pytest.mark.parametrize("who", ["reveal", "workflow"])
async def test_reveal_scope_and_workflows_see_contacts_in_full(
    route, who, http, make_key, session_factory, reveal_key
):
    key = reveal_key if who == "reveal" else await make_key("bookings:*", kind="workflow")
    booking = await call(route, http, key, session_factory, reveal_key)
    assert (booking["buyer_name"], booking["buyer_email"]) == (BUYER["name"], BUYER["email"])
    for traveller in booking["travellers"]:
        assert {k: traveller[k] for k in TRAVELLER} == TRAVELLER
