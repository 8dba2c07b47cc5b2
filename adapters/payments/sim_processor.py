"""A simulated card processor, served over HTTP (`tourflow sim-processor --port 8790`).

- `POST /v1/sessions` registers a payment session (idempotent per `reference`) and
  answers its id and `pay_path` (the charge endpoint below).
- `POST /v1/sessions/{id}/charge` with `{"card_number": "..."}` charges it: card
  4000 0000 0000 0002 is declined, anything else succeeds. The outcome is sent to the
  session's `webhook_url` as JSON signed with HMAC-SHA256 (header `X-Tourflow-Signature`,
  see adapters.payments.signing), retried up to 3 times; the answer says if it landed.
  A session registered with `"intent": "authorize"` or `"save_card"` only authorises the
  card: success is reported as `authorization.succeeded` instead of `charge.succeeded`.
- `POST /v1/events/{id}/resend` sends an event again, same id (processors do that).
State lives in memory: this is a development and test double, not a ledger.
"""

from __future__ import annotations

import asyncio
import json
import time
import uuid
from dataclasses import dataclass, field
from typing import Any

import httpx
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from adapters.payments.signing import HEADER, sign

DECLINED_CARD = "4000000000000002"


@dataclass
class _Session:
    id: str
    reference: str
    amount_minor: int
    currency: str
    webhook_url: str
    intent: str = "charge"
    status: str = "open"
    events: list[str] = field(default_factory=list)


@dataclass
class _State:
    secret: str
    sessions: dict[str, _Session] = field(default_factory=dict)
    by_reference: dict[str, str] = field(default_factory=dict)
    events: dict[str, tuple[str, dict[str, Any]]] = field(default_factory=dict)


def _error(status: int, code: str, message: str) -> JSONResponse:
    return JSONResponse({"error": {"code": code, "message": message}}, status_code=status)


async def _deliver(state: _State, event_id: str, attempts: int = 3) -> dict[str, Any]:
    url, event = state.events[event_id]
    body = json.dumps(event, separators=(",", ":")).encode()
    last: dict[str, Any] = {"delivered": False, "status": None}
    async with httpx.AsyncClient(timeout=10.0) as client:
        for attempt in range(attempts):
            try:
                resp = await client.post(
                    url,
                    content=body,
                    headers={"content-type": "application/json", HEADER: sign(body, state.secret)},
                )
                last = {"delivered": resp.is_success, "status": resp.status_code}
                if resp.is_success or 400 <= resp.status_code < 500:
                    return last
            except httpx.HTTPError as exc:
                last = {"delivered": False, "status": None, "error": str(exc)}
            await asyncio.sleep(0.2 * (attempt + 1))
    return last


def create_sim_app(secret: str) -> Starlette:
    """The processor app; `secret` signs webhooks (tourflow's TOURFLOW_PAYMENT_WEBHOOK_SECRET)."""
    state = _State(secret=secret)

    async def register(request: Request) -> JSONResponse:
        body = await request.json()
        try:
            reference = str(body["reference"])
            amount, currency = int(body["amount_minor"]), str(body["currency"])
            webhook_url = str(body["webhook_url"])
            intent = str(body.get("intent") or "charge")
        except (KeyError, TypeError, ValueError):
            return _error(400, "invalid_request", "reference, amount_minor, currency, webhook_url")
        existing = state.by_reference.get(reference)
        session = state.sessions[existing] if existing else None
        if session is None:
            session = _Session(
                f"sps_{uuid.uuid4().hex}", reference, amount, currency, webhook_url, intent
            )
            state.sessions[session.id] = session
            state.by_reference[reference] = session.id
        return JSONResponse(
            {
                "id": session.id,
                "status": session.status,
                "pay_path": f"/v1/sessions/{session.id}/charge",
            },
            status_code=201 if existing is None else 200,
        )

    async def charge(request: Request) -> JSONResponse:
        session = state.sessions.get(request.path_params["session_id"])
        if session is None:
            return _error(404, "session_not_found", "no such session")
        if session.status == "succeeded":
            return _error(409, "already_charged", "this session was paid")
        body = await request.json()
        card = str(body.get("card_number", "")).replace(" ", "")
        ok = card != DECLINED_CARD
        session.status = "succeeded" if ok else "failed"
        event_id = f"evt_{uuid.uuid4().hex}"
        event = {
            "id": event_id,
            "type": (
                "charge.failed"
                if not ok
                else "charge.succeeded"
                if session.intent == "charge"
                else "authorization.succeeded"
            ),
            "created": int(time.time()),
            "data": {
                "session_id": session.id,
                "reference": session.reference,
                "charge_id": f"ch_{uuid.uuid4().hex[:16]}",
                "amount_minor": session.amount_minor,
                "currency": session.currency,
                "failure_reason": None if ok else "card_declined",
            },
        }
        state.events[event_id] = (session.webhook_url, event)
        session.events.append(event_id)
        webhook = await _deliver(state, event_id)
        return JSONResponse({"status": session.status, "event_id": event_id, "webhook": webhook})

    async def resend(request: Request) -> JSONResponse:
        event_id = request.path_params["event_id"]
        if event_id not in state.events:
            return _error(404, "event_not_found", "no such event")
        return JSONResponse({"event_id": event_id, "webhook": await _deliver(state, event_id)})

    async def get_session(request: Request) -> JSONResponse:
        session = state.sessions.get(request.path_params["session_id"])
        if session is None:
            return _error(404, "session_not_found", "no such session")
        return JSONResponse(
            {
                "id": session.id,
                "reference": session.reference,
                "status": session.status,
                "events": session.events,
            }
        )

    return Starlette(
        routes=[
            Route("/v1/sessions", register, methods=["POST"]),
            Route("/v1/sessions/{session_id}", get_session, methods=["GET"]),
            Route("/v1/sessions/{session_id}/charge", charge, methods=["POST"]),
            Route("/v1/events/{event_id}/resend", resend, methods=["POST"]),
        ]
    )
