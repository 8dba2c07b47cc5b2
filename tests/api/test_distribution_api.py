import json

from sqlalchemy import func, select

from domain.bookings.models import Booking, BookingActivity
from domain.db import unit_of_work
from domain.distribution.channel_bookings import create_channel_booking
from domain.distribution.models import Channel, ChannelWebhookEvent
from domain.distribution.webhooks import SIGNATURE_HEADER, sign, workflow_id
from tests.api.conftest import bearer
from tests.support.bookings import ctx, spec_for
from tests.support.catalog import product_with_option, slot
from tests.support.distribution import make_allotment_target, make_channel
from worker import build_worker


async def test_the_direct_channel_is_unique_and_cannot_be_deleted_or_re_kinded(http, make_key):
    writer = bearer(await make_key("distribution:read", "distribution:write"))
    made = await http.post(
        "/v1/channels", json={"name": "Website", "kind": "direct"}, headers=writer
    )
    assert made.status_code == 201 and made.json()["webhook_secret"].startswith("whsec_")
    direct = made.json()["id"]
    again = await http.post("/v1/channels", json={"name": "Shop", "kind": "direct"}, headers=writer)
    assert (again.status_code, again.json()["code"]) == (409, "direct_channel_exists")
    rekind = await http.patch(f"/v1/channels/{direct}", json={"kind": "ota"}, headers=writer)
    assert (rekind.status_code, rekind.json()["code"]) == (409, "direct_channel_protected")
    gone = await http.delete(f"/v1/channels/{direct}", headers=writer)
    assert (gone.status_code, gone.json()["code"]) == (409, "direct_channel_protected")
    read = await http.get(f"/v1/channels/{direct}", headers=writer)
    assert read.json()["kind"] == "direct" and "webhook_secret" not in read.json()


async def test_scopes_guard_reads_and_writes(http, make_key):
    reader = bearer(await make_key("distribution:read"))
    refused = await http.post("/v1/channels", json={"name": "X", "kind": "ota"}, headers=reader)
    assert (refused.status_code, refused.json()["code"]) == (403, "missing_scope")
    assert (await http.get("/v1/channels")).status_code == 401
    assert (await http.get("/v1/channels", headers=reader)).status_code == 200


async def test_the_rate_budget_is_editable_and_an_active_contract_override_wins(http, make_key):
    writer = bearer(await make_key("distribution:read", "distribution:write"))
    cid = (
        await http.post("/v1/channels", json={"name": "V", "kind": "ota"}, headers=writer)
    ).json()["id"]
    budget = {"rate_rps": "2.5", "rate_burst": 4}
    put = await http.put(f"/v1/channels/{cid}/rate-budget", json=budget, headers=writer)
    assert put.json() == {"rps": "2.500", "burst": 4, "source": "channel"}
    bad = await http.put(
        f"/v1/channels/{cid}/rate-budget", json={"rate_rps": 0, "rate_burst": 4}, headers=writer
    )
    assert bad.status_code == 422
    contract = await http.post(
        f"/v1/channels/{cid}/contracts",
        json={"rate_rps_override": "1", "payment_owner": "split", "commission_bps": 1500},
        headers=writer,
    )
    assert contract.status_code == 201
    got = await http.get(f"/v1/channels/{cid}/rate-budget", headers=writer)
    assert got.json() == {"rps": "1.000", "burst": 4, "source": contract.json()["id"]}
    reversed_window = await http.post(
        f"/v1/channels/{cid}/contracts",
        json={"valid_from": "2026-05-01", "valid_to": "2026-04-01"},
        headers=writer,
    )
    assert (reversed_window.status_code, reversed_window.json()["code"]) == (
        400,
        "invalid_validity",
    )


async def test_batch_delete_isolates_each_id(http, make_key):
    writer = bearer(await make_key("distribution:read", "distribution:write"))

    async def create(kind):
        resp = await http.post("/v1/channels", json={"name": kind, "kind": kind}, headers=writer)
        return resp.json()["id"]

    ota, direct, reseller = await create("ota"), await create("direct"), await create("reseller")
    missing = "chan_01h455vb4pex5vsknk084sn02q"
    resp = await http.post(
        "/v1/channels/batch-delete",
        json={"ids": [ota, direct, "not-an-id", missing, reseller]},
        headers=writer,
    )
    body = resp.json()
    assert (resp.status_code, body["succeeded"], body["failed"]) == (200, 2, 3)
    codes = [(r["id"], r["ok"], r["code"]) for r in body["results"]]
    assert codes == [
        (ota, True, None),
        (direct, False, "direct_channel_protected"),
        ("not-an-id", False, "invalid_id"),
        (missing, False, "channel_not_found"),
        (reseller, True, None),
    ]
    left = [c["id"] for c in (await http.get("/v1/channels", headers=writer)).json()]
    assert left == [direct]
    too_many = await http.post(
        "/v1/channels/batch-delete", json={"ids": [missing] * 201}, headers=writer
    )
    assert too_many.status_code == 422


