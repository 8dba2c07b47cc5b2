"""The FastAPI app factory."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from api.approvals import install_approval_handlers
from api.errors import install_error_handlers
from api.idempotency import IdempotencyMiddleware
from api.metrics import MetricsMiddleware
from api.metrics import router as metrics_router
from api.middleware import RequestIdMiddleware
from api.octo import booking_routes as octo_bookings
from api.octo import routes as octo
from api.octo.errors import install_octo_handlers
from api.routes import (
    approvals,
    availability,
    booking_fulfillment,
    booking_lines,
    booking_records,
    bookings,
    catalog,
    channel_push,
    distribution_channels,
    distribution_commercial,
    distribution_inventory,
    distribution_suppliers,
    distribution_webhooks,
    finance_collection,
    finance_credit_notes,
    finance_fx,
    finance_guarantees,
    finance_invoices,
    finance_payments,
    finance_profitability,
    finance_renditions,
    finance_series,
    finance_supplier_invoices,
    finance_tax,
    ground,
    health,
    me,
    ops,
    pii,
    places,
    quotes,
    reconciliation,
    reservation_plans,
    resources,
    settlement,
    slot_resources,
)
from tourflow.observability.tracing import instrument_app
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
    install_approval_handlers(app)
    install_octo_handlers(app)
    app.add_middleware(IdempotencyMiddleware)  # inside RequestId: errors carry the id
    app.add_middleware(RequestIdMiddleware)
    app.add_middleware(MetricsMiddleware)  # outermost: times the whole request
    app.include_router(metrics_router)
    instrument_app(app)  # OpenTelemetry, only when an exporter is configured
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
        booking_fulfillment,  # these two before bookings: their /{id}/... routes win
        booking_records,
        bookings,
        booking_lines,
        finance_series,
        finance_invoices,
        finance_credit_notes,
        finance_payments,
        finance_collection,
        finance_guarantees,
        finance_tax,
        finance_fx,
        finance_renditions,
        finance_supplier_invoices,
        finance_profitability,
        pii,
        approvals,
        quotes,
        reservation_plans,
        octo,
        octo_bookings,
        channel_push,
        distribution_channels,
        distribution_commercial,
        distribution_inventory,
        distribution_suppliers,
        distribution_webhooks,
        reconciliation,
        settlement,
    ):
        app.include_router(module.router)
    return app
