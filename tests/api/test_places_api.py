import pytest

from domain.ids import new_id
from tests.api.conftest import bearer


def place_body(**overrides):
    return {
        "kind": "meeting_point",
        "name": "Obelisk, Place de la Concorde",
        "timezone": "Europe/Paris",
        "address": "Place de la Concorde, 75008 Paris",
        "latitude": 48.8656,
        "longitude": 2.3212,
        **overrides,
    }


@pytest.fixture
async def writer(make_key):
    return bearer(await make_key("operations:read", "operations:write"))


async def test_a_place_created_under_places_is_served_under_facilities_too(http, writer):
    r = await http.post("/v1/places", json=place_body(), headers=writer)
    assert r.status_code == 201
    place = r.json()
    assert place["id"].startswith("plac_") and place["kind"] == "meeting_point"
    for prefix in ("/v1/places", "/v1/facilities"):
        r = await http.get(f"{prefix}/{place['id']}", headers=writer)
        assert r.status_code == 200 and r.json() == place


async def test_a_facility_created_under_the_compat_name_is_a_place(http, writer):
    r = await http.post("/v1/facilities", json=place_body(kind="venue"), headers=writer)
    assert r.status_code == 201
    listed = await http.get("/v1/places", params={"kind": "venue"}, headers=writer)
    assert [p["id"] for p in listed.json()] == [r.json()["id"]]


async def test_places_are_listed_by_name_and_filtered_by_kind(http, writer):
    for name, kind in [
        ("Cairo Airport", "airport"),
        ("Alexandria Port", "port"),
        ("Giza", "attraction"),
    ]:
        await http.post("/v1/places", json=place_body(name=name, kind=kind), headers=writer)
    r = await http.get("/v1/places", headers=writer)
    assert [p["name"] for p in r.json()] == ["Alexandria Port", "Cairo Airport", "Giza"]
    r = await http.get("/v1/facilities?kind=airport", headers=writer)
    assert [p["name"] for p in r.json()] == ["Cairo Airport"]


async def test_a_place_may_have_no_address_or_coordinates(http, writer):
    body = {"kind": "station", "name": "Ramses Station", "timezone": "Africa/Cairo"}
    r = await http.post("/v1/places", json=body, headers=writer)
    assert r.status_code == 201
    assert (r.json()["latitude"], r.json()["address"]) == (None, None)


async def test_an_unknown_timezone_is_a_400(http, writer):
    r = await http.post("/v1/places", json=place_body(timezone="Europe/Atlantis"), headers=writer)
    assert (r.status_code, r.json()["code"]) == (400, "invalid_timezone")


async def test_half_a_coordinate_pair_is_a_400(http, writer):
    r = await http.post("/v1/places", json=place_body(longitude=None), headers=writer)
    assert (r.status_code, r.json()["code"]) == (400, "invalid_coordinates")


@pytest.mark.parametrize(
    "overrides",
    [
        {"latitude": 91},
        {"longitude": -180.5},
        {"kind": "spaceport"},
        {"name": ""},
        {"name": "a\x00b"},
    ],
)
async def test_malformed_places_are_422(http, writer, overrides):
    r = await http.post("/v1/places", json=place_body(**overrides), headers=writer)
    assert (r.status_code, r.json()["code"]) == (422, "validation_error")


async def test_updating_a_place_changes_only_what_was_sent(http, writer):
    place = (await http.post("/v1/places", json=place_body(), headers=writer)).json()
    r = await http.patch(
        f"/v1/facilities/{place['id']}",
        json={"name": "Concorde (north side)", "latitude": None, "longitude": None},
        headers=writer,
    )
    assert r.status_code == 200
    updated = r.json()
    assert updated["name"] == "Concorde (north side)" and updated["latitude"] is None
    assert updated["timezone"] == place["timezone"] and updated["address"] == place["address"]
    assert updated["updated_at"] >= place["updated_at"]


async def test_an_update_is_checked_like_a_creation(http, writer):
    place = (await http.post("/v1/places", json=place_body(), headers=writer)).json()
    r = await http.patch(f"/v1/places/{place['id']}", json={"latitude": None}, headers=writer)
    assert (r.status_code, r.json()["code"]) == (400, "invalid_coordinates")
    r = await http.patch(f"/v1/places/{place['id']}", json={"name": None}, headers=writer)
    assert (r.status_code, r.json()["code"]) == (422, "validation_error")
    r = await http.get(f"/v1/places/{place['id']}", headers=writer)
    assert r.json() == place


async def test_unknown_and_wrong_kind_ids_are_404_and_400(http, writer):
    r = await http.get(f"/v1/places/{new_id('plac')}", headers=writer)
    assert (r.status_code, r.json()["code"]) == (404, "place_not_found")
    r = await http.get(f"/v1/facilities/{new_id('gveh')}", headers=writer)
    assert (r.status_code, r.json()["code"]) == (400, "invalid_id")
    r = await http.patch("/v1/places/not-an-id", json={"name": "x"}, headers=writer)
    assert (r.status_code, r.json()["code"]) == (400, "invalid_id")


async def test_reading_needs_operations_read_and_writing_operations_write(http, make_key):
    reader = bearer(await make_key("operations:read"))
    assert (await http.get("/v1/places", headers=reader)).status_code == 200
    r = await http.post("/v1/places", json=place_body(), headers=reader)
    assert (r.status_code, r.json()["details"]) == (403, {"scope": "operations:write"})
    r = await http.get("/v1/facilities", headers=bearer(await make_key("ops:read")))
    assert (r.status_code, r.json()["details"]) == (403, {"scope": "operations:read"})
