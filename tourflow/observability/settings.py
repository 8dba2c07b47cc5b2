"""Observability knobs (prefix TOURFLOW_), kept apart from the core settings."""

from __future__ import annotations

from functools import lru_cache
from typing import Literal

from pydantic_settings import BaseSettings, SettingsConfigDict


class ObservabilitySettings(BaseSettings):
    """Tracing is off unless an exporter is named; the worker serves metrics on a port."""

    model_config = SettingsConfigDict(env_prefix="TOURFLOW_", extra="ignore")

    # none: no tracing at all (the default); console: spans as JSON on stdout;
    # otlp: OTLP over HTTP to OTEL_EXPORTER_OTLP_ENDPOINT (default http://localhost:4318).
    otel_exporter: Literal["none", "console", "otlp"] = "none"
    otel_service_name: str | None = None
    # Where each worker process serves /metrics (0 disables it). Several workers on one
    # host need a port each; a port already in use is logged and skipped, never fatal.
    worker_metrics_port: int = 9464
    worker_metrics_host: str = "127.0.0.1"


@lru_cache
def get_observability_settings() -> ObservabilitySettings:
    """Process-wide observability settings, read once."""
    return ObservabilitySettings()
