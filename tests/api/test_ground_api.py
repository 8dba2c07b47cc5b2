import pytest
from sqlalchemy import select

from domain.ids import new_id
from domain.outbox.models import OutboxEvent
from tests.api.conftest import bearer

START, END = "2026-05-28T07:30:00Z", "2026-05-28T09:30:00Z"


@pytest.fixture
async def headers(make_key):
    return bearer(await make_key("operations:read", "operations:write"))


async def post(http, headers, path, body, status=201):
    r = await http.post(path, json=body, headers=headers)
    assert r.status_code == status, r.text
    return r.json()


async def vehicle(http, headers, **overrides):
    body = {"name": "Coaster 1", "vehicle_class": "minibus", "capacity": 8, **overrides}
    return await post(http, headers, "/v1/ground/vehicles", body)


async def driver(http, headers, **overrides):
    return await post(http, headers, "/v1/ground/drivers", {"name": "Amr", **overrides})


async def place(http, headers, **overrides):
    body = {"kind": "airport", "name": "CAI", "timezone": "Africa/Cairo", **overrides}
    return await post(http, headers, "/v1/places", body)


async def dispatch(http, headers, **overrides):
    body = {"scheduled_at": START, "ends_at": END, "booking_id": "bkng_123", **overrides}
    return await post(http, headers, "/v1/ground/dispatches", body)


async def transition(http, headers, dispatch_id, to, status=200):
    return await post(
        http, headers, f"/v1/ground/dispatches/{dispatch_id}/transition", {"to": to}, status
    )


async def test_vehicles_and_drivers_are_created_read_listed_and_updated(http, headers):
    van = await vehicle(http, headers, registration="CAI-1234", wheelchair_accessible=True)
    assert van["id"].startswith("gveh_") and van["wheelchair_accessible"] and van["active"]
    assert (await http.get(f"/v1/ground/vehicles/{van['id']}", headers=headers)).json() == van
    r = await http.patch(
        f"/v1/ground/vehicles/{van['id']}", json={"capacity": 12, "active": False}, headers=headers
    )
    assert (r.json()["capacity"], r.json()["active"]) == (12, False)
    r = await http.get("/v1/ground/vehicles?active=false&min_capacity=10", headers=headers)
    assert [v["id"] for v in r.json()] == [van["id"]]

    amr = await driver(http, headers, phone="+20 100 000 0000")
    assert amr["id"].startswith("gdrv_")
    r = await http.patch(f"/v1/ground/drivers/{amr['id']}", json={"phone": None}, headers=headers)
    assert r.json()["phone"] is None and r.json()["name"] == "Amr"
    assert [d["id"] for d in (await http.get("/v1/ground/drivers", headers=headers)).json()] == [
        amr["id"]
    ]


async def test_a_registration_plate_belongs_to_one_vehicle(http, headers):
    await vehicle(http, headers, registration="CAI-1234")
    r = await http.post(
        "/v1/ground/vehicles",
        json={"name": "Other", "vehicle_class": "car", "capacity": 3, "registration": "CAI-1234"},
        headers=headers,
    )
    assert (r.status_code, r.json()["code"]) == (409, "vehicle_registration_taken")


@pytest.mark.parametrize(
    "overrides",
    [{"capacity": 0}, {"vehicle_class": "rocket"}, {"name": None}, {"capacity": "8 seats"}],
)
async def test_malformed_vehicles_are_422(http, headers, overrides):
    body = {"name": "Van", "vehicle_class": "van", "capacity": 8, **overrides}
    r = await http.post("/v1/ground/vehicles", json=body, headers=headers)
    assert (r.status_code, r.json()["code"]) == (422, "validation_error")


