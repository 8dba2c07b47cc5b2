"""Raw Temporal throughput: one-activity workflows that touch nothing, the floor any
workflow-backed operation pays on the same server. Kept tiny: the sandbox re-imports it."""

from __future__ import annotations

import asyncio
import time
import uuid
from datetime import timedelta

from temporalio import activity, workflow
from temporalio.client import Client
from temporalio.worker import Worker

TASK_QUEUE = "bench-raw"


@activity.defn(name="bench.noop")
async def noop(n: int) -> int:
    """Does nothing but return."""
    return n


@workflow.defn(name="BenchOneActivity")
class OneActivityWorkflow:
    """Runs `bench.noop` once."""

    @workflow.run
    async def run(self, n: int) -> int:
        return int(
            await workflow.execute_activity(noop, n, start_to_close_timeout=timedelta(seconds=30))
        )


async def throughput(client: Client, *, count: int, concurrency: int) -> float:
    """Workflows per second: `count` one-activity workflows, `concurrency` at a time."""
    run_id = uuid.uuid4().hex[:8]
    queue = list(range(count))
    async with Worker(
        client,
        task_queue=TASK_QUEUE,
        workflows=[OneActivityWorkflow],
        activities=[noop],
        disable_eager_activity_execution=True,
    ):

        async def caller() -> None:
            while queue:
                n = queue.pop()
                await client.execute_workflow(
                    OneActivityWorkflow.run, n, id=f"bench-raw-{run_id}-{n}", task_queue=TASK_QUEUE
                )

        started = time.perf_counter()
        await asyncio.gather(*(caller() for _ in range(concurrency)))
        return count / (time.perf_counter() - started)
