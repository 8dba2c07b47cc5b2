"""OpenTelemetry tracing for FastAPI, httpx and Temporal; off unless an exporter is chosen.

`TOURFLOW_OTEL_EXPORTER=console|otlp` turns it on for a process (`tourflow api`, `tourflow
worker`, `tourflow up` passes it on). Then:

- every API request is a server span (route template as its name);
- every outgoing httpx call (channels, processors) is a client span with `traceparent`;
- every Temporal client built by `tourflow.temporal.connect` carries Temporal's
  `TracingInterceptor`, which puts the current span context into workflow start/signal
  headers, so the intent dispatcher's start after commit, the workflow run and its
  activities all land in the request's trace. Workers pick the interceptor up from the
  client they are given.

Tests pass their own exporter to `configure_tracing` (an in-memory one).
"""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI
from opentelemetry import trace
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import (
    BatchSpanProcessor,
    SimpleSpanProcessor,
    SpanExporter,
)

from tourflow.observability.settings import get_observability_settings

log = logging.getLogger(__name__)

_state: dict[str, Any] = {"enabled": False}


def tracing_enabled() -> bool:
    """Whether `configure_tracing` turned tracing on in this process."""
    return bool(_state["enabled"])


def configure_tracing(
    service_name: str, *, exporter: SpanExporter | None = None, batch: bool = True
) -> bool:
    """Install a tracer provider and instrument httpx, if an exporter is given or configured.

    Idempotent: the first call that enables tracing wins (OpenTelemetry allows one global
    provider per process). Returns whether tracing is on.
    """
    if _state["enabled"]:
        return True
    settings = get_observability_settings()
    if exporter is None:
        exporter = _configured_exporter(settings.otel_exporter)
    if exporter is None:
        return False
    if _state.get("provider") is not None:  # re-enabled after shutdown_tracing (tests)
        _state["provider"].add_span_processor(SimpleSpanProcessor(exporter))
        return _enable()
    provider = TracerProvider(
        resource=Resource.create({"service.name": settings.otel_service_name or service_name})
    )
    processor = BatchSpanProcessor(exporter) if batch else SimpleSpanProcessor(exporter)
    provider.add_span_processor(processor)
    trace.set_tracer_provider(provider)
    _state["provider"] = provider
    log.info("tracing on", extra={"service": service_name, "exporter": type(exporter).__name__})
    return _enable()


def _enable() -> bool:
    from opentelemetry.instrumentation.httpx import HTTPXClientInstrumentor

    HTTPXClientInstrumentor().instrument()
    _state["enabled"] = True
    return True


def shutdown_tracing() -> None:
    """Flush spans and stop instrumenting new clients and apps (process exit, tests)."""
    if not _state["enabled"]:
        return
    from opentelemetry.instrumentation.httpx import HTTPXClientInstrumentor

    HTTPXClientInstrumentor().uninstrument()
    provider = trace.get_tracer_provider()
    if isinstance(provider, TracerProvider):
        provider.force_flush()
    _state["enabled"] = False


def _configured_exporter(name: str) -> SpanExporter | None:
    if name == "console":
        from opentelemetry.sdk.trace.export import ConsoleSpanExporter

        return ConsoleSpanExporter()
    if name == "otlp":
        from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter

        return OTLPSpanExporter()  # endpoint from OTEL_EXPORTER_OTLP_* variables
    return None


def instrument_app(app: FastAPI) -> None:
    """Trace the app's requests (probes and /metrics excluded) when tracing is on."""
    if not tracing_enabled():
        return
    from opentelemetry.instrumentation.fastapi import FastAPIInstrumentor

    FastAPIInstrumentor.instrument_app(app, excluded_urls="healthz,readyz,metrics")


def temporal_interceptors() -> list[Any]:
    """Temporal client interceptors: the tracing one when tracing is on, else none."""
    if not tracing_enabled():
        return []
    from temporalio.contrib.opentelemetry import TracingInterceptor

    return [TracingInterceptor()]
