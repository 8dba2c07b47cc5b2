import asyncio

import pytest

from domain.ids import new_id
from tests.api.conftest import bearer
from tests.support.resources import in_days


@pytest.fixture
async def writer(make_key):
    return bearer(await make_key("operations:*"))


def hold_body(**overrides):
    body = {
        "kind": "room",
        "program_id": "prog_summit",
        "description": "Four Seasons Nile Plaza, run of house",
        "status": "held",
        "dates": [{"date": "2026-10-10", "quantity": 5}, {"date": "2026-10-11", "quantity": 3}],
    }
    body.update(overrides)
    return body


async def place(http, headers, **overrides):
    r = await http.post("/v1/resources/holds", json=hold_body(**overrides), headers=headers)
    assert r.status_code == 201, r.text
    return r.json()


def pickup_url(hold, day="2026-10-10"):
    return f"/v1/resources/holds/{hold['id']}/dates/{day}/pickups"


async def test_a_placed_hold_shows_its_dates_with_what_remains(http, writer):
    hold = await place(http, writer)
    assert hold["id"].startswith("rhld_") and hold["status"] == "held"
    assert hold["dates"] == [
        {"date": "2026-10-10", "held": 5, "picked_up": 0, "released": 0, "remaining": 5},
        {"date": "2026-10-11", "held": 3, "picked_up": 0, "released": 0, "remaining": 3},
    ]
    r = await http.get(f"/v1/resources/holds/{hold['id']}", headers=writer)
    assert r.json() == hold
    r = await http.get("/v1/resources/holds?program_id=prog_summit&status=held", headers=writer)
    assert [h["id"] for h in r.json()] == [hold["id"]]


async def test_a_hold_goes_from_inquiry_to_held_to_confirmed_to_released(http, writer):
    hold = await place(http, writer, status="inquiry")
    base = f"/v1/resources/holds/{hold['id']}"
    cutoff = in_days(7).isoformat()
    r = await http.post(f"{base}/hold", json={"cutoff_at": cutoff}, headers=writer)
    assert (r.status_code, r.json()["status"]) == (200, "held")
    assert r.json()["cutoff_at"] is not None
    assert (await http.post(f"{base}/confirm", headers=writer)).json()["status"] == "confirmed"
    await http.post(pickup_url(hold), json={"session_key": "a", "quantity": 2}, headers=writer)
    r = await http.post(f"{base}/release", headers=writer)
    assert r.json()["status"] == "released"
    assert [(d["picked_up"], d["released"], d["remaining"]) for d in r.json()["dates"]] == [
        (2, 3, 0),
        (0, 3, 0),
    ]


async def test_an_invalid_transition_is_409_naming_from_and_to(http, writer):
    hold = await place(http, writer, status="inquiry")
    r = await http.post(f"/v1/resources/holds/{hold['id']}/confirm", headers=writer)
    assert r.status_code == 409
    assert (r.json()["code"], r.json()["details"]) == (
        "invalid_transition",
        {"from": "inquiry", "to": "confirmed"},
    )


async def test_a_pickup_is_capped_by_what_remains_and_a_retry_answers_the_same(http, writer):
    hold = await place(http, writer)
    r = await http.post(pickup_url(hold), json={"session_key": "s1", "quantity": 4}, headers=writer)
    assert (r.status_code, r.json()["remaining_after"], r.json()["replayed"]) == (201, 1, False)
    again = await http.post(
        pickup_url(hold), json={"session_key": "s1", "quantity": 4}, headers=writer
    )
    assert again.status_code == 200
    assert {**again.json(), "replayed": False} == r.json()
    r = await http.post(pickup_url(hold), json={"session_key": "s2", "quantity": 2}, headers=writer)
    assert r.status_code == 400
    assert (r.json()["code"], r.json()["details"]) == (
        "pickup_exceeds_remaining",
        {"remaining": 1, "requested": 2},
    )
    got = (await http.get(f"/v1/resources/holds/{hold['id']}", headers=writer)).json()
    assert got["dates"][0]["picked_up"] == 4


