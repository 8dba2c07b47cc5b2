"""Supplier answers for manual lines of a reservation plan (staff, or a supplier webhook).

Two ways in: the confirm/decline routes with an API key (`bookings:write`), and the signed
supplier webhook (no API key): `X-Tourflow-Signature: sha256=<hex HMAC-SHA256 of the raw
body>` keyed with the secret configured in the `TOURFLOW_SUPPLIER_WEBHOOK_SECRET`
environment variable (one secret for all suppliers; there is no per-supplier secret yet).
"""

from __future__ import annotations

import os
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel, Field, ValidationError

from api.deps import RuntimeDep, SessionDep, require
from api.routes.quotes import PlanLineOut
from domain.auth.service import AuthenticatedPrincipal
from domain.distribution.webhooks import SIGNATURE_HEADER, signature_ok
from domain.errors import BadRequest, Unauthorized, Unavailable
from domain.ids import parse_id
from domain.reservations import service

router = APIRouter(prefix="/v1/reservation-plans", tags=["quotes"])
Writer = Annotated[AuthenticatedPrincipal, Depends(require("bookings:write"))]
WEBHOOK_SECRET_ENV = "TOURFLOW_SUPPLIER_WEBHOOK_SECRET"  # noqa: S105 (a variable name)
MAX_BODY = 16 * 1024


class ConfirmIn(BaseModel):
    confirmation_ref: str = Field(min_length=1, max_length=200)
    source: Literal["staff", "supplier_webhook"] = "staff"


class DeclineIn(BaseModel):
    reason: str | None = Field(default=None, max_length=1000)
    source: Literal["staff", "supplier_webhook"] = "staff"


class SupplierWebhookIn(BaseModel):
    """A supplier's signed answer for one manual line."""

    plan_id: str = Field(max_length=90)
    line_id: str = Field(max_length=90)
    status: Literal["confirmed", "declined"]
    confirmation_ref: str | None = Field(default=None, min_length=1, max_length=200)
    reason: str | None = Field(default=None, max_length=1000)


async def _answer(
    plan_id: str,
    line_id: str,
    to: str,
    confirmation_ref: str | None,
    source: str,
    session: SessionDep,
    runtime: RuntimeDep,
    principal: AuthenticatedPrincipal | None,
    reason: str | None = None,
) -> PlanLineOut:
    line = await service.answer_supplier(
        session,
        plan_id=parse_id(plan_id, "rspl", field="plan_id"),
        line_id=parse_id(line_id, "rspn", field="line_id"),
        to=to,
        confirmation_ref=confirmation_ref,
        actor_id=principal.id if principal else None,
        source=source,
        task_queue=runtime.settings.temporal_task_queue,
        reason=reason,
    )
    return PlanLineOut.model_validate(line)


@router.post("/{plan_id}/lines/{line_id}/confirm", response_model=PlanLineOut)
async def confirm_line(
    plan_id: str,
    line_id: str,
    body: ConfirmIn,
    session: SessionDep,
    runtime: RuntimeDep,
    principal: Writer,
) -> PlanLineOut:
    """The supplier confirmed the manual line; the reserve workflow moves on.

    The same confirmation again (same confirmation_ref: a webhook retry) is a replay:
    200 with the line, nothing recorded or signalled twice. A different ref is 409.
    """
    return await _answer(
        plan_id, line_id, "confirmed", body.confirmation_ref, body.source, session, runtime,
        principal,
    )  # fmt: skip


@router.post("/{plan_id}/lines/{line_id}/decline", response_model=PlanLineOut)
async def decline_line(
    plan_id: str,
    line_id: str,
    body: DeclineIn,
    session: SessionDep,
    runtime: RuntimeDep,
    principal: Writer,
) -> PlanLineOut:
    """The supplier declined the manual line; the reserve workflow compensates and fails.

    `reason` is kept on the line and in the plan's failure message. Declining again is a
    replay (200, nothing new). There is no signed supplier webhook route yet: suppliers'
    systems call these routes with an API key holding `bookings:write`.
    """
    return await _answer(
        plan_id, line_id, "declined", None, body.source, session, runtime, principal,
        reason=body.reason,
    )  # fmt: skip


@router.post(
    "/supplier-webhook",
    response_model=PlanLineOut,
    summary="A supplier's answer for a manual line (HMAC-signed; no API key)",
)
async def supplier_webhook(
    request: Request, session: SessionDep, runtime: RuntimeDep
) -> PlanLineOut:
    """Body `{"plan_id", "line_id", "status": "confirmed"|"declined", "confirmation_ref",
    "reason"}`, signed as the module says. 401 `invalid_signature`; 503
    `supplier_webhook_not_configured` without a secret. A retry of the same answer is a
    replay: 200 with the line, nothing recorded twice."""
    body = await request.body()
    if len(body) > MAX_BODY:
        raise BadRequest("payload_too_large", f"webhook bodies are limited to {MAX_BODY} bytes")
    secret = os.environ.get(WEBHOOK_SECRET_ENV)
    if not secret:
        raise Unavailable(
            "supplier_webhook_not_configured",
            f"set {WEBHOOK_SECRET_ENV} to accept supplier webhooks",
        )
    if not signature_ok(secret, body, request.headers.get(SIGNATURE_HEADER)):
        raise Unauthorized("invalid_signature", f"{SIGNATURE_HEADER} does not match the secret")
    try:
        answer = SupplierWebhookIn.model_validate_json(body)
    except ValidationError as exc:
        raise BadRequest("invalid_webhook_body", str(exc.errors()[0]["msg"])) from exc
    return await _answer(
        answer.plan_id, answer.line_id, answer.status, answer.confirmation_ref,
        "supplier_webhook", session, runtime, None, reason=answer.reason,
    )  # fmt: skip
