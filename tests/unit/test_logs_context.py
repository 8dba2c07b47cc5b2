"""JSON log lines carry the workflow, activity and booking they are about."""

from __future__ import annotations

import dataclasses
import io
import json
import logging

from temporalio import activity
from temporalio.testing import ActivityEnvironment

from tourflow.logs import JsonFormatter, bind_booking_id, request_id_var

BOOKING = "book_01jbqz8m3k5v6w7x8y9z0a1b2c"


def capture(name: str) -> tuple[logging.Logger, io.StringIO]:
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter())
    logger = logging.getLogger(name)
    logger.handlers = [handler]
    logger.setLevel(logging.INFO)
    logger.propagate = False
    return logger, stream


def lines(stream: io.StringIO) -> list[dict[str, object]]:
    return [json.loads(line) for line in stream.getvalue().splitlines()]


def test_a_line_outside_any_context_has_no_ids():
    logger, stream = capture("tests.logs.plain")
    logger.info("hello")
    (line,) = lines(stream)
    assert line["message"] == "hello"
    assert not {"request_id", "workflow_id", "booking_id"} & line.keys()


def test_request_id_and_a_bound_booking_id_tag_every_line():
    logger, stream = capture("tests.logs.bound")
    token = request_id_var.set("req_abc")
    try:
        with bind_booking_id(BOOKING):
            logger.info("inside")
        logger.info("after")
    finally:
        request_id_var.reset(token)
    inside, after = lines(stream)
    assert (inside["request_id"], inside["booking_id"]) == ("req_abc", BOOKING)
    assert after["request_id"] == "req_abc" and "booking_id" not in after


async def test_an_activity_line_carries_its_workflow_id_and_the_booking_in_it():
    logger, stream = capture("tests.logs.activity")

    @activity.defn(name="tests.log_something")
    async def log_something() -> None:
        logger.info("working")

    env = ActivityEnvironment()
    env.info = dataclasses.replace(
        env.info,
        activity_type="tests.log_something",
        workflow_id=f"booking-hold:{BOOKING}",
        workflow_run_id="r1",
    )
    await env.run(log_something)
    (line,) = lines(stream)
    assert line["workflow_id"] == f"booking-hold:{BOOKING}"
    assert line["run_id"] == "r1"
    assert line["activity"] == "tests.log_something"
    assert line["booking_id"] == BOOKING
