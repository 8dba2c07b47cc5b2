import asyncio
from datetime import UTC, datetime, timedelta

import pytest

from domain.ids import new_id
from tests.api.conftest import bearer
from tests.support import resources as make
from tests.support.resources import JUNE_1


@pytest.fixture
async def writer(make_key):
    return bearer(await make_key("operations:write", "operations:read"))


async def post_resource(http, headers, **overrides):
    body = {"name": make.unique("Guide"), "type": "guide", **overrides}
    r = await http.post("/v1/resources", json=body, headers=headers)
    assert r.status_code == 201, r.text
    return r.json()


async def post_pool(http, headers, *members, **overrides):
    body = {"name": make.unique("Guides"), "resource_type": "guide", **overrides}
    r = await http.post("/v1/resources/pools", json=body, headers=headers)
    assert r.status_code == 201, r.text
    for member in members:
        added = await http.post(
            f"/v1/resources/pools/{r.json()['id']}/members",
            json={"resource_id": member["id"]},
            headers=headers,
        )
        assert added.status_code == 201, added.text
    return r.json()


async def test_resources_and_pools_are_created_read_and_listed(http, writer):
    guide = await post_resource(http, writer, name="Amira")
    pool = await post_pool(http, writer, guide, timezone="Africa/Cairo")
    assert guide["id"].startswith("res_") and pool["id"].startswith("rpool_")
    r = await http.get(f"/v1/resources/{guide['id']}", headers=writer)
    assert (r.status_code, r.json()["name"]) == (200, "Amira")
    r = await http.get(f"/v1/resources/pools/{pool['id']}/members", headers=writer)
    assert [m["id"] for m in r.json()] == [guide["id"]]
    r = await http.get("/v1/resources?type=guide", headers=writer)
    assert guide["id"] in [x["id"] for x in r.json()]


async def test_reading_needs_operations_read_and_writing_operations_write(http, make_key):
    reader = bearer(await make_key("operations:read"))
    assert (await http.get("/v1/resources", headers=reader)).status_code == 200
    r = await http.post("/v1/resources", json={"name": "X", "type": "guide"}, headers=reader)
    assert (r.status_code, r.json()["details"]) == (403, {"scope": "operations:write"})
    other = bearer(await make_key("bookings:read"))
    r = await http.get("/v1/resources/pools", headers=other)
    assert (r.status_code, r.json()["code"]) == (403, "missing_scope")


@pytest.mark.parametrize(
    "path",
    ["/v1/resources/{wrong}", "/v1/resources/pools/{wrong}", "/v1/resources/{wrong}/closeouts"],
)
async def test_a_wrong_kind_of_id_is_400_and_an_unknown_one_404(http, writer, path):
    r = await http.get(path.format(wrong=new_id("book")), headers=writer)
    assert (r.status_code, r.json()["code"]) == (400, "invalid_id")
    right = new_id("rpool" if "pools" in path else "res")
    r = await http.get(path.format(wrong=right), headers=writer)
    assert r.status_code == 404
    assert r.json()["code"] in {"resource_not_found", "pool_not_found"}


@pytest.mark.parametrize(
    "body",
    [{"name": "", "type": "guide"}, {"name": "X", "type": "Not A Type"}, {"name": "X"}, []],
)
async def test_a_malformed_resource_is_422(http, writer, body):
    r = await http.post("/v1/resources", json=body, headers=writer)
    assert (r.status_code, r.json()["code"]) == (422, "validation_error")


async def test_a_pool_in_an_unknown_time_zone_is_400_and_is_not_created(http, writer):
    before = len((await http.get("/v1/resources/pools", headers=writer)).json())
    r = await http.post(
        "/v1/resources/pools", json={"name": "X", "timezone": "Mars/Base"}, headers=writer
    )
    assert (r.status_code, r.json()["code"]) == (400, "invalid_timezone")
    assert len((await http.get("/v1/resources/pools", headers=writer)).json()) == before


