"""The FastAPI app factory."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from api.errors import install_error_handlers
from api.middleware import RequestIdMiddleware
from api.routes import (
    availability,
    bookings,
    catalog,
    ground,
    health,
    me,
    ops,
    places,
    resources,
    slot_resources,
)
from tourflow.runtime import Runtime, resolve_runtime


def create_app(runtime: Runtime | None = None) -> FastAPI:
    """Build the app. Without `runtime`, one is resolved from settings at startup."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        if runtime is not None:
            app.state.runtime = runtime
            yield
            return
        async with resolve_runtime() as resolved:
            app.state.runtime = resolved
            yield

    app = FastAPI(
        title="tourflow",
        version="0.1.0",
        summary="Durable-workflow backend for tour operators, DMCs and OTAs.",
        lifespan=lifespan,
    )
    if runtime is not None:
        app.state.runtime = runtime  # usable without a lifespan (tests over ASGITransport)
    install_error_handlers(app)
    app.add_middleware(RequestIdMiddleware)
    for module in (
        health,
        me,
        ops,
        catalog,
        availability,
        slot_resources,
        resources,
        ground,
        places,
        bookings,
    ):
        app.include_router(module.router)
    return app
