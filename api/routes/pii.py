"""Traveller travel details (KMS-encrypted PII) and the PII audit trail.

GET decrypts (scope `pii:read`, a reason in `X-Access-Reason` or `?reason=`); PUT merges
and DELETE removes (scope `pii:write`). Every attempt is audited: successes with the
operation, denials and failures in their own transaction so they survive the rollback.
"""

from __future__ import annotations

import json
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, date, datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Header, Query, Response
from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    StringConstraints,
    ValidationError,
    field_validator,
)

from adapters.kms import KmsProvider, provider_for
from api.deps import PrincipalDep, RuntimeDep, SessionDep, require
from api.fields import JsonObject, Ref
from domain.auth.keys import has_scope
from domain.auth.service import AuthenticatedPrincipal
from domain.errors import BadRequest, DomainError, Forbidden
from domain.ids import parse_id
from domain.pii import audit, service
from domain.pii.audit import Actor
from domain.pii.snapshot import from_person_document
from tourflow.runtime import Runtime

log = logging.getLogger("tourflow.api.pii")
router = APIRouter(prefix="/v1", tags=["pii"])
PATH = "/bookings/{booking_id}/travellers/{traveller_id}/travel-details"
Auditor = Annotated[AuthenticatedPrincipal, Depends(require("pii:audit"))]
MAX_SNAPSHOT_BYTES = 64 * 1024


def _no_nul(value: str) -> str:
    if "\x00" in value:
        raise ValueError("must not contain NUL characters")
    return value


Country = Annotated[str, StringConstraints(pattern=r"^[A-Z]{2}$")]
DocNumber = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=1, max_length=64),
    AfterValidator(_no_nul),
]
Needs = Annotated[str, StringConstraints(max_length=2000), AfterValidator(_no_nul)]
DocumentType = Literal[
    "passport", "national_id", "visa", "residence_permit", "driving_licence", "other"
]


def get_kms(runtime: RuntimeDep) -> KmsProvider:
    """The configured KMS provider."""
    return provider_for(runtime.settings)


KmsDep = Annotated[KmsProvider, Depends(get_kms)]
ReasonHeader = Annotated[str | None, Header(alias="X-Access-Reason", max_length=500)]
ReasonQuery = Annotated[str | None, Query(alias="reason", max_length=500)]


class TravelDetailsFields(BaseModel):
    """Travel details; every field optional. ISO 3166 alpha-2 countries, ISO dates."""

    model_config = ConfigDict(extra="forbid")
    document_type: DocumentType | None = None
    document_number: DocNumber | None = None
    document_issuing_country: Country | None = None
    document_expires_on: date | None = None
    nationality: Country | None = None
    date_of_birth: date | None = None
    dietary_needs: Needs | None = None
    accessibility_needs: Needs | None = None


class SnapshotIn(BaseModel):
    """A person document (free-form JSON) and its id, to fill fields left empty."""

    source_document_id: Ref
    document: JsonObject

    @field_validator("document")
    @classmethod
    def _bounded(cls, value: dict[str, Any]) -> dict[str, Any]:
        if len(json.dumps(value)) > MAX_SNAPSHOT_BYTES:
            raise ValueError(f"must be at most {MAX_SNAPSHOT_BYTES} bytes of JSON")
        return value


class TravelDetailsIn(TravelDetailsFields):
    """A merge: omitted fields are kept, `null` clears; `snapshot` fills remaining gaps."""

    snapshot: SnapshotIn | None = None


class TravelDetailsMeta(BaseModel):
    """Where the details stand, without revealing them."""

    traveller_id: str
    booking_id: str
    key_id: str
    key_version: int
    source_document_id: str | None
    snapshot_applied_at: datetime | None
    updated_at: datetime


class TravelDetailsOut(TravelDetailsMeta, TravelDetailsFields):
    """Decrypted travel details."""

    model_config = ConfigDict(extra="ignore")


class AuditEventOut(BaseModel):
    """One audited PII operation."""

    model_config = ConfigDict(from_attributes=True)
    id: str
    action: str
    traveller_id: str
    booking_id: str | None
    principal_id: str | None
    principal_kind: str | None
    reason: str | None
    outcome: str
    details: dict[str, Any]
    created_at: datetime


@asynccontextmanager
async def _audited(
    runtime: Runtime,
    principal: AuthenticatedPrincipal,
    *,
    action: str,
    scope: str,
    booking_id: str,
    traveller_id: str,
    reason: str | None,
) -> AsyncIterator[tuple[str, str]]:
    """Check `scope`, parse the ids; record any denial or failure in its own transaction."""
    try:
        if not has_scope(principal.scopes, scope):
            raise Forbidden("missing_scope", f"this action needs the '{scope}' scope", scope=scope)
        yield (
            parse_id(booking_id, "book", field="booking_id"),
            parse_id(traveller_id, "bkps", field="traveller_id"),
        )
    except Exception as exc:
        status = exc.status if isinstance(exc, DomainError) else 500
        try:
            await audit.record_detached(
                runtime.session_factory,
                action=action,
                traveller_id=traveller_id[:200],
                booking_id=booking_id[:200],
                actor=Actor(principal.id, principal.kind),
                reason=reason,
                outcome="denied" if status in (401, 403) else "failed",
                code=exc.code if isinstance(exc, DomainError) else "internal_error",
                status=status,
            )
        except Exception:
            log.error("could not write a PII audit row", exc_info=True)
        raise