async def test_adding_a_member_twice_is_409_and_a_driver_does_not_join_a_guide_pool(http, writer):
    guide, driver = (
        await post_resource(http, writer),
        await post_resource(http, writer, type="driver"),
    )
    pool = await post_pool(http, writer, guide)
    url = f"/v1/resources/pools/{pool['id']}/members"
    r = await http.post(url, json={"resource_id": guide["id"]}, headers=writer)
    assert (r.status_code, r.json()["code"]) == (409, "pool_member_exists")
    r = await http.post(url, json={"resource_id": driver["id"]}, headers=writer)
    assert (r.status_code, r.json()["code"]) == (400, "resource_type_mismatch")
    r = await http.delete(f"{url}/{guide['id']}", headers=writer)
    assert r.status_code == 204
    r = await http.delete(f"{url}/{guide['id']}", headers=writer)
    assert (r.status_code, r.json()["code"]) == (404, "pool_member_not_found")


async def test_assigning_a_guide_twice_at_once_is_a_409_double_booking(
    http, writer, session_factory
):
    guide = await post_resource(http, writer)
    first = await make.slot(session_factory)
    second = await make.slot(session_factory, starts_at=JUNE_1 + timedelta(minutes=30))
    r = await http.post(
        "/v1/resources/assignments",
        json={"resource_id": guide["id"], "slot_id": first.id},
        headers=writer,
    )
    assert r.status_code == 201
    assert r.json()["starts_at"] == "2026-06-01T07:00:00Z"
    r = await http.post(
        "/v1/resources/assignments",
        json={"resource_id": guide["id"], "slot_id": second.id},
        headers=writer,
    )
    assert (r.status_code, r.json()["code"]) == (409, "resource_double_booked")
    r = await http.get(f"/v1/resources/{guide['id']}/assignments", headers=writer)
    assert [a["slot_id"] for a in r.json()] == [first.id]


async def test_concurrent_requests_to_assign_one_guide_yield_one_201_and_409s(
    http, writer, session_factory
):
    guide = await post_resource(http, writer)
    slots = [
        await make.slot(session_factory, starts_at=JUNE_1 + timedelta(minutes=5 * n))
        for n in range(6)
    ]
    responses = await asyncio.gather(
        *(
            http.post(
                "/v1/resources/assignments",
                json={"resource_id": guide["id"], "slot_id": slot.id},
                headers=writer,
            )
            for slot in slots
        )
    )
    assert sorted(r.status_code for r in responses) == [201] + [409] * 5


async def test_closeouts_block_assignments_and_may_not_overlap(http, writer, session_factory):
    guide = await post_resource(http, writer)
    url = f"/v1/resources/{guide['id']}/closeouts"
    leave = {"starts_at": "2026-06-01T00:00:00Z", "ends_at": "2026-06-03T00:00:00Z"}
    r = await http.post(url, json={**leave, "reason": "leave"}, headers=writer)
    assert (r.status_code, r.json()["id"][:5]) == (201, "rclo_")
    r = await http.post(url, json={**leave, "starts_at": "2026-06-02T00:00:00Z"}, headers=writer)
    assert (r.status_code, r.json()["code"]) == (409, "closeout_overlaps")
    slot = await make.slot(session_factory)
    r = await http.post(
        "/v1/resources/assignments",
        json={"resource_id": guide["id"], "slot_id": slot.id},
        headers=writer,
    )
    assert (r.status_code, r.json()["code"]) == (409, "resource_closed")


