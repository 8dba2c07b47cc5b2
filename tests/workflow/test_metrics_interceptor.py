"""Workflow and activity outcomes are counted by type, once per real completion."""

from __future__ import annotations

import uuid

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families
from temporalio.client import WorkflowFailureError

from tests.support.observability import ShoutInput, ShoutWorkflow, shout
from tourflow.embedded import free_port
from tourflow.observability.metrics import ACTIVITY_OUTCOMES, WORKFLOW_OUTCOMES
from tourflow.observability.server import start_worker_metrics_server
from tourflow.observability.settings import get_observability_settings
from worker import build_worker


def count(metric, **labels) -> float:
    return float(metric.labels(**labels)._value.get())


async def test_completed_and_failed_workflows_and_activities_are_counted_by_type(
    temporal_client, session_factory, task_queue
):
    wf = {"workflow_type": "TestShout"}
    act = {"activity_type": "test_shout"}
    before = (
        count(WORKFLOW_OUTCOMES, **wf, outcome="completed"),
        count(WORKFLOW_OUTCOMES, **wf, outcome="failed"),
        count(ACTIVITY_OUTCOMES, **act, outcome="completed"),
        count(ACTIVITY_OUTCOMES, **act, outcome="failed"),
    )
    worker = build_worker(
        temporal_client,
        session_factory,
        task_queue=task_queue,
        extra_workflows=[ShoutWorkflow],
        extra_activities=[shout],
    )
    async with worker:
        ok = await temporal_client.execute_workflow(
            ShoutWorkflow.run,
            ShoutInput(text="hi"),
            id=f"shout:{uuid.uuid4().hex}",
            task_queue=task_queue,
        )
        with pytest.raises(WorkflowFailureError):
            await temporal_client.execute_workflow(
                ShoutWorkflow.run,
                ShoutInput(text="no", fail=True),
                id=f"shout:{uuid.uuid4().hex}",
                task_queue=task_queue,
            )
    assert ok == "HI"
    after = (
        count(WORKFLOW_OUTCOMES, **wf, outcome="completed"),
        count(WORKFLOW_OUTCOMES, **wf, outcome="failed"),
        count(ACTIVITY_OUTCOMES, **act, outcome="completed"),
        count(ACTIVITY_OUTCOMES, **act, outcome="failed"),
    )
    assert [a - b for a, b in zip(after, before, strict=True)] == [1, 1, 1, 1]


async def test_the_worker_serves_its_counters_in_prometheus_text_format(monkeypatch):
    port = free_port()
    monkeypatch.setenv("TOURFLOW_WORKER_METRICS_PORT", str(port))
    get_observability_settings.cache_clear()
    server = start_worker_metrics_server()
    try:
        assert server is not None and server.server_port == port
        WORKFLOW_OUTCOMES.labels(workflow_type="TestServed", outcome="completed").inc()
        async with httpx.AsyncClient() as client:
            body = (await client.get(f"http://127.0.0.1:{port}/metrics")).text
        # A second worker on the same host finds the port taken and carries on without it.
        assert start_worker_metrics_server() is None
    finally:
        if server is not None:
            server.shutdown()
            server.server_close()
        get_observability_settings.cache_clear()
    names = {s.name for f in text_string_to_metric_families(body) for s in f.samples}
    assert "tourflow_workflow_outcomes_total" in names
    assert "tourflow_activity_outcomes_total" in names
