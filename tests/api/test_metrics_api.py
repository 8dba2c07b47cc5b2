"""`/metrics`: Prometheus text format, latency by route template, backlogs from PostgreSQL."""

from __future__ import annotations

import uuid

from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import text

from domain.db import unit_of_work
from domain.ids import new_id
from domain.intents.service import IntentSpec, write_intent
from domain.outbox.record import record_event
from tests.api.conftest import bearer


def samples(body: str) -> dict[tuple[str, frozenset[tuple[str, str]]], float]:
    """Parse the exposition (fails on anything that is not Prometheus text format)."""
    return {
        (s.name, frozenset(s.labels.items())): s.value
        for family in text_string_to_metric_families(body)
        for s in family.samples
    }


def value(parsed, name, **labels) -> float:
    return float(parsed.get((name, frozenset(labels.items())), 0.0))


async def scrape(http, key) -> dict[tuple[str, frozenset[tuple[str, str]]], float]:
    resp = await http.get("/metrics", headers=bearer(key))
    assert resp.status_code == 200, resp.text
    assert resp.headers["content-type"].startswith("text/plain")
    return samples(resp.text)


async def test_metrics_need_an_ops_read_key(http, make_key):
    assert (await http.get("/metrics")).status_code == 401
    other = await make_key("bookings:read")
    forbidden = await http.get("/metrics", headers=bearer(other))
    assert forbidden.status_code == 403
    assert forbidden.json()["code"] == "missing_scope"


async def test_latency_is_labelled_by_route_template_never_by_raw_path(http, make_key):
    key = await make_key("ops:read", "bookings:read", "operations:read")
    count = "tourflow_http_request_duration_seconds_count"
    template = {"method": "GET", "route": "/v1/bookings/{booking_id}", "status": "404"}
    before = value(await scrape(http, key), count, **template)

    nested = {"method": "GET", "route": "/v1/ground/vehicles/{vehicle_id}", "status": "404"}
    nested_before = value(await scrape(http, key), count, **nested)
    missing = new_id("book")
    await http.get(f"/v1/bookings/{missing}", headers=bearer(key))
    await http.get(f"/v1/ground/vehicles/{new_id('gveh')}", headers=bearer(key))
    await http.get(f"/no/such/path/{uuid.uuid4().hex}", headers=bearer(key))

    parsed = await scrape(http, key)
    assert value(parsed, count, **template) == before + 1
    assert value(parsed, count, **nested) == nested_before + 1  # a router inside a router
    assert value(parsed, count, method="GET", route="unmatched", status="404") >= 1
    assert not any(missing in dict(labels).get("route", "") for _, labels in parsed)


async def test_backlogs_count_pending_intents_and_outbox_deliveries(
    http, make_key, session_factory, task_queue
):
    key = await make_key("ops:read")
    before = await scrape(http, key)
    assert value(before, "tourflow_intent_backlog", status="pending") == 0

    # Written without a dispatcher: the intents stay pending, as when Temporal is down.
    async with unit_of_work(session_factory) as session:
        for n in range(3):
            await write_intent(
                session,
                IntentSpec(
                    workflow_type="TestEcho",
                    workflow_id=f"echo:{uuid.uuid4().hex}:{n}",
                    task_queue=task_queue,
                    input={"message": "x"},
                ),
            )
        record_event(
            session,
            aggregate_type="metrics_test",
            aggregate_id="agg_1",
            event_type="metrics_test.happened",
            payload={},
        )

    parsed = await scrape(http, key)
    assert value(parsed, "tourflow_intent_backlog", status="pending") == 3
    assert value(parsed, "tourflow_intent_oldest_pending_seconds") >= 0
    assert value(parsed, "tourflow_outbox_backlog", status="unfanned") == 1
    assert ("tourflow_outbox_backlog", frozenset({("status", "pending")})) in parsed


async def test_channel_tokens_and_latest_push_lag_are_read_from_the_database(
    http, make_key, engine
):
    key = await make_key("ops:read")
    channel_id = new_id("chan")
    async with engine.begin() as conn:
        await conn.execute(
            text("INSERT INTO channels (id, name, kind) VALUES (:id, 'Metrics OTA', 'ota')"),
            {"id": channel_id},
        )
        await conn.execute(
            text(
                "INSERT INTO channel_rate_buckets (id, channel_id, tokens, refilled_at)"
                " VALUES (:bid, :id, 3.5, now())"
            ),
            {"bid": new_id("chrb"), "id": channel_id},
        )
        for lag_ms, age in ((9000, "2 minutes"), (1500, "1 minute")):
            await conn.execute(
                text(
                    "INSERT INTO channel_deliveries (id, channel_id, flow, subject_id, attempt,"
                    " method, url, request_headers, outcome, lag_ms, created_at) VALUES"
                    " (:did, :id, 'booking', 'book_x', 1, 'POST', 'http://ota.test/b', '{}',"
                    " 'ok', :lag, now() - CAST(:age AS interval))"
                ),
                {"did": new_id("chdl"), "id": channel_id, "lag": lag_ms, "age": age},
            )
    parsed = await scrape(http, key)
    assert value(parsed, "tourflow_channel_rate_tokens", channel_id=channel_id) == 3.5
    assert value(parsed, "tourflow_channel_push_last_lag_seconds", channel_id=channel_id) == 1.5
