"""A simulated OTA channel, served over HTTP (`tourflow sim-channel --port 8791`).

Channel API (what tourflow's HTTP adapter calls; `Authorization: Bearer <secret>` when a
secret is set):
- `POST /v1/bookings` `{idempotency_key, product_ref, rate_ref, slot_ref, start_at, pax,
  amount_minor, currency, reference}` creates a booking, or answers the existing one for the
  same `idempotency_key` (200 instead of 201): a replayed push never books twice.
- `POST /v1/bookings/{id}/cancel`, `GET /v1/bookings`, `GET /v1/bookings/{id}`.
- `PUT /v1/availability/{slot_ref}` `{product_ref, start_at, available, status, seq}` and
  `GET /v1/availability[/{slot_ref}]`: the latest pushed state per slot, plus its history.
- `PUT /v1/content/{product_ref}` `{content, hash}` and `GET /v1/content/{product_ref}`.
- `GET /report?period_start=YYYY-MM-DD&period_end=YYYY-MM-DD&page=1&page_size=100`: the
  channel's booking report (reconciliation), bookings created in the period (inclusive),
  with external id, reference, status, amount, commission and payout.

The channel enforces its own token-bucket rate limit (429 + `Retry-After`), and its faults
are configurable at run time. Admin API (never rate limited, faulted or logged):
- `GET|PUT /_admin/config` `{rate_rps, rate_burst, error_rate, timeout_rate,
  timeout_seconds, latency_ms, fail_next, fail_status, fail_product_refs, seed}`
  (`fail_product_refs`: bookings of these products answer 503).
- `POST /_admin/down {"seconds": 600}` opens a downtime window from the channel's now;
  `POST /_admin/clock {"advance_seconds": 600}` moves the channel's clock (simulated time).
- `GET /_admin/requests`: every channel request with its arrival time and answer status.
- `PATCH /_admin/bookings/{id}` edits a booking as the channel sees it (status, amount,
  commission, payout) so reconciliation has something to find; `POST /_admin/reset`.
State lives in memory: this is a development and test double.
"""

from __future__ import annotations

import asyncio
import math
import random
import time
import uuid
from dataclasses import asdict, dataclass, field
from datetime import UTC, date, datetime
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route


@dataclass
class SimConfig:
    """Run-time knobs; `rate_rps` None means no rate limit."""

    rate_rps: float | None = None
    rate_burst: int = 1
    error_rate: float = 0.0
    timeout_rate: float = 0.0
    timeout_seconds: float = 30.0
    latency_ms: int = 0
    fail_next: int = 0
    fail_status: int = 503
    fail_product_refs: list[str] = field(default_factory=list)
    seed: int | None = None


@dataclass
class _Bucket:
    tokens: float = 0.0
    at: float = field(default_factory=time.monotonic)
    primed: bool = False

    def take(self, rps: float, burst: int) -> float:
        """0.0 when a token was taken, else seconds until one is available."""
        now = time.monotonic()
        if not self.primed:
            self.tokens, self.primed = float(burst), True
        self.tokens = min(float(burst), self.tokens + (now - self.at) * rps)
        self.at = now
        if self.tokens >= 1.0:
            self.tokens -= 1.0
            return 0.0
        return (1.0 - self.tokens) / rps


@dataclass
class SimState:
    """Everything the channel holds."""

    secret: str | None = None
    config: SimConfig = field(default_factory=SimConfig)
    clock_offset: float = 0.0
    down_windows: list[tuple[float, float]] = field(default_factory=list)
    bookings: dict[str, dict[str, Any]] = field(default_factory=dict)
    by_key: dict[str, str] = field(default_factory=dict)
    availability: dict[str, dict[str, Any]] = field(default_factory=dict)
    availability_history: list[dict[str, Any]] = field(default_factory=list)
    content: dict[str, dict[str, Any]] = field(default_factory=dict)
    requests: list[dict[str, Any]] = field(default_factory=list)
    bucket: _Bucket = field(default_factory=_Bucket)
    rng: random.Random = field(default_factory=random.Random)

    def now(self) -> float:
        """The channel's (simulated) wall clock, epoch seconds."""
        return time.time() + self.clock_offset

    def is_down(self) -> bool:
        """True inside a downtime window."""
        now = self.now()
        return any(start <= now < end for start, end in self.down_windows)


def _error(status: int, code: str, message: str, **headers: str) -> JSONResponse:
    return JSONResponse({"error": code, "message": message}, status_code=status, headers=headers)


def _iso(ts: float) -> str:
    return datetime.fromtimestamp(ts, UTC).isoformat()


def _booking_view(b: dict[str, Any]) -> dict[str, Any]:
    return dict(b)