async def test_a_transfer_runs_from_draft_to_completed_over_http(http, headers, session_factory):
    airport, hotel = (
        await place(http, headers),
        await place(http, headers, kind="accommodation", name="Nile Hotel"),
    )
    van, amr = await vehicle(http, headers), await driver(http, headers)
    row = await dispatch(http, headers, pickup_place_id=airport["id"], dropoff_place_id=hotel["id"])
    assert (row["status"], row["pax_total"]) == ("draft", 0)
    base = f"/v1/ground/dispatches/{row['id']}"

    await transition(http, headers, row["id"], "scheduled")
    assigned = await post(
        http, headers, f"{base}/assign", {"vehicle_id": van["id"], "driver_id": amr["id"]}, 200
    )
    assert (assigned["status"], assigned["vehicle_id"]) == ("assigned", van["id"])
    await post(http, headers, f"{base}/passengers", {"name": "Smith family", "pax": 4})
    await post(
        http, headers, f"{base}/legs", {"from_place_id": airport["id"], "to_place_id": hotel["id"]}
    )
    gate = await post(http, headers, f"{base}/checkpoints", {"name": "Terminal 2 exit"})
    for to in ("en_route", "arrived"):
        await transition(http, headers, row["id"], to)
    await post(
        http, headers, f"{base}/events", {"kind": "checkpoint_reached", "checkpoint_id": gate["id"]}
    )
    await post(http, headers, f"{base}/events", {"kind": "delay", "data": {"minutes": 10}})
    for to in ("picked_up", "completed"):
        await transition(http, headers, row["id"], to)

    detail = (await http.get(base, headers=headers)).json()
    assert (detail["status"], detail["pax_total"]) == ("completed", 4)
    assert [leg["to_place_id"] for leg in detail["legs"]] == [hotel["id"]]
    assert [p["name"] for p in detail["passengers"]] == ["Smith family"]
    assert detail["checkpoints"][0]["reached_at"] is not None
    kinds = [(e["kind"], e["data"].get("to")) for e in detail["events"]]
    assert kinds == [
        ("status_changed", "scheduled"),
        ("status_changed", "assigned"),
        ("status_changed", "en_route"),
        ("status_changed", "arrived"),
        ("checkpoint_reached", None),
        ("delay", None),
        ("status_changed", "picked_up"),
        ("status_changed", "completed"),
    ]
    async with session_factory() as s:
        announced = (
            await s.scalars(
                select(OutboxEvent.payload)
                .where(OutboxEvent.event_type == "ground.dispatch.status_changed")
                .order_by(OutboxEvent.seq)
            )
        ).all()
    assert [p["to"] for p in announced] == [
        "scheduled",
        "assigned",
        "en_route",
        "arrived",
        "picked_up",
        "completed",
    ]


async def test_an_invalid_transition_is_409_naming_from_and_to(http, headers):
    row = await dispatch(http, headers)
    body = await transition(http, headers, row["id"], "picked_up", status=409)
    assert body["code"] == "invalid_transition"
    assert (body["details"]["from"], body["details"]["to"]) == ("draft", "picked_up")
    r = await http.post(
        f"/v1/ground/dispatches/{row['id']}/transition", json={"to": "flying"}, headers=headers
    )
    assert (r.status_code, r.json()["code"]) == (422, "validation_error")


async def test_double_booking_a_vehicle_or_driver_is_409(http, headers):
    van, amr = await vehicle(http, headers), await driver(http, headers)
    await dispatch(http, headers, vehicle_id=van["id"], driver_id=amr["id"])
    later = {"scheduled_at": "2026-05-28T09:00:00Z", "ends_at": "2026-05-28T10:00:00Z"}
    body = await post(
        http, headers, "/v1/ground/dispatches", {**later, "vehicle_id": van["id"]}, 409
    )
    assert body["code"] == "vehicle_double_booked"
    row = await dispatch(http, headers, **later)
    other_van = await vehicle(http, headers, name="Coaster 2")
    body = await post(
        http,
        headers,
        f"/v1/ground/dispatches/{row['id']}/assign",
        {"vehicle_id": other_van["id"], "driver_id": amr["id"]},
        409,
    )
    assert body["code"] == "driver_double_booked"
    assert (await http.get(f"/v1/ground/dispatches/{row['id']}", headers=headers)).json()[
        "vehicle_id"
    ] is None


async def test_more_passengers_than_seats_is_400(http, headers):
    car = await vehicle(http, headers, vehicle_class="car", capacity=3)
    row = await dispatch(http, headers, vehicle_id=car["id"])
    body = await post(
        http,
        headers,
        f"/v1/ground/dispatches/{row['id']}/passengers",
        {"name": "Tour group", "pax": 4},
        400,
    )
    assert body["code"] == "vehicle_capacity_exceeded"
    assert body["details"] == {"pax": 4, "capacity": 3}


@pytest.mark.parametrize(
    "overrides",
    [
        {"scheduled_at": "2026-05-28T07:30:00"},  # no offset
        {"ends_at": "tomorrow"},
        {"booking_id": "x" * 91},
        {"notes": "nul\x00byte"},
    ],
)
async def test_malformed_dispatches_are_422(http, headers, overrides):
    body = {"scheduled_at": START, "ends_at": END, **overrides}
    r = await http.post("/v1/ground/dispatches", json=body, headers=headers)
    assert (r.status_code, r.json()["code"]) == (422, "validation_error")


async def test_a_dispatch_ending_before_it_starts_is_400(http, headers):
    body = {"scheduled_at": END, "ends_at": START}
    r = await http.post("/v1/ground/dispatches", json=body, headers=headers)
    assert (r.status_code, r.json()["code"]) == (400, "invalid_time_window")


