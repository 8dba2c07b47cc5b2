"""A worker process running only the channel push workflows and activities, until SIGTERM.

Used by the push benchmark and the two-process budget test to run several push workers
against one database and one Temporal server (the full worker, `worker.py`, also runs
these; this one starts faster and runs nothing else).

Usage: python -m tourflow.push_worker DATABASE_URL TEMPORAL_ADDRESS TASK_QUEUE READY_FILE
(READY_FILE is written once the worker polls.)
"""

from __future__ import annotations

import asyncio
import signal
import sys
from pathlib import Path

from temporalio.worker import Worker

from activities.channel_push import ChannelPushActivities
from domain.db import make_engine, make_session_factory
from tourflow.temporal import connect
from workflows.channel_booking_push import ChannelBookingPushWorkflow
from workflows.channel_queue_push import ChannelQueuePushWorkflow


async def serve(url: str, address: str, task_queue: str, ready: Path) -> None:
    """Run the push worker until SIGINT/SIGTERM; write `ready` once it is polling."""
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    engine = make_engine(url)
    client = await connect(address, "default")
    worker = Worker(
        client,
        task_queue=task_queue,
        workflows=[ChannelBookingPushWorkflow, ChannelQueuePushWorkflow],
        activities=ChannelPushActivities(make_session_factory(engine)).all(),
        # Eager activities would bypass the task queue; pushes take tokens from the shared
        # budget anyway, but keep dispatch identical to the full worker.
        disable_eager_activity_execution=True,
    )
    async with worker:
        await asyncio.to_thread(ready.write_text, "ready")
        await stop.wait()
    await engine.dispose()


def main(argv: list[str]) -> None:
    """Entry point: DATABASE_URL TEMPORAL_ADDRESS TASK_QUEUE READY_FILE."""
    if len(argv) != 4:
        raise SystemExit(__doc__)
    asyncio.run(serve(argv[0], argv[1], argv[2], Path(argv[3])))


if __name__ == "__main__":
    main(sys.argv[1:])