def create_sim_channel_app(secret: str | None = None, state: SimState | None = None) -> Starlette:
    """The channel app; `state` may be passed in so in-process tests can inspect it."""
    st = state or SimState(secret=secret)
    if secret is not None:
        st.secret = secret

    async def guard(request: Request) -> Response | None:
        """Log the request, then apply auth, downtime, rate limit and injected faults."""
        entry = {"at": time.time(), "method": request.method, "path": request.url.path}
        st.requests.append(entry)
        cfg = st.config
        if cfg.latency_ms:
            await asyncio.sleep(cfg.latency_ms / 1000)
        if st.secret and request.headers.get("authorization") != f"Bearer {st.secret}":
            entry["status"] = 401
            return _error(401, "unauthorized", "missing or wrong bearer token")
        if st.is_down():
            entry["status"] = 503
            return _error(503, "down", "the channel is down for maintenance")
        if cfg.rate_rps:
            wait = st.bucket.take(cfg.rate_rps, cfg.rate_burst)
            if wait > 0:
                entry["status"] = 429
                return _error(
                    429, "rate_limited", "slow down", **{"Retry-After": str(math.ceil(wait))}
                )
        if cfg.fail_next > 0:
            cfg.fail_next -= 1
            entry["status"] = cfg.fail_status
            return _error(cfg.fail_status, "injected", "injected failure")
        if cfg.timeout_rate and st.rng.random() < cfg.timeout_rate:
            entry["status"] = 0
            await asyncio.sleep(cfg.timeout_seconds)
            return _error(504, "timeout", "took too long")
        if cfg.error_rate and st.rng.random() < cfg.error_rate:
            entry["status"] = 500
            return _error(500, "injected", "injected server error")
        entry["status"] = 200
        return None

    async def create_booking(request: Request) -> Response:
        if (denied := await guard(request)) is not None:
            return denied
        body = await request.json()
        key = str(body.get("idempotency_key") or "")
        if not key:
            return _error(400, "bad_request", "idempotency_key is required")
        if body.get("product_ref") in st.config.fail_product_refs:
            return _error(503, "product_unavailable", "this product cannot be booked right now")
        existing = st.by_key.get(key)
        if existing:
            return JSONResponse(_booking_view(st.bookings[existing]), status_code=200)
        booking = {
            "id": f"simb_{uuid.uuid4().hex[:20]}",
            "idempotency_key": key,
            "reference": body.get("reference"),
            "product_ref": body.get("product_ref"),
            "rate_ref": body.get("rate_ref"),
            "slot_ref": body.get("slot_ref"),
            "start_at": body.get("start_at"),
            "pax": body.get("pax"),
            "amount_minor": body.get("amount_minor"),
            "currency": body.get("currency"),
            "commission_minor": None,
            "status": "confirmed",
            "created_at": _iso(st.now()),
            "cancelled_at": None,
            "payout": None,
        }
        st.bookings[booking["id"]] = booking
        st.by_key[key] = booking["id"]
        return JSONResponse(_booking_view(booking), status_code=201)

    async def cancel_booking(request: Request) -> Response:
        if (denied := await guard(request)) is not None:
            return denied
        booking = st.bookings.get(request.path_params["booking_id"])
        if booking is None:
            return _error(404, "booking_not_found", "no such booking")
        if booking["status"] != "cancelled":
            booking["status"] = "cancelled"
            booking["cancelled_at"] = _iso(st.now())
        return JSONResponse(_booking_view(booking))

    async def get_booking(request: Request) -> Response:
        if (denied := await guard(request)) is not None:
            return denied
        booking = st.bookings.get(request.path_params["booking_id"])
        if booking is None:
            return _error(404, "booking_not_found", "no such booking")
        return JSONResponse(_booking_view(booking))

    async def list_bookings(request: Request) -> Response:
        if (denied := await guard(request)) is not None:
            return denied
        return JSONResponse({"bookings": [_booking_view(b) for b in st.bookings.values()]})

    async def put_availability(request: Request) -> Response:
        if (denied := await guard(request)) is not None:
            return denied
        slot_ref = request.path_params["slot_ref"]
        body = await request.json()
        record = {
            "slot_ref": slot_ref,
            "product_ref": body.get("product_ref"),
            "start_at": body.get("start_at"),
            "available": int(body.get("available", 0)),
            "status": body.get("status"),
            "seq": body.get("seq"),
            "received_at": _iso(st.now()),
        }
        st.availability[slot_ref] = record
        st.availability_history.append(record)
        return JSONResponse(record)

    async def get_availability(request: Request) -> Response:
        if (denied := await guard(request)) is not None:
            return denied
        slot_ref = request.path_params.get("slot_ref")
        if slot_ref is None:
            return JSONResponse(
                {"slots": st.availability, "history_count": len(st.availability_history)}
            )
        record = st.availability.get(slot_ref)
        if record is None:
            return _error(404, "slot_not_found", "no availability pushed for this slot")
        return JSONResponse(record)

    async def put_content(request: Request) -> Response:
        if (denied := await guard(request)) is not None:
            return denied
        body = await request.json()
        record = {
            "product_ref": request.path_params["product_ref"],
            "content": body.get("content"),
            "hash": body.get("hash"),
            "received_at": _iso(st.now()),
        }
        st.content[record["product_ref"]] = record
        return JSONResponse(record)

    async def get_content(request: Request) -> Response:
        if (denied := await guard(request)) is not None:
            return denied
        record = st.content.get(request.path_params["product_ref"])
        if record is None:
            return _error(404, "content_not_found", "no content pushed for this product")
        return JSONResponse(record)

    async def report(request: Request) -> Response:
        if (denied := await guard(request)) is not None:
            return denied
        q = request.query_params
        try:
            start = date.fromisoformat(q["period_start"])
            end = date.fromisoformat(q["period_end"])
            page = int(q.get("page", "1"))
            size = min(int(q.get("page_size", "100")), 500)
        except (KeyError, ValueError):
            return _error(400, "bad_request", "period_start and period_end (YYYY-MM-DD) needed")
        if page < 1 or size < 1 or end < start:
            return _error(400, "bad_request", "page >= 1, page_size >= 1, period_end >= start")
        rows = sorted(
            (
                b
                for b in st.bookings.values()
                if start <= datetime.fromisoformat(b["created_at"]).date() <= end
            ),
            key=lambda b: (b["created_at"], b["id"]),
        )
        chunk = rows[(page - 1) * size : page * size]
        items = [
            {
                "external_booking_id": b["id"],
                "reference": b["idempotency_key"],
                "supplier_reference": b["reference"],
                "status": b["status"],
                "amount_minor": b["amount_minor"],
                "currency": b["currency"],
                "commission_minor": b["commission_minor"],
                "created_at": b["created_at"],
                "cancelled_at": b["cancelled_at"],
                "payout": b["payout"],
            }
            for b in chunk
        ]
        return JSONResponse(
            {
                "period_start": start.isoformat(),
                "period_end": end.isoformat(),
                "page": page,
                "page_size": size,
                "total": len(rows),
                "has_more": page * size < len(rows),
                "items": items,
            }
        )

    async def admin_config(request: Request) -> Response:
        if request.method == "PUT":
            body = await request.json()
            known = SimConfig.__dataclass_fields__
            unknown = set(body) - set(known)
            if unknown:
                return _error(400, "unknown_setting", f"unknown settings: {sorted(unknown)}")
            for name, value in body.items():
                setattr(st.config, name, value)
            if "rate_rps" in body or "rate_burst" in body:
                st.bucket = _Bucket()
            if "seed" in body and body["seed"] is not None:
                st.rng = random.Random(body["seed"])
        return JSONResponse(
            {
                **asdict(st.config),
                "now": _iso(st.now()),
                "down": st.is_down(),
                "down_windows": [[_iso(a), _iso(b)] for a, b in st.down_windows],
            }
        )

    async def admin_down(request: Request) -> Response:
        body = await request.json()
        start = st.now() + float(body.get("after_seconds", 0))
        st.down_windows.append((start, start + float(body["seconds"])))
        return JSONResponse({"down": st.is_down()})

    async def admin_clock(request: Request) -> Response:
        body = await request.json()
        st.clock_offset += float(body.get("advance_seconds", 0))
        return JSONResponse({"now": _iso(st.now()), "down": st.is_down()})

    async def admin_requests(request: Request) -> Response:
        return JSONResponse({"requests": st.requests})

    async def admin_booking(request: Request) -> Response:
        booking = st.bookings.get(request.path_params["booking_id"])
        if booking is None:
            return _error(404, "booking_not_found", "no such booking")
        body = await request.json()
        for name in ("status", "amount_minor", "currency", "commission_minor", "payout"):
            if name in body:
                booking[name] = body[name]
        return JSONResponse(_booking_view(booking))

    async def admin_reset(request: Request) -> Response:
        fresh = SimState(secret=st.secret)
        for name in SimState.__dataclass_fields__:
            setattr(st, name, getattr(fresh, name))
        return JSONResponse({"reset": True})

    return Starlette(
        routes=[
            Route("/v1/bookings", create_booking, methods=["POST"]),
            Route("/v1/bookings", list_bookings, methods=["GET"]),
            Route("/v1/bookings/{booking_id}", get_booking, methods=["GET"]),
            Route("/v1/bookings/{booking_id}/cancel", cancel_booking, methods=["POST"]),
            Route("/v1/availability", get_availability, methods=["GET"]),
            Route("/v1/availability/{slot_ref}", put_availability, methods=["PUT"]),
            Route("/v1/availability/{slot_ref}", get_availability, methods=["GET"]),
            Route("/v1/content/{product_ref}", put_content, methods=["PUT"]),
            Route("/v1/content/{product_ref}", get_content, methods=["GET"]),
            Route("/report", report, methods=["GET"]),
            Route("/_admin/config", admin_config, methods=["GET", "PUT"]),
            Route("/_admin/down", admin_down, methods=["POST"]),
            Route("/_admin/clock", admin_clock, methods=["POST"]),
            Route("/_admin/requests", admin_requests, methods=["GET"]),
            Route("/_admin/bookings/{booking_id}", admin_booking, methods=["PATCH"]),
            Route("/_admin/reset", admin_reset, methods=["POST"]),
        ]
    )


def max_in_window(times: list[float], window: float = 1.0) -> int:
    """The largest number of `times` falling in any half-open window of `window` seconds."""
    ordered = sorted(times)
    best, lo = 0, 0
    for hi, t in enumerate(ordered):
        while ordered[lo] <= t - window:
            lo += 1
        best = max(best, hi - lo + 1)
    return best
