import uuid

import pytest

from domain.db import unit_of_work
from domain.ids import new_id
from domain.intents.service import IntentSpec, write_intent
from tests.api.conftest import bearer


async def test_a_route_without_a_key_is_401_with_a_stable_code(http):
    r = await http.get("/v1/me")
    assert r.status_code == 401
    assert r.json()["code"] == "missing_api_key"
    assert r.headers["www-authenticate"] == "Bearer"


@pytest.mark.parametrize("key", ["garbage", "tf_aaaaaaaaaaaa_" + "x" * 32])
async def test_an_unknown_or_malformed_key_is_401(http, key):
    r = await http.get("/v1/me", headers=bearer(key))
    assert (r.status_code, r.json()["code"]) == (401, "invalid_api_key")


async def test_a_valid_key_identifies_its_principal_and_x_api_key_works_too(http, make_key):
    key = await make_key("bookings:read", kind="agent", name="desk")
    for headers in (bearer(key), {"X-API-Key": key}):
        r = await http.get("/v1/me", headers=headers)
        assert r.status_code == 200
        assert r.json()["kind"] == "agent" and r.json()["scopes"] == ["bookings:read"]


async def test_a_key_without_the_scope_is_403_naming_the_scope(http, make_key):
    key = await make_key("bookings:read")
    r = await http.get("/v1/ops/intents", headers=bearer(key))
    assert r.status_code == 403
    assert r.json()["code"] == "missing_scope" and r.json()["details"] == {"scope": "ops:read"}


async def test_a_malformed_query_is_422_with_the_field_named(http, make_key):
    r = await http.get("/v1/ops/intents?limit=0", headers=bearer(await make_key("ops:read")))
    assert r.status_code == 422
    body = r.json()
    assert body["code"] == "validation_error" and body["message"].startswith("query.limit")


async def test_a_wrong_kind_of_id_is_400_and_an_unknown_one_404(http, make_key):
    headers = bearer(await make_key("ops:read"))
    r = await http.get(f"/v1/ops/intents/{new_id('book')}", headers=headers)
    assert (r.status_code, r.json()["code"]) == (400, "invalid_id")
    r = await http.get(f"/v1/ops/intents/{new_id('wfi')}", headers=headers)
    assert (r.status_code, r.json()["code"]) == (404, "intent_not_found")


async def test_request_ids_are_echoed_or_minted_and_appear_in_error_bodies(http):
    r = await http.get("/v1/me", headers={"X-Request-ID": "abc-123"})
    assert r.headers["x-request-id"] == "abc-123" and r.json()["request_id"] == "abc-123"
    r = await http.get("/v1/me", headers={"X-Request-ID": "bad id with spaces"})
    assert r.headers["x-request-id"].startswith("req_")


async def test_unknown_routes_are_404_in_the_same_error_shape(http):
    r = await http.get("/nope")
    assert r.status_code == 404 and r.json()["code"] == "not_found"


async def test_redriving_a_pending_intent_starts_its_workflow_and_a_started_one_is_409(
    http, make_key, session_factory, temporal_client, task_queue
):
    # Written without dispatch, as if Temporal had been down at commit time.
    wid = f"echo:{uuid.uuid4().hex}"
    async with unit_of_work(session_factory) as session:
        intent_id = await write_intent(
            session,
            IntentSpec(
                workflow_type="TestEcho",
                workflow_id=wid,
                task_queue=task_queue,
                input={"message": "x"},
            ),
        )
    headers = bearer(await make_key("ops:read", "ops:write"))
    pending = (await http.get("/v1/ops/intents?status=pending", headers=headers)).json()
    assert [i["id"] for i in pending] == [intent_id]
    r = await http.post(f"/v1/ops/intents/{intent_id}/redrive", headers=headers)
    assert r.status_code == 202
    r = await http.get(f"/v1/ops/intents/{intent_id}", headers=headers)
    assert r.json()["status"] == "started"
    assert (await temporal_client.get_workflow_handle(wid).describe()).id == wid
    r = await http.post(f"/v1/ops/intents/{intent_id}/redrive", headers=headers)
    assert (r.status_code, r.json()["code"]) == (409, "intent_already_started")
    await temporal_client.get_workflow_handle(wid).terminate("test done")
