"""Observability: Prometheus metrics, OpenTelemetry tracing and log context for tourflow."""