async def test_concurrent_pickups_over_http_never_exceed_what_was_held(http, writer):
    hold = await place(http, writer)
    responses = await asyncio.gather(
        *(
            http.post(
                pickup_url(hold), json={"session_key": f"k{n}", "quantity": 1}, headers=writer
            )
            for n in range(9)
        )
    )
    assert sorted(r.status_code for r in responses) == [201] * 5 + [400] * 4
    got = (await http.get(f"/v1/resources/holds/{hold['id']}", headers=writer)).json()
    assert got["dates"][0]["remaining"] == 0


@pytest.mark.parametrize(
    ("overrides", "status", "code"),
    [
        ({"kind": "tent"}, 422, "validation_error"),
        ({"dates": []}, 422, "validation_error"),
        ({"dates": [{"date": "2026-10-10", "quantity": -1}]}, 422, "validation_error"),
        ({"dates": [{"date": "2026-10-10", "quantity": 10**12}]}, 422, "validation_error"),
        ({"cutoff_at": "2026-12-01T00:00:00"}, 422, "validation_error"),
        ({"description": None}, 400, "hold_needs_resource"),
        (
            {
                "dates": [
                    {"date": "2026-10-10", "quantity": 1},
                    {"date": "2026-10-10", "quantity": 2},
                ]
            },
            400,
            "duplicate_hold_date",
        ),
        ({"resource_id": new_id("gveh")}, 400, "invalid_id"),
        ({"resource_id": new_id("res")}, 404, "resource_not_found"),
        ({"status": "confirmed"}, 422, "validation_error"),
    ],
)
async def test_a_bad_hold_is_refused_with_a_stable_code_and_leaves_nothing(
    http, writer, overrides, status, code
):
    program = f"prog_{new_id('x')[-8:]}"
    r = await http.post(
        "/v1/resources/holds", json=hold_body(program_id=program, **overrides), headers=writer
    )
    assert (r.status_code, r.json()["code"]) == (status, code)
    listed = await http.get(f"/v1/resources/holds?program_id={program}", headers=writer)
    assert listed.json() == []


@pytest.mark.parametrize(
    ("url", "status", "code"),
    [
        ("/v1/resources/holds/{hold}/dates/2026-10-12/pickups", 404, "hold_date_not_found"),
        ("/v1/resources/holds/{hold}/dates/not-a-date/pickups", 422, "validation_error"),
        ("/v1/resources/holds/{other}/dates/2026-10-10/pickups", 404, "hold_not_found"),
        (
            "/v1/resources/holds/res_01h455vb4pex5vsknk084sn02q/dates/2026-10-10/pickups",
            400,
            "invalid_id",
        ),
    ],
)
async def test_a_pickup_on_an_unknown_hold_or_date_is_refused(http, writer, url, status, code):
    hold = await place(http, writer)
    r = await http.post(
        url.format(hold=hold["id"], other=new_id("rhld"), wrong=new_id("res")),
        json={"session_key": "s", "quantity": 1},
        headers=writer,
    )
    assert (r.status_code, r.json()["code"]) == (status, code)


async def test_a_hold_with_a_cutoff_records_the_workflow_intent(http, writer, make_key):
    hold = await place(http, writer, cutoff_at=in_days(4).isoformat())
    ops = bearer(await make_key("ops:read"))
    intents = (await http.get("/v1/ops/intents", headers=ops)).json()
    assert f"resource-hold-cutoff:{hold['id']}" in [i["workflow_id"] for i in intents]


async def test_setting_a_second_cutoff_is_409(http, writer):
    hold = await place(http, writer, status="inquiry", cutoff_at=in_days(4).isoformat())
    r = await http.post(
        f"/v1/resources/holds/{hold['id']}/hold",
        json={"cutoff_at": in_days(9).isoformat()},
        headers=writer,
    )
    assert (r.status_code, r.json()["code"]) == (409, "cutoff_already_set")
    got = (await http.get(f"/v1/resources/holds/{hold['id']}", headers=writer)).json()
    assert got["status"] == "inquiry"
