from datetime import UTC, datetime, timedelta

from temporalio.client import WorkflowExecutionStatus

from domain.availability.models import AvailabilitySlot
from domain.distribution.release_rules import workflow_id
from tests.api.conftest import bearer
from tests.support.catalog import product_with_option, slot
from tourflow.temporal import SEARCH_ATTRIBUTES


async def remaining(session_factory, slot_id):
    async with session_factory() as db:
        return (await db.get_one(AvailabilitySlot, slot_id)).capacity_remaining


async def test_targets_carve_a_release_rule_arms_a_timer_and_a_manual_release_returns_units(
    http, make_key, session_factory, temporal_client
):
    writer = bearer(await make_key("distribution:read", "distribution:write"))
    product, option = await product_with_option(session_factory)
    s = await slot(
        session_factory, option, capacity=10, starts_at=datetime.now(UTC) + timedelta(days=10)
    )
    cid = (
        await http.post("/v1/channels", json={"name": "V", "kind": "ota"}, headers=writer)
    ).json()["id"]
    too_big = await http.post(
        f"/v1/channels/{cid}/allotments",
        json={"product_id": product.id, "guaranteed_capacity": 5, "max_capacity": 4},
        headers=writer,
    )
    assert (too_big.status_code, too_big.json()["code"]) == (400, "invalid_allotment")
    allotment = (
        await http.post(
            f"/v1/channels/{cid}/allotments",
            json={"product_id": product.id, "guaranteed_capacity": 3, "max_capacity": 5},
            headers=writer,
        )
    ).json()
    rule = await http.put(
        f"/v1/allotments/{allotment['id']}/release-rule",
        json={"offset_unit": "days", "offset_value": 3},
        headers=writer,
    )
    assert rule.status_code == 200 and rule.json()["unsold_action"] == "release_to_general_pool"
    target = await http.post(
        f"/v1/allotments/{allotment['id']}/targets", json={"slot_id": s.id}, headers=writer
    )
    assert target.status_code == 201
    assert (target.json()["guaranteed"], target.json()["held"]) == (3, 3)
    assert await remaining(session_factory, s.id) == 7

    # The target's timer workflow runs on the real server, findable by channel and slot.
    desc = await temporal_client.get_workflow_handle(workflow_id(target.json()["id"])).describe()
    assert desc.status == WorkflowExecutionStatus.RUNNING
    assert desc.typed_search_attributes.get(SEARCH_ATTRIBUTES["ChannelId"]) == cid
    assert desc.typed_search_attributes.get(SEARCH_ATTRIBUTES["SlotId"]) == s.id

    released = await http.post(
        f"/v1/allotment-targets/{target.json()['id']}/release", json={}, headers=writer
    )
    assert (released.json()["trigger"], released.json()["capacity_released"]) == ("manual", 3)
    assert await remaining(session_factory, s.id) == 10
    log = await http.get(f"/v1/allotments/{allotment['id']}/releases", headers=writer)
    assert [e["capacity_released"] for e in log.json()] == [3]
    await temporal_client.get_workflow_handle(workflow_id(target.json()["id"])).terminate()


async def test_a_target_larger_than_the_pool_is_refused_and_deleting_returns_carved_units(
    http, make_key, session_factory
):
    writer = bearer(await make_key("distribution:read", "distribution:write"))
    product, option = await product_with_option(session_factory)
    s = await slot(session_factory, option, capacity=2)
    cid = (
        await http.post("/v1/channels", json={"name": "V", "kind": "ota"}, headers=writer)
    ).json()["id"]
    allotment = (
        await http.post(
            f"/v1/channels/{cid}/allotments",
            json={"product_id": product.id, "guaranteed_capacity": 3, "max_capacity": 3},
            headers=writer,
        )
    ).json()
    resp = await http.post(
        f"/v1/allotments/{allotment['id']}/targets", json={"slot_id": s.id}, headers=writer
    )
    assert (resp.status_code, resp.json()["code"]) == (409, "insufficient_capacity")
    assert await remaining(session_factory, s.id) == 2
    targets = await http.get(f"/v1/allotments/{allotment['id']}/targets", headers=writer)
    assert targets.json() == []

    smaller = await http.post(
        f"/v1/allotments/{allotment['id']}/targets",
        json={"slot_id": s.id, "guaranteed": 2},
        headers=writer,
    )
    assert smaller.status_code == 201 and await remaining(session_factory, s.id) == 0
    shrink = await http.patch(
        f"/v1/allotments/{allotment['id']}", json={"max_capacity": 1}, headers=writer
    )
    assert (shrink.status_code, shrink.json()["code"]) == (400, "invalid_allotment")
    gone = await http.delete(f"/v1/allotments/{allotment['id']}", headers=writer)
    assert gone.status_code == 204 and await remaining(session_factory, s.id) == 2


