"""A request's log lines carry its request id and the booking in its path."""

from __future__ import annotations

import io
import json
import logging

from domain.ids import new_id
from tests.api.conftest import bearer
from tourflow.logs import JsonFormatter


async def test_the_access_line_names_the_request_and_the_booking(http, make_key):
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter())
    access = logging.getLogger("tourflow.api.access")
    access.addHandler(handler)
    access.setLevel(logging.INFO)
    booking_id = new_id("book")
    try:
        resp = await http.get(
            f"/v1/bookings/{booking_id}",
            headers={**bearer(await make_key("bookings:read")), "X-Request-ID": "req-logs-1"},
        )
    finally:
        access.removeHandler(handler)
    assert resp.status_code == 404
    (line,) = [json.loads(raw) for raw in stream.getvalue().splitlines()]
    assert line["request_id"] == "req-logs-1"
    assert line["booking_id"] == booking_id
    assert (line["status"], line["path"]) == (404, f"/v1/bookings/{booking_id}")
