"""The worker process's own /metrics endpoint (workflow/activity outcomes, push lag, tokens)."""

from __future__ import annotations

import logging
from wsgiref.simple_server import WSGIServer

from prometheus_client import start_http_server

from tourflow.observability.settings import get_observability_settings

log = logging.getLogger(__name__)


def start_worker_metrics_server() -> WSGIServer | None:
    """Serve Prometheus metrics on TOURFLOW_WORKER_METRICS_PORT (a daemon thread), or None.

    A busy port (a second worker on the same host) is logged, never fatal: give each
    worker its own port to scrape them all.
    """
    settings = get_observability_settings()
    if settings.worker_metrics_port <= 0:
        return None
    try:
        server, _ = start_http_server(
            settings.worker_metrics_port, addr=settings.worker_metrics_host
        )
    except OSError as exc:
        log.warning(
            "worker metrics port unavailable; this worker serves no /metrics",
            extra={"port": settings.worker_metrics_port, "error": str(exc)},
        )
        return None
    log.info("worker metrics served", extra={"port": settings.worker_metrics_port})
    return server
