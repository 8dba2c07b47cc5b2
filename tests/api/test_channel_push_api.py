"""Channel push API: connections, sync health, the delivery log, operator re-push."""

from __future__ import annotations

import asyncio
import time

from sqlalchemy import select

from domain.channel_push.models import (
    ChannelAvailabilityPushIntent,
    ChannelConnection,
    ChannelContentPushIntent,
    ChannelDelivery,
)
from domain.channel_push.subscribers import channel_push_subscribers
from domain.db import unit_of_work
from domain.intents.dispatcher import IntentDispatcher
from domain.intents.models import WorkflowIntent
from domain.outbox.relay import OutboxRelay
from tests.api.conftest import bearer
from tests.support.bookings import book, spec_for
from tests.support.catalog import product_with_option, slot
from tests.support.channel_push import FAST, connected_channel, sim_channel
from tests.support.distribution import make_booking_link, make_channel, make_mapping
from tourflow.temporal import TemporalClientProvider
from worker import build_worker


async def test_a_connection_is_set_per_channel_and_its_secret_never_comes_back(
    http, make_key, session_factory
) -> None:
    async with unit_of_work(session_factory) as session:
        channel = await make_channel(session)
    writer = bearer(await make_key("distribution:write", "distribution:read"))
    reader = bearer(await make_key("distribution:read"))
    body = {"base_url": "http://127.0.0.1:8791", "secret": "s3cret"}
    put = await http.put(f"/v1/channels/{channel.id}/connection", json=body, headers=writer)
    got = await http.get(f"/v1/channels/{channel.id}/connection", headers=reader)
    denied = await http.put(f"/v1/channels/{channel.id}/connection", json=body, headers=reader)
    malformed = await http.put(
        f"/v1/channels/{channel.id}/connection", json={"base_url": "ftp://x"}, headers=writer
    )
    unknown = await http.get(
        "/v1/channels/chan_01h455vb4pex5vsknk084sn02q/connection", headers=reader
    )
    assert put.status_code == 200
    assert got.json()["has_secret"] is True and "secret" not in got.json()
    assert denied.status_code == 403
    assert malformed.status_code == 422
    assert (unknown.status_code, unknown.json()["code"]) == (404, "channel_not_found")


async def test_sync_health_counts_pending_failing_abandoned_and_reports_lag(
    http, make_key, session_factory
) -> None:
    _, option = await product_with_option(session_factory)
    departure = await slot(session_factory, option)
    booking = await book(session_factory, spec_for(departure, status="confirmed"))
    async with unit_of_work(session_factory) as session:
        channel = await make_channel(session)
        await make_booking_link(session, channel, booking.id, push_status="abandoned")
        for n, status in enumerate(("pending", "failed", "ok")):
            session.add(
                ChannelAvailabilityPushIntent(
                    channel_id=channel.id, slot_id=f"avsl_{n}", push_status=status
                )
            )
        for lag in (100, 200, 300, 400):
            session.add(
                ChannelDelivery(
                    channel_id=channel.id, flow="availability", subject_id="x", attempt=1,
                    method="PUT", url="http://x", request_headers={}, outcome="ok", lag_ms=lag,
                )
            )  # fmt: skip
    resp = await http.get(
        f"/v1/channels/{channel.id}/sync-health",
        headers=bearer(await make_key("distribution:read")),
    )
    body = resp.json()
    assert resp.status_code == 200
    assert (body["pending"], body["failing"], body["abandoned"]) == (1, 1, 1)
    assert body["flows"]["booking"]["abandoned"] == 1
    assert body["flows"]["availability"]["ok"] == 1
    assert body["push_lag_ms_p50"] == 250.0
    assert body["last_success_at"] is not None
    assert body["oldest_pending_age_seconds"] >= 0


async def test_an_operator_re_push_resets_the_link_and_starts_a_derived_workflow_once(
    http, make_key, session_factory
) -> None:
    _, option = await product_with_option(session_factory)
    departure = await slot(session_factory, option)
    booking = await book(session_factory, spec_for(departure, status="confirmed"))
    async with unit_of_work(session_factory) as session:
        channel = await make_channel(session)
        link = await make_booking_link(
            session, channel, booking.id, push_status="abandoned", attempts=12, last_error="503"
        )
        busy = await make_booking_link(
            session, await make_channel(session), booking.id, push_status="in_flight"
        )
    writer = bearer(await make_key("distribution:write"))
    first = await http.post(f"/v1/channel-links/{link.id}/repush", headers=writer)
    again = await http.post(f"/v1/channel-links/{link.id}/repush", headers=writer)
    in_flight = await http.post(f"/v1/channel-links/{busy.id}/repush", headers=writer)
    bad_id = await http.post("/v1/channel-links/nope/repush", headers=writer)
    assert first.status_code == 202
    assert first.json() == {
        "link_id": link.id,
        "push_status": "pending",
        "workflow_id": f"channel-booking-repush:{link.id}:12",
    }
    assert again.json()["workflow_id"] == first.json()["workflow_id"]
    assert (in_flight.status_code, in_flight.json()["code"]) == (409, "link_in_flight")
    assert bad_id.status_code == 400
    async with session_factory() as session:
        intents = (
            await session.scalars(
                select(WorkflowIntent).where(
                    WorkflowIntent.workflow_id == f"channel-booking-repush:{link.id}:12"
                )
            )
        ).all()
    assert len(intents) == 1
    assert intents[0].input is not None and intents[0].input["link_ids"] == [link.id]