@pytest.mark.parametrize(
    ("body", "status", "code"),
    [
        (
            {"starts_at": "2026-06-02T00:00:00Z", "ends_at": "2026-06-01T00:00:00Z"},
            400,
            "invalid_interval",
        ),
        (
            {"starts_at": "2026-06-01T00:00:00", "ends_at": "2026-06-02T00:00:00Z"},
            422,
            "validation_error",
        ),
        ({"starts_at": "soon"}, 422, "validation_error"),
    ],
)
async def test_a_bad_closeout_is_refused(http, writer, body, status, code):
    guide = await post_resource(http, writer)
    r = await http.post(f"/v1/resources/{guide['id']}/closeouts", json=body, headers=writer)
    assert (r.status_code, r.json()["code"]) == (status, code)


async def test_the_free_endpoint_lists_the_pools_guides_free_on_a_local_date(
    http, writer, session_factory
):
    busy, free = (
        await post_resource(http, writer, name="A"),
        await post_resource(http, writer, name="B"),
    )
    pool = await post_pool(http, writer, busy, free, timezone="Africa/Cairo")
    slot = await make.slot(session_factory)
    await http.post(
        "/v1/resources/assignments",
        json={"resource_id": busy["id"], "slot_id": slot.id},
        headers=writer,
    )
    r = await http.get(f"/v1/resources/pools/{pool['id']}/free?date=2026-06-01", headers=writer)
    assert r.status_code == 200
    body = r.json()
    assert [g["id"] for g in body["resources"]] == [free["id"]]
    assert (body["timezone"], body["starts_at"]) == ("Africa/Cairo", "2026-05-31T21:00:00Z")
    r = await http.get(
        f"/v1/resources/pools/{pool['id']}/free?date=2026-06-02&tz=UTC", headers=writer
    )
    assert [g["id"] for g in r.json()["resources"]] == [busy["id"], free["id"]]


@pytest.mark.parametrize(
    ("query", "status", "code"),
    [
        ("date=2026-13-01", 422, "validation_error"),
        ("", 422, "validation_error"),
        ("date=2026-06-01&tz=Nowhere/Land", 400, "invalid_timezone"),
        ("date=9999-12-31", 400, "invalid_date"),
    ],
)
async def test_a_bad_free_query_is_refused_without_a_500(http, writer, query, status, code):
    pool = await post_pool(http, writer)
    r = await http.get(f"/v1/resources/pools/{pool['id']}/free?{query}", headers=writer)
    assert (r.status_code, r.json()["code"]) == (status, code)


async def test_requirements_link_an_option_to_a_pool_once(http, writer, session_factory):
    option = await make.option(session_factory)
    pool = await post_pool(http, writer)
    body = {"option_id": option.id, "pool_id": pool["id"], "quantity": 2}
    r = await http.post("/v1/resources/requirements", json=body, headers=writer)
    assert (r.status_code, r.json()["id"][:5]) == (201, "rreq_")
    r = await http.post("/v1/resources/requirements", json=body, headers=writer)
    assert (r.status_code, r.json()["code"]) == (409, "requirement_exists")
    r = await http.post(
        "/v1/resources/requirements",
        json={**body, "option_id": new_id("popt")},
        headers=writer,
    )
    assert (r.status_code, r.json()["code"]) == (404, "product_option_not_found")
    r = await http.get(f"/v1/resources/requirements?option_id={option.id}", headers=writer)
    assert [x["quantity"] for x in r.json()] == [2]


async def test_unassigning_removes_the_assignment_and_frees_the_guide(
    http, writer, session_factory
):
    guide = await post_resource(http, writer)
    slot = await make.slot(session_factory, starts_at=datetime(2026, 7, 1, 8, tzinfo=UTC))
    r = await http.post(
        "/v1/resources/assignments",
        json={"resource_id": guide["id"], "slot_id": slot.id},
        headers=writer,
    )
    url = f"/v1/resources/assignments/{r.json()['id']}"
    assert (await http.delete(url, headers=writer)).status_code == 204
    r = await http.delete(url, headers=writer)
    assert (r.status_code, r.json()["code"]) == (404, "assignment_not_found")
    r = await http.get(f"/v1/resources/assignments?slot_id={slot.id}", headers=writer)
    assert r.json() == []