async def test_suppliers_carry_services_rates_notes_contracts_and_batch_isolation(http, make_key):
    writer = bearer(await make_key("distribution:read", "distribution:write"))
    sid = (
        await http.post(
            "/v1/suppliers", json={"name": "Coach Co", "type": "transport"}, headers=writer
        )
    ).json()["id"]
    service = await http.post(
        f"/v1/suppliers/{sid}/services", json={"name": "Airport transfer"}, headers=writer
    )
    rate = await http.post(
        f"/v1/suppliers/{sid}/rates",
        json={
            "service_id": service.json()["id"],
            "name": "2026",
            "unit": "per_vehicle",
            "amount_minor": 12000,
            "currency": "EUR",
            "valid_from": "2026-01-01",
        },
        headers=writer,
    )
    bad_unit = await http.post(
        f"/v1/suppliers/{sid}/rates",
        json={
            "service_id": service.json()["id"],
            "name": "x",
            "unit": "per_moon",
            "amount_minor": 1,
            "currency": "EUR",
        },
        headers=writer,
    )
    note = await http.post(
        f"/v1/suppliers/{sid}/notes", json={"body": "Call first"}, headers=writer
    )
    contract = {"reference": "C-2026", "valid_from": "2026-01-01", "valid_to": "2026-12-31"}
    first = await http.post(f"/v1/suppliers/{sid}/contracts", json=contract, headers=writer)
    again = await http.post(f"/v1/suppliers/{sid}/contracts", json=contract, headers=writer)
    assert [r.status_code for r in (service, rate, note, first)] == [201, 201, 201, 201]
    assert rate.json()["unit"] == "per_vehicle" and bad_unit.status_code == 422
    assert again.json()["code"] == "supplier_contract_exists"
    rates = await http.get(f"/v1/suppliers/{sid}/rates", headers=writer)
    assert [r["amount_minor"] for r in rates.json()] == [12000]

    missing = "supp_01h455vb4pex5vsknk084sn02q"
    batch = await http.post(
        "/v1/suppliers/batch-update",
        json={"ids": [sid, missing], "changes": {"status": "inactive"}},
        headers=writer,
    )
    assert [(r["ok"], r["code"]) for r in batch.json()["results"]] == [
        (True, None),
        (False, "supplier_not_found"),
    ]
    assert (await http.get(f"/v1/suppliers/{sid}", headers=writer)).json()["status"] == "inactive"


async def test_an_external_id_names_one_entity_and_an_entity_has_one_primary_ref(http, make_key):
    writer = bearer(await make_key("distribution:read", "distribution:write"))
    ref = {
        "entity_type": "product",
        "entity_id": "prod_a",
        "source_system": "viator",
        "external_id": "V-1",
        "is_primary": True,
    }
    first = await http.post("/v1/external-refs", json=ref, headers=writer)
    clash = await http.post(
        "/v1/external-refs", json={**ref, "entity_id": "prod_b"}, headers=writer
    )
    other_ns = await http.post(
        "/v1/external-refs", json={**ref, "namespace": "legacy"}, headers=writer
    )
    second = await http.post(
        "/v1/external-refs", json={**ref, "external_id": "V-2"}, headers=writer
    )
    assert [r.status_code for r in (first, other_ns, second)] == [201, 201, 201]
    assert (clash.status_code, clash.json()["code"]) == (409, "external_ref_exists")
    listed = await http.get(
        "/v1/external-refs",
        params={"entity_id": "prod_a", "source_system": "viator"},
        headers=writer,
    )
    primaries = {(r["namespace"], r["external_id"]) for r in listed.json() if r["is_primary"]}
    assert primaries == {("default", "V-2"), ("legacy", "V-1")}


async def test_a_booking_holding_seats_cannot_be_re_pointed_to_a_channel_with_an_allotment(
    http, make_key, session_factory
):
    """Otherwise its cancellation would give back seats that channel never drew."""
    from domain.db import unit_of_work
    from tests.support.bookings import book, spec_for
    from tests.support.distribution import make_allotment_target, make_channel

    writer = bearer(await make_key("distribution:read", "distribution:write"))
    _, option = await product_with_option(session_factory)
    s = await slot(session_factory, option, capacity=10)
    async with unit_of_work(session_factory) as session:
        allotted = await make_channel(session)
        plain = await make_channel(session)
        await make_allotment_target(session, allotted, s.id)
    booking = await book(session_factory, spec_for(s, pax=2, status="confirmed"))
    url = f"/v1/bookings/{booking.id}/distribution"
    moved = await http.put(url, json={"source_channel_id": allotted.id}, headers=writer)
    assert (moved.status_code, moved.json()["code"]) == (409, "source_channel_locked")
    fine = await http.put(url, json={"source_channel_id": plain.id, "market": "DE"}, headers=writer)
    assert fine.status_code == 200 and fine.json()["source_channel_id"] == plain.id
    same = await http.put(url, json={"source_channel_id": plain.id, "market": "FR"}, headers=writer)
    assert same.status_code == 200 and same.json()["market"] == "FR"


async def test_an_allotment_names_only_an_option_and_slot_of_its_own_product(
    http, make_key, session_factory
):
    writer = bearer(await make_key("distribution:read", "distribution:write"))
    product, option = await product_with_option(session_factory)
    _, other_option = await product_with_option(session_factory)
    other_slot = await slot(session_factory, other_option, capacity=10)
    cid = (
        await http.post("/v1/channels", json={"name": "V", "kind": "ota"}, headers=writer)
    ).json()["id"]
    url = f"/v1/channels/{cid}/allotments"
    base = {"product_id": product.id, "max_capacity": 3}
    cases = [
        ({"option_id": other_option.id}, "option_not_found"),
        ({"option_id": "popt_01h455vb4pex5vsknk084sn02q"}, "option_not_found"),
        ({"slot_id": other_slot.id}, "slot_not_found"),
        ({"slot_id": "aslt_01h455vb4pex5vsknk084sn02q"}, "slot_not_found"),
    ]
    for extra, code in cases:
        resp = await http.post(url, json={**base, **extra}, headers=writer)
        assert (resp.status_code, resp.json()["code"]) == (404, code), extra
    ok = await http.post(url, json={**base, "option_id": option.id}, headers=writer)
    assert ok.status_code == 201
