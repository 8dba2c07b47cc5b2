"""Prometheus: a latency middleware labelled by route template, and the `/metrics` route."""

from __future__ import annotations

import time
from typing import Annotated

from fastapi import APIRouter, Depends, Response
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.deps import RuntimeDep, require
from domain.auth.service import AuthenticatedPrincipal
from tourflow.observability.metrics import HTTP_LATENCY, refresh_backlog, refresh_channels

router = APIRouter(tags=["ops"])

UNMATCHED = "unmatched"  # 404s must not mint one series per probed path


def route_template(scope: Scope) -> str:
    """The matched route's full path template (`/v1/bookings/{booking_id}`), or `unmatched`.

    FastAPI keeps a route of a nested router under its own short path (`/vehicles`) in
    `scope["route"]`; the full template is on the effective route context it records, so
    that is read first.
    """
    fastapi_scope = scope.get("fastapi")
    context = (
        fastapi_scope.get("effective_route_context") if isinstance(fastapi_scope, dict) else None
    )
    for candidate in (getattr(context, "starlette_route", None), context, scope.get("route")):
        path = getattr(candidate, "path_format", None) or getattr(candidate, "path", None)
        if isinstance(path, str) and path:
            return path
    return UNMATCHED


class MetricsMiddleware:
    """Observe every HTTP request's duration under its method, route template and status."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500

        async def send_and_note(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, send_and_note)
        finally:
            HTTP_LATENCY.labels(
                method=scope["method"], route=route_template(scope), status=str(status)
            ).observe(time.perf_counter() - started)


@router.get(
    "/metrics",
    summary="Prometheus metrics (text format)",
    response_class=Response,
    responses={200: {"content": {CONTENT_TYPE_LATEST: {}}}},
)
async def metrics(
    runtime: RuntimeDep,
    _: Annotated[AuthenticatedPrincipal, Depends(require("ops:read"))],
) -> Response:
    """API latency, workflow/activity outcomes seen by this process, push lag and rate tokens
    per channel, and the outbox and intent backlogs (read from PostgreSQL now)."""
    await refresh_backlog(runtime.session_factory)
    await refresh_channels(runtime.session_factory)
    return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)