async def test_a_product_changed_over_the_api_reaches_the_channel_once_per_real_change(
    http, make_key, session_factory, temporal_client, task_queue
) -> None:
    writer = bearer(await make_key("catalog:write", "catalog:read"))
    product, option = await product_with_option(session_factory)
    async with sim_channel() as sim:
        channel = await connected_channel(session_factory, sim.url, rate_rps=50, rate_burst=10)
        async with unit_of_work(session_factory) as session:
            await make_mapping(session, channel, product.id, external_product_id="ext-c")
        dispatcher = IntentDispatcher(session_factory, TemporalClientProvider.of(temporal_client))
        relay = OutboxRelay(
            session_factory,
            channel_push_subscribers(task_queue, FAST),
            after_commit=dispatcher.dispatch,
        )

        async def settled(changes: int) -> None:
            deadline = time.monotonic() + 60
            while True:
                await relay.drain()
                async with session_factory() as session:
                    intent = await session.scalar(select(ChannelContentPushIntent))
                if intent is not None and (intent.changes, intent.push_status) == (changes, "ok"):
                    return
                assert time.monotonic() < deadline, "content never settled"
                await asyncio.sleep(0.05)

        async with build_worker(temporal_client, session_factory, task_queue=task_queue):
            path = f"/v1/catalog/products/{product.id}"
            first = await http.patch(path, json={"name": "Sunset walk"}, headers=writer)
            await settled(1)
            again = await http.patch(path, json={"name": "Sunset walk"}, headers=writer)
            await settled(2)
            unit = await http.post(
                f"/v1/catalog/options/{option.id}/units",
                json={"name": "Child", "price_minor": 1500, "currency": "EUR"},
                headers=writer,
            )
            await settled(3)
            priced = await http.patch(
                f"/v1/catalog/units/{unit.json()['id']}", json={"price_minor": 1700}, headers=writer
            )
            await settled(4)
    assert (first.status_code, first.json()["name"], again.status_code) == (200, "Sunset walk", 200)
    assert unit.status_code == 201
    pushed = sim.requests("/v1/content")
    assert len(pushed) == 3  # the unchanged second update was never pushed (same hash)
    assert sim.state.content["ext-c"]["content"]["name"] == "Sunset walk"
    units = sim.state.content["ext-c"]["content"]["options"][0]["units"]
    assert (priced.status_code, units[-1]["name"], units[-1]["price_minor"]) == (200, "Child", 1700)


async def test_connecting_a_channel_re_drives_what_it_is_owed(
    http, make_key, session_factory
) -> None:
    _, option = await product_with_option(session_factory)
    departure = await slot(session_factory, option)
    booking = await book(session_factory, spec_for(departure, status="confirmed"))
    async with unit_of_work(session_factory) as session:
        channel = await make_channel(session)
        session.add(
            ChannelConnection(
                channel_id=channel.id, base_url="http://127.0.0.1:9", status="disabled"
            )
        )
        await make_booking_link(session, channel, booking.id, last_error="no active connection")
        session.add(ChannelAvailabilityPushIntent(channel_id=channel.id, slot_id="avsl_held"))
    writer = bearer(await make_key("distribution:write", "distribution:read"))
    reader = bearer(await make_key("distribution:read"))
    held = await http.get(f"/v1/channels/{channel.id}/sync-health", headers=reader)
    put = await http.put(
        f"/v1/channels/{channel.id}/connection",
        json={"base_url": "http://127.0.0.1:9"},
        headers=writer,
    )
    after = await http.get(f"/v1/channels/{channel.id}/sync-health", headers=reader)
    operator = await http.post(f"/v1/channels/{channel.id}/redrive", headers=writer)
    denied = await http.post(f"/v1/channels/{channel.id}/redrive", headers=reader)
    assert held.json()["held"] == "channel has no active connection"
    assert held.json()["connection_status"] == "disabled"
    assert put.json()["redriven"] == {"availability": 1, "content": 0, "booking": 1}
    assert after.json()["held"] is None
    assert operator.status_code == 202
    assert operator.json() == {
        "redriven": {"availability": 1, "content": 0, "booking": 1},
        "held": None,
    }
    assert denied.status_code == 403
    async with session_factory() as session:
        intents = (
            await session.scalars(
                select(WorkflowIntent).where(
                    WorkflowIntent.search_attributes["ChannelId"].astext == channel.id
                )
            )
        ).all()
    by_id = {i.workflow_id: i for i in intents}
    push_id = f"channel-booking-push:{booking.id}:{channel.id}"
    assert set(by_id) == {push_id, f"channel-availability-push:{channel.id}"}
    # Signal-with-start: a run waiting on the hold re-checks now, a closed one runs again.
    assert (by_id[push_id].kind, by_id[push_id].signal_name) == ("signal", "recheck")
    assert by_id[push_id].id_reuse_policy == "allow_duplicate"