def _reason(header: str | None, query: str | None) -> str | None:
    value = (header or query or "").strip()
    return value or None


def _check_dates(values: dict[str, Any]) -> None:
    born = values.get("date_of_birth")
    if born is not None and date.fromisoformat(born) > datetime.now(UTC).date():
        raise BadRequest("invalid_date_of_birth", "date_of_birth cannot be in the future")


def _snapshot(snapshot: SnapshotIn) -> service.Snapshot:
    try:
        fields = TravelDetailsFields.model_validate(from_person_document(snapshot.document))
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first.get("loc", ()))
        raise BadRequest(
            "invalid_snapshot", f"snapshot value {where}: {first.get('msg')}", field=where
        ) from exc
    values = fields.model_dump(mode="json", exclude_none=True)
    _check_dates(values)
    return service.Snapshot(snapshot.source_document_id, values)


def _meta(details: service.TravelDetails) -> dict[str, Any]:
    return {
        "traveller_id": details.traveller_id,
        "booking_id": details.booking_id,
        "key_id": details.key_id,
        "key_version": details.key_version,
        "source_document_id": details.source_document_id,
        "snapshot_applied_at": details.snapshot_applied_at,
        "updated_at": details.updated_at,
    }


@router.get(PATH, response_model=TravelDetailsOut, summary="Decrypt a traveller's travel details")
async def get_travel_details(
    booking_id: str,
    traveller_id: str,
    session: SessionDep,
    runtime: RuntimeDep,
    kms: KmsDep,
    principal: PrincipalDep,
    header_reason: ReasonHeader = None,
    query_reason: ReasonQuery = None,
) -> TravelDetailsOut:
    """Scope `pii:read` and a reason (400 `access_reason_required`); audited either way."""
    reason = _reason(header_reason, query_reason)
    async with _audited(
        runtime,
        principal,
        action="decrypt",
        scope="pii:read",
        booking_id=booking_id,
        traveller_id=traveller_id,
        reason=reason,
    ) as (bid, tid):
        if reason is None:
            raise BadRequest(
                "access_reason_required", "say why: send X-Access-Reason or ?reason=..."
            )
        details = await service.get_travel_details(
            session,
            kms,
            booking_id=bid,
            traveller_id=tid,
            actor=Actor(principal.id, principal.kind),
            reason=reason,
        )
    return TravelDetailsOut(**_meta(details), **(details.values or {}))


@router.put(PATH, response_model=TravelDetailsMeta, summary="Create or merge travel details")
async def put_travel_details(
    booking_id: str,
    traveller_id: str,
    body: TravelDetailsIn,
    session: SessionDep,
    runtime: RuntimeDep,
    kms: KmsDep,
    principal: PrincipalDep,
    header_reason: ReasonHeader = None,
    query_reason: ReasonQuery = None,
) -> TravelDetailsMeta:
    """Scope `pii:write`. Returns metadata only: a writer need not be able to read."""
    reason = _reason(header_reason, query_reason)
    async with _audited(
        runtime,
        principal,
        action="encrypt",
        scope="pii:write",
        booking_id=booking_id,
        traveller_id=traveller_id,
        reason=reason,
    ) as (bid, tid):
        changes = body.model_dump(mode="json", exclude_unset=True, exclude={"snapshot"})
        _check_dates(changes)
        details = await service.upsert_travel_details(
            session,
            kms,
            booking_id=bid,
            traveller_id=tid,
            changes=changes,
            actor=Actor(principal.id, principal.kind),
            reason=reason,
            snapshot=_snapshot(body.snapshot) if body.snapshot else None,
        )
    return TravelDetailsMeta(**_meta(details))


@router.delete(PATH, status_code=204, summary="Delete travel details")
async def delete_travel_details(
    booking_id: str,
    traveller_id: str,
    session: SessionDep,
    runtime: RuntimeDep,
    principal: PrincipalDep,
    header_reason: ReasonHeader = None,
    query_reason: ReasonQuery = None,
) -> Response:
    """Scope `pii:write`; 404 `travel_details_not_found` when there is nothing to delete."""
    reason = _reason(header_reason, query_reason)
    async with _audited(
        runtime,
        principal,
        action="delete",
        scope="pii:write",
        booking_id=booking_id,
        traveller_id=traveller_id,
        reason=reason,
    ) as (bid, tid):
        await service.delete_travel_details(
            session,
            booking_id=bid,
            traveller_id=tid,
            actor=Actor(principal.id, principal.kind),
            reason=reason,
        )
    return Response(status_code=204)


@router.get("/pii/audit", response_model=list[AuditEventOut], summary="The PII audit trail")
async def list_audit(
    session: SessionDep,
    _: Auditor,
    traveller_id: Annotated[str | None, Query(max_length=200)] = None,
    booking_id: Annotated[str | None, Query(max_length=200)] = None,
    principal_id: Annotated[str | None, Query(max_length=90)] = None,
    action: Literal["encrypt", "decrypt", "delete", "rewrap"] | None = None,
    outcome: Literal["success", "denied", "failed"] | None = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> list[AuditEventOut]:
    """Scope `pii:audit`. Newest first."""
    rows = await audit.list_events(
        session,
        traveller_id=traveller_id,
        booking_id=booking_id,
        principal_id=principal_id,
        action=action,
        outcome=outcome,
        limit=limit,
    )
    return [AuditEventOut.model_validate(r) for r in rows]
