"""One trace links an API request to the workflow it started after commit, and its activity."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator

import httpx
import pytest
from opentelemetry import trace
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from api.app import create_app
from domain.auth.service import create_principal_with_key
from domain.db import unit_of_work
from tests.api.conftest import bearer
from tourflow.observability.tracing import (
    configure_tracing,
    shutdown_tracing,
    temporal_interceptors,
    tracing_enabled,
)
from tourflow.runtime import Runtime
from tourflow.temporal import TemporalClientProvider, connect
from worker import build_worker


@pytest.fixture
def spans() -> Iterator[InMemorySpanExporter]:
    exporter = InMemorySpanExporter()
    assert configure_tracing("tourflow-test", exporter=exporter, batch=False)
    yield exporter
    shutdown_tracing()


async def test_a_request_its_workflow_and_the_workflows_activity_share_one_trace(
    spans, settings, database_url, engine, session_factory, temporal_address, task_queue
):
    client = await connect(temporal_address, "default")  # carries the tracing interceptor
    runtime = Runtime(
        settings=settings,
        database_url=database_url,
        engine=engine,
        session_factory=session_factory,
        temporal=TemporalClientProvider.of(client),
    )
    transport = httpx.ASGITransport(app=create_app(runtime))
    async with unit_of_work(session_factory) as session:
        _, key = await create_principal_with_key(
            session, kind="staff", name="tracer", scopes=["*:*"]
        )
    h = bearer(key)
    async with (
        httpx.AsyncClient(transport=transport, base_url="http://tourflow.test") as http,
        build_worker(client, session_factory, task_queue=task_queue),
    ):
        product = (await http.post("/v1/catalog/products", json={"name": "Walk"}, headers=h)).json()
        option = (
            await http.post(
                f"/v1/catalog/products/{product['id']}/options", json={"name": "AM"}, headers=h
            )
        ).json()
        rule = await http.post(
            "/v1/availability/rules",
            headers=h,
            json={
                "option_id": option["id"],
                "rrule": "FREQ=DAILY;COUNT=2",
                "dtstart": "2026-07-01",
                "start_times": ["09:00"],
                "timezone": "Europe/Lisbon",
                "capacity": 8,
            },
        )
        assert rule.status_code == 201, rule.text
        for _ in range(200):
            names = {s.name for s in spans.get_finished_spans()}
            if "RunActivity:availability.generate_horizon" in names:
                break
            await asyncio.sleep(0.05)

    finished = spans.get_finished_spans()
    servers = [
        s
        for s in finished
        if s.name == "POST /v1/availability/rules" and s.kind == trace.SpanKind.SERVER
    ]
    assert len(servers) == 1  # one server span per request, not one per instrumentation
    (request,) = servers
    trace_id = request.context.trace_id
    in_trace = {s.name for s in finished if s.context.trace_id == trace_id}
    assert "StartWorkflow:SlotHorizon" in in_trace
    assert "RunWorkflow:SlotHorizon" in in_trace
    assert "RunActivity:availability.generate_horizon" in in_trace


def test_tracing_is_off_unless_an_exporter_is_configured():
    assert not tracing_enabled()
    assert configure_tracing("tourflow-test") is False  # TOURFLOW_OTEL_EXPORTER unset
    assert temporal_interceptors() == []
