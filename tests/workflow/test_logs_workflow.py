"""Lines logged by a workflow and its activities carry the workflow id."""

from __future__ import annotations

import io
import json
import logging

from tests.support.observability import ShoutInput, ShoutWorkflow, shout
from tourflow.logs import JsonFormatter
from worker import build_worker


async def test_workflow_and_activity_lines_carry_the_workflow_and_booking_ids(
    temporal_client, session_factory, task_queue
):
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter())
    loggers = [logging.getLogger("temporalio.workflow"), logging.getLogger("tests.shout")]
    for logger in loggers:
        logger.addHandler(handler)
        logger.setLevel(logging.INFO)
    workflow_id = "shout:book_01jbqz8m3k5v6w7x8y9z0a1b2c:" + task_queue
    try:
        async with build_worker(
            temporal_client,
            session_factory,
            task_queue=task_queue,
            extra_workflows=[ShoutWorkflow],
            extra_activities=[shout],
        ):
            await temporal_client.execute_workflow(
                ShoutWorkflow.run, ShoutInput(text="hi"), id=workflow_id, task_queue=task_queue
            )
    finally:
        for logger in loggers:
            logger.removeHandler(handler)
    lines = {
        line["message"].split(" ")[0]: line
        for line in map(json.loads, stream.getvalue().splitlines())
    }
    assert lines["shouting"]["workflow_id"] == workflow_id
    assert lines["shout"]["workflow_id"] == workflow_id
    assert lines["shout"]["activity"] == "test_shout"
    assert lines["shout"]["booking_id"] == "book_01jbqz8m3k5v6w7x8y9z0a1b2c"
