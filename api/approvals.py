"""The approval gate on booking status mutations (action ledger).

A dependency on the status-verb routes (`verb_gate(verb)`) and the override route
(`OverrideGate`). When policy requires approval for the calling agent or workflow
principal, the mutation is not run: the requested action and a pending approval are
recorded (in their own transaction) and the route answers 202 with their ids. The
request must carry an Idempotency-Key (else 400); replays find the same action, other
input under the key is 409 naming it. After approval the caller sends the same mutation
again with `Approval-Id`; the gate revalidates it under lock and stamps the execution in
the mutation's own transaction, before the booking is touched.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Coroutine
from datetime import UTC, datetime, timedelta
from typing import Annotated, Any, Literal

from fastapi import Depends, FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field, ValidationError

from api.deps import PrincipalDep, RuntimeDep, SessionDep
from api.idempotency import BYPASS, valid_key
from domain.approvals import service
from domain.approvals.checks import Refused, effective_status
from domain.approvals.policy import ACTIONS, Command, parse_policy
from domain.auth.service import AuthenticatedPrincipal
from domain.bookings.status import STATUSES
from domain.db import unit_of_work
from domain.errors import BadRequest
from domain.ids import parse_id
from tourflow.runtime import Runtime

APPROVAL_HEADER = "approval-id"


class ApprovalRequired(Exception):
    """Raised by the gate to answer 202: the mutation waits for an approval."""

    def __init__(self, requested: service.Requested) -> None:
        super().__init__("approval required")
        self.requested = requested


class ApprovalRequiredOut(BaseModel):
    """The 202 body: what was requested and where its approval stands."""

    status: Literal["approval_required"] = "approval_required"
    action_id: str
    approval_id: str
    approval_status: str
    expires_at: datetime
    replayed: bool


def install_approval_handlers(app: FastAPI) -> None:
    """Turn `ApprovalRequired` into its 202 response."""

    @app.exception_handler(ApprovalRequired)
    async def approval_required(_: Request, exc: ApprovalRequired) -> JSONResponse:
        requested = exc.requested
        body = ApprovalRequiredOut(
            action_id=requested.action.id,
            approval_id=requested.approval.id,
            approval_status=effective_status(requested.approval, datetime.now(UTC)),
            expires_at=requested.approval.expires_at,
            replayed=requested.replayed,
        )
        return JSONResponse(
            body.model_dump(mode="json"),
            status_code=202,
            headers={"Location": f"/v1/approvals/{requested.approval.id}"},
        )


async def _execute(
    request: Request,
    session: SessionDep,
    runtime: Runtime,
    principal: AuthenticatedPrincipal,
    command: Command,
    header: str,
) -> None:
    approval_id = parse_id(header, "appr", field="Approval-Id")
    now = datetime.now(UTC)
    kwargs: dict[str, Any] = {
        "approval_id": approval_id,
        "principal_id": principal.id,
        "command": command,
        "now": now,
    }
    try:
        await service.check_execution(session, **kwargs)
    except Refused as exc:
        await service.record_refusal(
            runtime.session_factory, exc, principal_id=principal.id, attempt="execute"
        )
        raise
    await service.execute(session, **kwargs)


async def _guard(
    request: Request,
    session: SessionDep,
    runtime: Runtime,
    principal: AuthenticatedPrincipal,
    command: Command,
) -> None:
    header = request.headers.get(APPROVAL_HEADER)
    if header is not None:
        await _execute(request, session, runtime, principal, command, header)
        return
    rule = parse_policy(runtime.settings.approval_policy).rule_for(principal.kind, command.action)
    if rule is None:
        return
    setattr(request.state, BYPASS, True)  # this gate owns the key's meaning
    key = request.headers.get("idempotency-key")
    if key is None:
        raise BadRequest(
            "idempotency_key_required",
            f"{command.action} needs approval for this principal: send an Idempotency-Key",
            rule=rule,
        )
    if not valid_key(key):
        raise BadRequest("invalid_idempotency_key", "Idempotency-Key must be 1-255 visible ASCII")
    async with unit_of_work(runtime.session_factory) as own:
        requested = await service.request_action(
            own,
            principal_id=principal.id,
            principal_kind=principal.kind,
            command=command,
            rule=rule,
            idempotency_key=key,
            ttl=timedelta(seconds=runtime.settings.approval_ttl_seconds),
            now=datetime.now(UTC),
        )
    raise ApprovalRequired(requested)


def verb_gate(verb: str) -> Callable[..., Coroutine[Any, Any, None]]:
    """The gate of `POST /v1/bookings/{id}/<verb>` (confirm, cancel, ...)."""
    if verb not in ACTIONS:
        raise ValueError(f"no approval action {verb!r}")

    async def gate(
        request: Request,
        booking_id: str,
        session: SessionDep,
        runtime: RuntimeDep,
        principal: PrincipalDep,
    ) -> None:
        command = Command(verb, parse_id(booking_id, "book", field="booking_id"))
        await _guard(request, session, runtime, principal, command)

    return gate


class _OverrideCommand(BaseModel):
    status: Literal[STATUSES]  # type: ignore[valid-type]
    reason: str = Field(min_length=3, max_length=1000)


async def override_gate(
    request: Request,
    booking_id: str,
    session: SessionDep,
    runtime: RuntimeDep,
    principal: PrincipalDep,
) -> None:
    """Gate `POST /v1/bookings/{id}/override` (the body is part of the command)."""
    if APPROVAL_HEADER not in request.headers and not parse_policy(
        runtime.settings.approval_policy
    ).rule_for(principal.kind, "override"):
        return
    try:
        body = _OverrideCommand.model_validate(json.loads(await request.body() or b"null"))
    except (ValueError, ValidationError) as exc:
        # Fail closed: an unreadable command is never let through unguarded.
        errors = exc.errors() if isinstance(exc, ValidationError) else []
        raise RequestValidationError(
            [{**e, "loc": ("body", *e.get("loc", ()))} for e in errors]
            or [{"loc": ("body",), "msg": "invalid JSON", "type": "json_invalid"}]
        ) from exc
    command = Command(
        "override",
        parse_id(booking_id, "book", field="booking_id"),
        (("reason", body.reason.strip()), ("status", body.status)),
    )
    await _guard(request, session, runtime, principal, command)


OverrideGate = Annotated[None, Depends(override_gate)]