async def test_batch_update_applies_to_each_id_on_its_own(http, make_key):
    writer = bearer(await make_key("distribution:read", "distribution:write"))
    ids = [
        (await http.post("/v1/channels", json={"name": k, "kind": k}, headers=writer)).json()["id"]
        for k in ("ota", "direct", "affiliate")
    ]
    resp = await http.post(
        "/v1/channels/batch-update",
        json={"ids": ids, "changes": {"kind": "marketplace", "status": "paused"}},
        headers=writer,
    )
    assert [r["ok"] for r in resp.json()["results"]] == [True, False, True]
    listed = {c["id"]: c for c in (await http.get("/v1/channels", headers=writer)).json()}
    assert [(listed[i]["kind"], listed[i]["status"]) for i in ids] == [
        ("marketplace", "paused"),
        ("direct", "active"),
        ("marketplace", "paused"),
    ]


async def test_one_mapping_per_channel_and_product_and_the_commission_quote_explains(
    http, make_key, session_factory
):
    writer = bearer(await make_key("distribution:read", "distribution:write"))
    product, option = await product_with_option(session_factory)
    cid = (
        await http.post("/v1/channels", json={"name": "G", "kind": "ota"}, headers=writer)
    ).json()["id"]
    mapping = {"product_id": product.id, "option_id": option.id, "external_product_id": "GYG-1"}
    first = await http.post(f"/v1/channels/{cid}/mappings", json=mapping, headers=writer)
    second = await http.post(f"/v1/channels/{cid}/mappings", json=mapping, headers=writer)
    assert first.status_code == 201 and first.json()["push_availability"] is True
    assert (second.status_code, second.json()["code"]) == (409, "mapping_exists")
    rules = [
        {"scope": "booking", "kind": "percentage", "bps": 1000},
        {
            "scope": "product",
            "scope_ref": product.id,
            "kind": "fixed",
            "amount_minor": 700,
            "currency": "EUR",
            "valid_from": "2026-01-01",
        },
    ]
    made = [
        await http.post(f"/v1/channels/{cid}/commission-rules", json=r, headers=writer)
        for r in rules
    ]
    assert [m.status_code for m in made] == [201, 201]
    bad = await http.post(
        f"/v1/channels/{cid}/commission-rules",
        json={"scope": "product", "kind": "percentage", "bps": 5},
        headers=writer,
    )
    assert (bad.status_code, bad.json()["code"]) == (400, "invalid_commission_rule")
    quote = {"gross_minor": 10000, "currency": "EUR", "product_id": product.id}
    in_window = await http.post(
        f"/v1/channels/{cid}/commission-quote",
        json={**quote, "on_date": "2026-03-01"},
        headers=writer,
    )
    before = await http.post(
        f"/v1/channels/{cid}/commission-quote",
        json={**quote, "on_date": "2025-12-31"},
        headers=writer,
    )
    assert (in_window.json()["rule_id"], in_window.json()["amount_minor"]) == (
        made[1].json()["id"],
        700,
    )
    assert (before.json()["rule_id"], before.json()["amount_minor"]) == (made[0].json()["id"], 1000)
    assert "most specific scope" in in_window.json()["explanation"]


async def signed_post(http, channel, payload, secret=None):
    body = json.dumps(payload).encode()
    headers = {SIGNATURE_HEADER: sign(secret or channel.webhook_secret, body)}
    return await http.post(f"/v1/channels/{channel.id}/webhooks", content=body, headers=headers)


async def test_a_forged_webhook_is_rejected_and_a_replayed_event_is_processed_once(
    http, session_factory, temporal_client, task_queue
):
    _, option = await product_with_option(session_factory)
    s = await slot(session_factory, option, capacity=10)
    async with unit_of_work(session_factory) as session:
        channel = await make_channel(session, kind="reseller")
        await make_allotment_target(session, channel, s.id, guaranteed=2, max_capacity=4)
        booking = await create_channel_booking(
            session, spec_for(s, pax=2, status="confirmed"), ctx(), channel_id=channel.id
        )
    event = {"id": "evt-1", "type": "booking.cancelled", "data": {"booking_id": booking.id}}

    forged = await signed_post(http, channel, event, secret="whsec_not_the_one")
    unsigned = await http.post(f"/v1/channels/{channel.id}/webhooks", content=json.dumps(event))
    assert (forged.status_code, forged.json()["code"]) == (401, "invalid_signature")
    assert unsigned.status_code == 401

    async with build_worker(temporal_client, session_factory, task_queue=task_queue):
        first = await signed_post(http, channel, event)
        replay = await signed_post(http, channel, event)
        assert first.status_code == replay.status_code == 202
        assert (first.json()["duplicate"], replay.json()["duplicate"]) == (False, True)
        assert first.json()["event_id"] == replay.json()["event_id"]
        handle = temporal_client.get_workflow_handle(workflow_id(first.json()["event_id"]))
        outcome = await handle.result()
    assert outcome["status"] == "processed"
    async with session_factory() as db:
        events = (
            await db.scalars(
                select(ChannelWebhookEvent).where(ChannelWebhookEvent.channel_id == channel.id)
            )
        ).all()
        cancelled = await db.scalar(
            select(func.count()).where(
                BookingActivity.booking_id == booking.id,
                BookingActivity.action == "status:cancelled",
            )
        )
        status = await db.scalar(select(Booking.status).where(Booking.id == booking.id))
    assert [(e.external_event_id, e.status, e.booking_id) for e in events] == [
        ("evt-1", "processed", booking.id)
    ]
    assert (status, cancelled) == ("cancelled", 1)