async def test_instants_outside_the_supported_calendar_are_400(http, headers):
    body = {"scheduled_at": "9999-12-31T20:00:00-05:00", "ends_at": "9999-12-31T22:00:00-05:00"}
    r = await http.post("/v1/ground/dispatches", json=body, headers=headers)
    assert (r.status_code, r.json()["code"]) == (400, "invalid_time")
    r = await http.get("/v1/ground/dispatches", params={"date": "9999-12-31"}, headers=headers)
    assert (r.status_code, r.json()["code"]) == (400, "invalid_time")


async def test_bad_references_are_404_or_400_and_create_nothing(http, headers):
    cases = [
        ({"pickup_place_id": new_id("plac")}, 404, "place_not_found"),
        ({"dropoff_place_id": new_id("gveh")}, 400, "invalid_id"),
        ({"vehicle_id": new_id("gveh")}, 404, "vehicle_not_found"),
        ({"driver_id": "gdrv_nonsense"}, 400, "invalid_id"),
    ]
    van = await vehicle(http, headers)
    for overrides, status, code in cases:
        body = {"scheduled_at": START, "ends_at": END, "vehicle_id": van["id"], **overrides}
        r = await http.post("/v1/ground/dispatches", json=body, headers=headers)
        assert (r.status_code, r.json()["code"]) == (status, code), overrides
    assert (await http.get("/v1/ground/dispatches", headers=headers)).json() == []


async def test_unknown_and_wrong_kind_dispatch_ids_are_404_and_400(http, headers):
    r = await http.get(f"/v1/ground/dispatches/{new_id('gdsp')}", headers=headers)
    assert (r.status_code, r.json()["code"]) == (404, "dispatch_not_found")
    r = await http.post(
        f"/v1/ground/dispatches/{new_id('gdrv')}/transition",
        json={"to": "scheduled"},
        headers=headers,
    )
    assert (r.status_code, r.json()["code"]) == (400, "invalid_id")
    r = await http.get(f"/v1/ground/vehicles/{new_id('gdrv')}", headers=headers)
    assert (r.status_code, r.json()["code"]) == (400, "invalid_id")
    r = await http.patch(
        f"/v1/ground/drivers/{new_id('gdrv')}", json={"name": "X"}, headers=headers
    )
    assert (r.status_code, r.json()["code"]) == (404, "driver_not_found")


async def test_dispatches_are_filtered_by_date_vehicle_driver_and_status(http, headers):
    van, amr = await vehicle(http, headers), await driver(http, headers)
    mine = await dispatch(http, headers, vehicle_id=van["id"], driver_id=amr["id"])
    other = await dispatch(
        http, headers, scheduled_at="2026-05-29T07:30:00Z", ends_at="2026-05-29T08:30:00Z"
    )
    await transition(http, headers, other["id"], "scheduled")

    async def ids(**params):
        r = await http.get("/v1/ground/dispatches", params=params, headers=headers)
        assert r.status_code == 200, r.text
        return [d["id"] for d in r.json()]

    assert await ids() == [mine["id"], other["id"]]
    assert await ids(date="2026-05-29", timezone="Africa/Cairo") == [other["id"]]
    assert await ids(vehicle_id=van["id"]) == [mine["id"]]
    assert await ids(driver_id=amr["id"], status="draft") == [mine["id"]]
    assert await ids(status="scheduled") == [other["id"]]
    r = await http.get("/v1/ground/dispatches", params={"vehicle_id": amr["id"]}, headers=headers)
    assert (r.status_code, r.json()["code"]) == (400, "invalid_id")
    r = await http.get(
        "/v1/ground/dispatches",
        params={"date": "2026-05-29", "timezone": "Mars/Base"},
        headers=headers,
    )
    assert (r.status_code, r.json()["code"]) == (400, "invalid_timezone")


async def test_execution_events_are_checked_before_they_are_logged(http, headers):
    row = await dispatch(http, headers)
    events = f"/v1/ground/dispatches/{row['id']}/events"
    body = await post(http, headers, events, {"kind": "checkpoint_reached"}, 400)
    assert body["code"] == "checkpoint_required"
    r = await http.post(events, json={"kind": "status_changed"}, headers=headers)
    assert r.status_code == 422  # only transitions write status changes
    r = await http.post(events, json={"kind": "note", "data": {"x": "a\x00"}}, headers=headers)
    assert r.status_code == 422
    detail = (await http.get(f"/v1/ground/dispatches/{row['id']}", headers=headers)).json()
    assert detail["events"] == []


async def test_ground_needs_operations_scopes(http, make_key):
    reader = bearer(await make_key("operations:read"))
    assert (await http.get("/v1/ground/dispatches", headers=reader)).status_code == 200
    r = await http.post("/v1/ground/drivers", json={"name": "Amr"}, headers=reader)
    assert (r.status_code, r.json()["details"]) == (403, {"scope": "operations:write"})
    r = await http.get("/v1/ground/vehicles", headers=bearer(await make_key("catalog:read")))
    assert r.status_code == 403
