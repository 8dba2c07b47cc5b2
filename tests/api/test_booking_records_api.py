import pytest

from domain.ids import new_id
from tests.api.conftest import bearer
from tests.support.fulfillment import booked


@pytest.fixture
async def staff(make_key):
    return bearer(await make_key("bookings:read", "bookings:write"))


@pytest.fixture
async def reader(make_key):
    return bearer(await make_key("bookings:read"))


def url(booking, *rest):
    return "/".join([f"/v1/bookings/{booking.id}", *rest])


async def test_notes_are_added_and_listed_newest_first_without_touching_the_booking(
    http, staff, session_factory
):
    booking, _ = await booked(session_factory)
    before = (await http.get(url(booking), headers=staff)).json()
    for body, visibility in [("Vegetarian", "internal"), ("See you at 9", "customer")]:
        r = await http.post(
            url(booking, "notes"), json={"body": body, "visibility": visibility}, headers=staff
        )
        assert r.status_code == 201, r.text
        assert r.json()["id"].startswith("bnot_") and r.json()["author_id"].startswith("prin_")
    r = await http.get(url(booking, "notes"), headers=staff)
    assert [n["body"] for n in r.json()] == ["See you at 9", "Vegetarian"]
    r = await http.get(url(booking, "notes") + "?visibility=customer", headers=staff)
    assert [n["body"] for n in r.json()] == ["See you at 9"]
    assert (await http.get(url(booking), headers=staff)).json() == before


async def test_the_activity_log_reads_newest_first_with_actor_reason_and_details(
    http, staff, session_factory
):
    booking, item = await booked(session_factory)
    r = await http.post(
        url(booking, "fulfillments"),
        json={"item_id": item.id, "delivery_channel": "email"},
        headers=staff,
    )
    fulfillment = r.json()
    await http.post(
        url(booking, "fulfillments", fulfillment["id"], "revoke"),
        json={"reason": "sent to the wrong address"},
        headers=staff,
    )
    r = await http.get(url(booking, "activity"), headers=staff)
    assert r.status_code == 200
    log = r.json()
    assert [a["action"] for a in log] == [
        "fulfillment_revoked",
        "fulfillment_issued",
        "status:confirmed",
        "created",
    ]
    assert log[0]["reason"] == "sent to the wrong address"
    assert log[0]["details"] == {"fulfillment_id": fulfillment["id"]}
    assert log[0]["actor_id"].startswith("prin_") and log[0]["created_at"]
    r = await http.get(url(booking, "activity") + "?limit=1", headers=staff)
    assert [a["action"] for a in r.json()] == ["fulfillment_revoked"]


async def test_a_supplier_request_is_confirmed_and_cannot_then_be_declined(
    http, staff, session_factory
):
    booking, item = await booked(session_factory)
    r = await http.post(
        url(booking, "supplier-statuses"),
        json={
            "item_id": item.id,
            "supplier_ref": "NILE-CRUISES",
            "respond_by": "2026-05-01T12:00:00Z",
        },
        headers=staff,
    )
    assert r.status_code == 201, r.text
    asked = r.json()
    assert asked["id"].startswith("bkss_") and asked["status"] == "requested"
    base = url(booking, "supplier-statuses", asked["id"])
    r = await http.post(f"{base}/confirm", json={"confirmation_ref": "NC-123"}, headers=staff)
    assert (r.status_code, r.json()["status"], r.json()["confirmation_ref"]) == (
        200,
        "confirmed",
        "NC-123",
    )
    r = await http.post(f"{base}/decline", json={"reason": "oops"}, headers=staff)
    assert (r.status_code, r.json()["code"], r.json()["details"]) == (
        409,
        "invalid_transition",
        {"from": "confirmed", "to": "declined"},
    )
    r = await http.get(url(booking, "supplier-statuses"), headers=staff)
    assert [(s["supplier_ref"], s["status"]) for s in r.json()] == [("NILE-CRUISES", "confirmed")]