async def test_an_event_for_a_booking_of_another_channel_fails_without_touching_it(
    http, session_factory, temporal_client, task_queue
):
    _, option = await product_with_option(session_factory)
    s = await slot(session_factory, option, capacity=10)
    async with unit_of_work(session_factory) as session:
        seller = await make_channel(session)
        other = await make_channel(session)
        booking = await create_channel_booking(
            session, spec_for(s, pax=1, status="confirmed"), ctx(), channel_id=seller.id
        )
    event = {"id": "evt-x", "type": "booking.cancelled", "data": {"booking_id": booking.id}}
    async with build_worker(temporal_client, session_factory, task_queue=task_queue):
        resp = await signed_post(http, other, event)
        outcome = await temporal_client.get_workflow_handle(
            workflow_id(resp.json()["event_id"])
        ).result()
        unknown = await signed_post(http, other, {"id": "evt-y", "type": "booking.updated"})
        ignored = await temporal_client.get_workflow_handle(
            workflow_id(unknown.json()["event_id"])
        ).result()
    assert outcome["status"] == "failed" and outcome["error"].startswith("booking_not_found")
    assert ignored["status"] == "ignored"
    async with session_factory() as db:
        assert await db.scalar(select(Booking.status).where(Booking.id == booking.id)) == (
            "confirmed"
        )
        assert await db.get(Channel, other.id) is not None


async def test_a_malformed_webhook_body_is_a_400(http, session_factory):
    async with unit_of_work(session_factory) as session:
        channel = await make_channel(session)
    resp = await signed_post(http, channel, {"type": "booking.cancelled"})
    assert (resp.status_code, resp.json()["code"]) == (400, "invalid_webhook_payload")


async def test_a_non_ascii_signature_or_an_unstorable_string_is_a_4xx_not_a_500(
    http, session_factory
):
    async with unit_of_work(session_factory) as session:
        channel = await make_channel(session)
    url = f"/v1/channels/{channel.id}/webhooks"
    body = json.dumps({"id": "evt-1", "type": "booking.cancelled"}).encode()
    odd = await http.post(
        url, content=body, headers={SIGNATURE_HEADER: "sha256=\xe9".encode("latin-1")}
    )
    assert (odd.status_code, odd.json()["code"]) == (401, "invalid_signature")
    # A lone surrogate is valid JSON but no database can store it.
    lone = b'{"id": "evt-\\ud800", "type": "booking.cancelled", "data": {"x": "\\udfff"}}'
    assert channel.webhook_secret is not None
    resp = await http.post(
        url, content=lone, headers={SIGNATURE_HEADER: sign(channel.webhook_secret, lone)}
    )
    assert (resp.status_code, resp.json()["code"]) == (400, "invalid_webhook_payload")


async def test_an_event_whose_processing_gives_up_is_marked_failed_not_left_pending(
    http, session_factory, temporal_client, task_queue, monkeypatch
):
    from temporalio.exceptions import ApplicationError

    from domain.distribution import webhooks

    async def broken(*_args, **_kwargs):
        raise ApplicationError("upstream exploded", non_retryable=True)

    monkeypatch.setattr(webhooks, "process_event", broken)
    async with unit_of_work(session_factory) as session:
        channel = await make_channel(session)
    async with build_worker(temporal_client, session_factory, task_queue=task_queue):
        resp = await signed_post(http, channel, {"id": "evt-z", "type": "booking.cancelled"})
        outcome = await temporal_client.get_workflow_handle(
            workflow_id(resp.json()["event_id"])
        ).result()
    assert outcome["status"] == "failed" and "upstream exploded" in outcome["error"]
    async with session_factory() as db:
        event = await db.get_one(ChannelWebhookEvent, resp.json()["event_id"])
    assert (event.status, event.processed_at is not None) == ("failed", True)
    assert event.error.startswith("gave_up:")
