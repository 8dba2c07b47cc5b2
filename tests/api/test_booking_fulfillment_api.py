import pytest
from sqlalchemy import func, select

from domain.bookings.fulfillment_models import Fulfillment
from domain.bookings.models import BookingActivity
from domain.ids import new_id
from tests.api.conftest import bearer
from tests.support.fulfillment import booked


@pytest.fixture
async def staff(make_key):
    return bearer(await make_key("bookings:read", "bookings:write"))


@pytest.fixture
async def scanner(make_key):
    return bearer(await make_key("fulfillment:redeem", kind="agent", name="gate scanner"))


def url(booking, *rest):
    return "/".join([f"/v1/bookings/{booking.id}", *rest])


async def issue(http, headers, booking, item, **overrides):
    body = {"item_id": item.id, "kind": "ticket", "delivery_channel": "email", **overrides}
    r = await http.post(url(booking, "fulfillments"), json=body, headers=headers)
    assert r.status_code == 201, r.text
    return r.json()


async def test_staff_issue_list_reissue_and_revoke_fulfillments_over_http(
    http, staff, session_factory
):
    booking, item = await booked(session_factory)
    first = await issue(http, staff, booking, item)
    assert first["id"].startswith("bkfl_") and first["status"] == "issued"
    assert (first["kind"], first["delivery_channel"], first["booking_id"]) == (
        "ticket",
        "email",
        booking.id,
    )
    r = await http.post(
        url(booking, "fulfillments", first["id"], "reissue"),
        json={"delivery_channel": "sms", "reason": "new phone"},
        headers=staff,
    )
    assert r.status_code == 201, r.text
    second = r.json()
    assert (second["reissue_of_id"], second["delivery_channel"]) == (first["id"], "sms")
    assert second["code"] != first["code"]
    r = await http.post(
        url(booking, "fulfillments", second["id"], "revoke"),
        json={"reason": "chargeback"},
        headers=staff,
    )
    assert (r.status_code, r.json()["status"], r.json()["revoke_reason"]) == (
        200,
        "revoked",
        "chargeback",
    )
    r = await http.get(url(booking, "fulfillments"), headers=staff)
    assert [(f["id"], f["status"]) for f in r.json()] == [
        (first["id"], "superseded"),
        (second["id"], "revoked"),
    ]
    r = await http.get(url(booking, "fulfillments", first["id"]), headers=staff)
    assert r.json()["status"] == "superseded"


async def test_a_scanner_redeems_once_and_a_retried_scan_answers_200_with_the_same_redemption(
    http, staff, scanner, session_factory
):
    booking, item = await booked(session_factory)
    ticket = await issue(http, staff, booking, item)
    scan = {"code": ticket["code"], "scan_id": "gate-1/0001", "location": "North gate"}
    r = await http.post("/v1/redemptions", json=scan, headers=scanner)
    assert r.status_code == 201, r.text
    first = r.json()
    assert first["id"].startswith("bkrd_") and not first["replayed"]
    assert (first["fulfillment_id"], first["fulfillment_status"], first["booking_id"]) == (
        ticket["id"],
        "redeemed",
        booking.id,
    )
    r = await http.post("/v1/redemptions", json=scan, headers=scanner)
    assert (r.status_code, r.json()["id"], r.json()["replayed"]) == (200, first["id"], True)
    r = await http.post("/v1/redemptions", json={**scan, "scan_id": "gate-2/0001"}, headers=scanner)
    assert (r.status_code, r.json()["code"]) == (409, "already_redeemed")
    r = await http.get(url(booking, "redemptions"), headers=staff)
    assert [x["id"] for x in r.json()] == [first["id"]]
    r = await http.get(url(booking), headers=staff)
    assert [a["status"] for a in r.json()["allocations"]] == ["fulfilled"]


async def test_a_revoked_code_is_not_valid_and_an_unknown_code_is_not_found(
    http, staff, scanner, session_factory
):
    booking, item = await booked(session_factory)
    ticket = await issue(http, staff, booking, item)
    await http.post(
        url(booking, "fulfillments", ticket["id"], "revoke"), json={"reason": "x"}, headers=staff
    )
    r = await http.post(
        "/v1/redemptions", json={"code": ticket["code"], "scan_id": "s1"}, headers=scanner
    )
    assert (r.status_code, r.json()["code"]) == (409, "fulfillment_not_valid")
    r = await http.post("/v1/redemptions", json={"code": "ZZZZ", "scan_id": "s1"}, headers=scanner)
    assert (r.status_code, r.json()["code"]) == (404, "fulfillment_not_found")