async def test_a_supplier_request_can_be_declined_or_called_off_without_a_body(
    http, staff, session_factory
):
    booking, item = await booked(session_factory)
    outcomes = []
    for ref, verb in [("A", "decline"), ("B", "cancel")]:
        r = await http.post(
            url(booking, "supplier-statuses"),
            json={"item_id": item.id, "supplier_ref": ref},
            headers=staff,
        )
        r = await http.post(url(booking, "supplier-statuses", r.json()["id"], verb), headers=staff)
        outcomes.append((r.status_code, r.json()["status"], r.json()["responded_at"] is None))
    assert outcomes == [(200, "declined", False), (200, "cancelled", True)]


async def test_asking_a_supplier_twice_is_409_and_a_naive_deadline_is_422(
    http, staff, session_factory
):
    booking, item = await booked(session_factory)
    body = {"item_id": item.id, "supplier_ref": "S"}
    assert (
        await http.post(url(booking, "supplier-statuses"), json=body, headers=staff)
    ).status_code == 201
    r = await http.post(url(booking, "supplier-statuses"), json=body, headers=staff)
    assert (r.status_code, r.json()["code"]) == (409, "supplier_status_exists")
    r = await http.post(
        url(booking, "supplier-statuses"),
        json={**body, "supplier_ref": "T", "respond_by": "2026-05-01T12:00:00"},
        headers=staff,
    )
    assert (r.status_code, r.json()["code"]) == (422, "validation_error")


async def test_a_confirmation_without_a_reference_is_422(http, staff, session_factory):
    booking, item = await booked(session_factory)
    r = await http.post(
        url(booking, "supplier-statuses"),
        json={"item_id": item.id, "supplier_ref": "S"},
        headers=staff,
    )
    r = await http.post(
        url(booking, "supplier-statuses", r.json()["id"], "confirm"), json={}, headers=staff
    )
    assert (r.status_code, r.json()["code"]) == (422, "validation_error")


@pytest.mark.parametrize(
    ("method", "path", "body", "status", "code"),
    [
        ("GET", "/v1/bookings/bkfl_01h455vb4pex5vsknk084sn02q/notes", None, 400, "invalid_id"),
        ("GET", "/v1/bookings/{other}/activity", None, 404, "booking_not_found"),
        ("POST", "/v1/bookings/{other}/notes", {"body": "x"}, 404, "booking_not_found"),
        ("POST", "{b}/notes", {"body": "   "}, 422, "validation_error"),
        ("POST", "{b}/notes", {"body": "x", "visibility": "public"}, 422, "validation_error"),
        (
            "POST",
            "{b}/supplier-statuses",
            {"item_id": "nope", "supplier_ref": "S"},
            400,
            "invalid_id",
        ),
        (
            "POST",
            "{b}/supplier-statuses",
            {"item_id": "{item}", "supplier_ref": "S"},
            404,
            "booking_item_not_found",
        ),
        ("POST", "{b}/supplier-statuses/{ss}/decline", None, 404, "supplier_status_not_found"),
        ("POST", "{b}/supplier-statuses/bad/decline", None, 400, "invalid_id"),
    ],
)
async def test_bad_ids_are_400_unknown_ones_404_and_bad_payloads_422(
    http, staff, session_factory, method, path, body, status, code
):
    booking, _ = await booked(session_factory)
    fill = {
        "b": f"/v1/bookings/{booking.id}",
        "other": new_id("book"),
        "item": new_id("bkit"),
        "ss": new_id("bkss"),
    }
    path = path.format(**fill)
    if body is not None:
        body = {k: v.format(**fill) for k, v in body.items()}
    r = await http.request(method, path, json=body, headers=staff)
    assert (r.status_code, r.json()["code"]) == (status, code), r.text


async def test_reading_needs_bookings_read_and_writing_needs_bookings_write(
    http, reader, make_key, session_factory
):
    booking, item = await booked(session_factory)
    scanner = bearer(await make_key("fulfillment:redeem"))
    for path in ("notes", "activity", "supplier-statuses"):
        assert (await http.get(url(booking, path), headers=reader)).status_code == 200
        r = await http.get(url(booking, path), headers=scanner)
        assert (r.status_code, r.json()["details"]) == (403, {"scope": "bookings:read"})
    for path, body in [
        ("notes", {"body": "x"}),
        ("supplier-statuses", {"item_id": item.id, "supplier_ref": "S"}),
    ]:
        r = await http.post(url(booking, path), json=body, headers=reader)
        assert (r.status_code, r.json()["details"]) == (403, {"scope": "bookings:write"})
