"""The HTTP channel adapter (httpx): one call per method, timeouts set, no retries.

It speaks the channel API served by `adapters.channels.sim_channel` (bookings,
availability per slot, content per product, a paged booking report), authenticating
with `Authorization: Bearer <secret>`. Non-2xx answers are classified, never raised:
429 is `rate_limited` (with `Retry-After` seconds), 5xx / timeouts / network errors are
`retryable`, other 4xx are `rejected`.
"""

from __future__ import annotations

import time
from email.utils import parsedate_to_datetime
from typing import Any

import httpx

from adapters.channels.base import (
    AvailabilityPush,
    BookingPush,
    Capabilities,
    ContentPush,
    Exchange,
    PushOutcome,
    ReportPage,
)

DEFAULT_TIMEOUT = httpx.Timeout(10.0, connect=3.0)


def parse_retry_after(value: str | None, *, now: float | None = None) -> float | None:
    """`Retry-After` as seconds: delta-seconds or an HTTP date; None when absent/garbled."""
    if not value:
        return None
    value = value.strip()
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - (now if now is not None else time.time()))


def _json(resp: httpx.Response) -> Any:
    try:
        return resp.json()
    except ValueError:
        return resp.text[:2000]


class HttpChannelAdapter:
    """A SourceAdapter over HTTP for one connection."""

    capabilities = Capabilities(
        booking_push=True, availability_push=True, content_push=True, cancel=True, fetch_report=True
    )

    def __init__(
        self,
        base_url: str,
        secret: str | None = None,
        *,
        timeout: httpx.Timeout = DEFAULT_TIMEOUT,
        client: httpx.AsyncClient | None = None,
    ) -> None:
        self._base = base_url.rstrip("/")
        self._headers = {"authorization": f"Bearer {secret}"} if secret else {}
        self._client = client or httpx.AsyncClient(timeout=timeout)

    async def aclose(self) -> None:
        """Close the connection pool."""
        await self._client.aclose()

    async def _call(
        self, method: str, path: str, body: Any = None, params: dict[str, Any] | None = None
    ) -> tuple[httpx.Response | None, Exchange]:
        url = f"{self._base}{path}"
        headers = {"content-type": "application/json", **self._headers}
        started = time.perf_counter()
        try:
            resp = await self._client.request(
                method, url, json=body, headers=headers, params=params
            )
        except httpx.HTTPError as exc:
            elapsed = int((time.perf_counter() - started) * 1000)
            error = f"{type(exc).__name__}: {exc}"[:500]
            return None, Exchange(method, url, headers, body, duration_ms=elapsed, error=error)
        elapsed = int((time.perf_counter() - started) * 1000)
        exchange = Exchange(
            method,
            url,
            headers,
            body,
            status_code=resp.status_code,
            response_body=_json(resp),
            duration_ms=elapsed,
        )
        return resp, exchange

    @staticmethod
    def _outcome(resp: httpx.Response | None, exchange: Exchange) -> PushOutcome:
        if resp is None:
            return PushOutcome("retryable", exchange, error=exchange.error)
        body = exchange.response_body if isinstance(exchange.response_body, dict) else {}
        if resp.is_success:
            return PushOutcome(
                "ok", exchange, external_id=body.get("id"), external_status=body.get("status")
            )
        error = f"HTTP {resp.status_code}: {body.get('error') or body.get('message') or ''}"
        if resp.status_code == 429:
            retry_after = parse_retry_after(resp.headers.get("retry-after"))
            return PushOutcome("rate_limited", exchange, retry_after=retry_after, error=error)
        if resp.status_code >= 500 or resp.status_code in (408, 425):
            return PushOutcome("retryable", exchange, error=error)
        return PushOutcome("rejected", exchange, error=error)

    async def push_booking(self, push: BookingPush) -> PushOutcome:
        """POST /v1/bookings (the channel dedupes by idempotency key)."""
        body = {
            "idempotency_key": push.idempotency_key,
            "reference": push.reference,
            "product_ref": push.product_ref,
            "rate_ref": push.rate_ref,
            "slot_ref": push.slot_ref,
            "start_at": push.start_at,
            "pax": push.pax,
            "amount_minor": push.amount_minor,
            "currency": push.currency,
            "contact": push.contact,
        }
        return self._outcome(*await self._call("POST", "/v1/bookings", body))

    async def cancel_booking(self, external_id: str) -> PushOutcome:
        """POST /v1/bookings/{id}/cancel."""
        return self._outcome(*await self._call("POST", f"/v1/bookings/{external_id}/cancel", {}))

    async def push_availability(self, push: AvailabilityPush) -> PushOutcome:
        """PUT /v1/availability/{slot_ref}."""
        body = {
            "product_ref": push.product_ref,
            "start_at": push.start_at,
            "available": push.available,
            "status": push.status,
            "seq": push.seq,
        }
        return self._outcome(*await self._call("PUT", f"/v1/availability/{push.slot_ref}", body))

    async def push_content(self, push: ContentPush) -> PushOutcome:
        """PUT /v1/content/{product_ref}."""
        body = {"content": push.content, "hash": push.content_hash}
        return self._outcome(*await self._call("PUT", f"/v1/content/{push.product_ref}", body))

    async def fetch_report(self, *, period_start: str, period_end: str, page: int) -> ReportPage:
        """GET /report for one page."""
        params = {"period_start": period_start, "period_end": period_end, "page": page}
        resp, exchange = await self._call("GET", "/report", params=params)
        if resp is None or not resp.is_success or not isinstance(exchange.response_body, dict):
            error = exchange.error or f"HTTP {exchange.status_code}"
            return ReportPage(items=[], has_more=False, exchange=exchange, error=error)
        body = exchange.response_body
        return ReportPage(
            items=list(body.get("items", [])),
            has_more=bool(body.get("has_more")),
            exchange=exchange,
            extra={"total": body.get("total")},
        )
