"""Idempotency-Key for POST mutations: the first response is stored and replayed.

Per principal and key: the same method, path and body get the stored response back
(with `Idempotent-Replayed: true`); a different request under the key is 409
`idempotency_key_reused`; a twin still running is 409 `idempotency_request_in_progress`.
Responses of 5xx are not stored, so a retry runs again. Keys expire after
TOURFLOW_IDEMPOTENCY_TTL_SECONDS.

Routes that own their key's meaning (approval-required status mutations fingerprint
policy inputs too) set `request.state.idempotency_bypass`; the claim is then released.
Requests carrying `Approval-Id` are left alone: the approval itself is single-use.
"""

from __future__ import annotations

import logging
import re
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy.exc import OperationalError
from starlette.datastructures import Headers
from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.errors import error_body
from domain.auth.service import authenticate
from domain.db import unit_of_work
from domain.errors import DomainError
from domain.idempotency import service
from tourflow.runtime import Runtime

log = logging.getLogger("tourflow.api.idempotency")
HEADER = "idempotency-key"
BYPASS = "idempotency_bypass"
KEY_PATTERN = re.compile(r"^[\x21-\x7e]{1,255}$")
_STORED_HEADERS = ("content-type", "location")


def valid_key(key: str) -> bool:
    """1-255 visible ASCII characters."""
    return bool(KEY_PATTERN.match(key))


async def _principal_id(runtime: Runtime, headers: Headers) -> str | None:
    auth = headers.get("authorization", "")
    key = auth[7:].strip() if auth.lower().startswith("bearer ") else headers.get("x-api-key")
    if not key:
        return None
    try:
        async with unit_of_work(runtime.session_factory) as session:
            return (await authenticate(session, key)).id
    except DomainError:
        return None  # the route's own authentication answers 401


async def _read_body(receive: Receive) -> bytes:
    chunks = []
    while True:
        message = await receive()
        if message["type"] != "http.request":
            break
        chunks.append(message.get("body", b""))
        if not message.get("more_body", False):
            break
    return b"".join(chunks)


def _error(status: int, exc: DomainError | None, code: str = "", message: str = "") -> JSONResponse:
    if exc is not None:
        return JSONResponse(error_body(exc.code, exc.message, exc.details), status_code=exc.status)
    return JSONResponse(error_body(code, message), status_code=status)


class IdempotencyMiddleware:
    """Store and replay POST responses sent with an Idempotency-Key."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":  # lifespan and websockets pass straight through
            await self.app(scope, receive, send)
            return
        headers = Headers(scope=scope)
        key = headers.get(HEADER)
        if key is None or scope["method"] != "POST" or "approval-id" in headers:
            await self.app(scope, receive, send)
            return
        if not valid_key(key):
            response = _error(
                400, None, "invalid_idempotency_key", "Idempotency-Key must be 1-255 visible ASCII"
            )
            await response(scope, receive, send)
            return
        runtime: Runtime = scope["app"].state.runtime
        principal_id = await _principal_id(runtime, headers)
        if principal_id is None:
            await self.app(scope, receive, send)
            return
        body = await _read_body(receive)
        try:
            async with unit_of_work(runtime.session_factory) as session:
                claim = await service.claim(
                    session,
                    principal_id=principal_id,
                    key=key,
                    fingerprint=service.request_fingerprint(
                        "POST", scope["path"], scope.get("query_string", b""), body
                    ),
                    method="POST",
                    path=scope["path"],
                    ttl=timedelta(seconds=runtime.settings.idempotency_ttl_seconds),
                    now=datetime.now(UTC),
                )
        except DomainError as exc:
            await _error(exc.status, exc)(scope, receive, send)
            return
        except OperationalError:
            log.error("idempotency store unavailable", exc_info=True)
            response = _error(503, None, "database_unavailable", "the database is not reachable")
            await response(scope, receive, send)
            return
        if claim.replay is not None:
            await _send(send, claim.replay.status, claim.replay.headers, claim.replay.body, True)
            return
        assert claim.record_id is not None
        await self._run(scope, body, receive, send, runtime, claim.record_id)

    async def _run(
        self, scope: Scope, body: bytes, receive: Receive, send: Send, runtime: Runtime, rid: str
    ) -> None:
        delivered = False

        async def replay_body() -> Message:
            nonlocal delivered
            if not delivered:
                delivered = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()

        status, response_headers, chunks = 500, [], []

        async def capture(message: Message) -> None:
            nonlocal status, response_headers
            if message["type"] == "http.response.start":
                status, response_headers = message["status"], list(message.get("headers", []))
            elif message["type"] == "http.response.body":
                chunks.append(message.get("body", b""))

        state: dict[str, Any] = scope.setdefault("state", {})
        try:
            await self.app(scope, replay_body, capture)
        except BaseException:
            await self._settle(runtime, rid, None)
            raise
        content = b"".join(chunks)
        stored = {
            k.decode("latin-1"): v.decode("latin-1")
            for k, v in response_headers
            if k.decode("latin-1").lower() in _STORED_HEADERS
        }
        keep = status < 500 and not state.get(BYPASS)
        await self._settle(runtime, rid, (status, stored, content) if keep else None)
        await send({"type": "http.response.start", "status": status, "headers": response_headers})
        await send({"type": "http.response.body", "body": content})

    @staticmethod
    async def _settle(
        runtime: Runtime, rid: str, response: tuple[int, dict[str, str], bytes] | None
    ) -> None:
        try:
            async with unit_of_work(runtime.session_factory) as session:
                if response is None:
                    await service.release(session, record_id=rid)
                else:
                    status, headers, body = response
                    await service.complete(
                        session, record_id=rid, status=status, headers=headers, body=body
                    )
        except Exception:
            # The response still goes out; the claim lapses after its lease.
            log.warning("could not settle idempotency record", exc_info=True)


async def _send(
    send: Send, status: int, headers: dict[str, str], body: bytes, replayed: bool
) -> None:
    raw = [(k.lower().encode("latin-1"), v.encode("latin-1")) for k, v in headers.items()]
    raw.append((b"content-length", str(len(body)).encode()))
    if replayed:
        raw.append((b"idempotent-replayed", b"true"))
    await send({"type": "http.response.start", "status": status, "headers": raw})
    await send({"type": "http.response.body", "body": body})