async def test_a_scanner_key_can_only_redeem_and_a_staff_key_cannot_redeem(
    http, staff, scanner, session_factory
):
    booking, item = await booked(session_factory)
    ticket = await issue(http, staff, booking, item)
    for method, path, body in [
        ("GET", url(booking, "fulfillments"), None),
        ("POST", url(booking, "fulfillments"), {"item_id": item.id, "delivery_channel": "sms"}),
        ("POST", url(booking, "fulfillments", ticket["id"], "revoke"), {"reason": "x"}),
    ]:
        r = await http.request(method, path, json=body, headers=scanner)
        assert (r.status_code, r.json()["code"]) == (403, "missing_scope"), path
    r = await http.post(
        "/v1/redemptions", json={"code": ticket["code"], "scan_id": "s1"}, headers=staff
    )
    assert (r.status_code, r.json()["details"]) == (403, {"scope": "fulfillment:redeem"})
    r = await http.post("/v1/redemptions", json={"code": ticket["code"], "scan_id": "s1"})
    assert r.status_code == 401


async def test_a_read_only_key_can_list_but_not_issue(http, make_key, staff, session_factory):
    reader = bearer(await make_key("bookings:read"))
    booking, item = await booked(session_factory)
    await issue(http, staff, booking, item)
    assert (await http.get(url(booking, "fulfillments"), headers=reader)).status_code == 200
    r = await http.post(
        url(booking, "fulfillments"),
        json={"item_id": item.id, "delivery_channel": "sms"},
        headers=reader,
    )
    assert (r.status_code, r.json()["details"]) == (403, {"scope": "bookings:write"})


async def test_issuing_for_a_held_booking_is_409_and_leaves_no_trace(http, staff, session_factory):
    booking, item = await booked(session_factory, status="on_hold")
    r = await http.post(
        url(booking, "fulfillments"),
        json={"item_id": item.id, "delivery_channel": "email"},
        headers=staff,
    )
    assert (r.status_code, r.json()["code"]) == (409, "booking_not_fulfillable")
    async with session_factory() as db:
        assert await db.scalar(select(func.count()).select_from(Fulfillment)) == 0
        actions = (
            await db.scalars(
                select(BookingActivity.action).where(BookingActivity.booking_id == booking.id)
            )
        ).all()
    assert "fulfillment_issued" not in actions


@pytest.mark.parametrize(
    ("path", "body", "status", "code"),
    [
        ("/v1/bookings/nope/fulfillments", None, 400, "invalid_id"),
        ("/v1/bookings/{other}/fulfillments", None, 404, "booking_not_found"),
        ("{b}/fulfillments", {"item_id": "bkfl_01h455vb4pex5vsknk084sn02q"}, 400, "invalid_id"),
        ("{b}/fulfillments", {"item_id": "{other_item}"}, 404, "booking_item_not_found"),
        ("{b}/fulfillments/{other_fl}/revoke", {"reason": "x"}, 404, "fulfillment_not_found"),
        (
            "{b}/fulfillments/book_01h455vb4pex5vsknk084sn02q/revoke",
            {"reason": "x"},
            400,
            "invalid_id",
        ),
        ("{b}/fulfillments/{other_fl}/reissue", None, 404, "fulfillment_not_found"),
    ],
)
async def test_bad_ids_are_400_and_unknown_ones_404(
    http, staff, session_factory, path, body, status, code
):
    booking, _ = await booked(session_factory)
    fill = {
        "b": f"/v1/bookings/{booking.id}",
        "other": new_id("book"),
        "other_item": new_id("bkit"),
        "other_fl": new_id("bkfl"),
    }
    path = path.format(**fill)
    if body is not None:
        body = {k: v.format(**fill) for k, v in body.items()}
        body.setdefault("delivery_channel", "email")
    method = "GET" if body is None and path.endswith("fulfillments") else "POST"
    r = await http.request(method, path, json=body, headers=staff)
    assert (r.status_code, r.json()["code"]) == (status, code), r.text


@pytest.mark.parametrize(
    "body",
    [
        {"delivery_channel": "email"},
        {"item_id": "{item}", "delivery_channel": "pigeon"},
        {"item_id": "{item}", "delivery_channel": "email", "kind": "coupon"},
        {"item_id": "{item}", "delivery_channel": ["email", "sms"]},
    ],
)
async def test_a_malformed_issue_payload_is_422(http, staff, session_factory, body):
    booking, item = await booked(session_factory)
    body = {k: v.format(item=item.id) if isinstance(v, str) else v for k, v in body.items()}
    r = await http.post(url(booking, "fulfillments"), json=body, headers=staff)
    assert (r.status_code, r.json()["code"]) == (422, "validation_error")


@pytest.mark.parametrize(
    ("path", "body"),
    [
        ("revoke", {}),
        ("revoke", {"reason": "   "}),
        ("redeem", {"code": "ABC"}),
        ("redeem", {"code": "ABC", "scan_id": "bad\u0000scan"}),
    ],
)
async def test_missing_reasons_and_scan_ids_are_422_never_500(
    http, staff, make_key, session_factory, path, body
):
    booking, item = await booked(session_factory)
    ticket = await issue(http, staff, booking, item)
    if path == "revoke":
        r = await http.post(
            url(booking, "fulfillments", ticket["id"], "revoke"), json=body, headers=staff
        )
    else:
        redeemer = bearer(await make_key("fulfillment:redeem"))
        r = await http.post("/v1/redemptions", json=body, headers=redeemer)
    assert (r.status_code, r.json()["code"]) == (422, "validation_error")
