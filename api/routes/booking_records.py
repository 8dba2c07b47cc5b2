"""Booking records: notes, the activity log and supplier statuses.

Registered before `api.routes.bookings`, so a catch-all `POST /v1/bookings/{id}/{verb}`
there could never shadow `POST .../notes` or `.../supplier-statuses`.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query
from pydantic import AwareDatetime, BaseModel

from api.deps import PrincipalDep, RuntimeDep, SessionDep
from api.routes.booking_fulfillment import (
    BOOKING,
    Label,
    NoNul,
    Reader,
    Reason,
    Ref,
    Row,
    Writer,
    actor_context,
    booking_id_of,
    bounded,
)
from domain.bookings import records
from domain.bookings.service import Context
from domain.ids import parse_id

router = APIRouter(tags=["booking records"])
NoteBody = Annotated[str, bounded(10_000), NoNul]


class NoteIn(BaseModel):
    body: NoteBody
    visibility: Literal["internal", "customer"] = "internal"


class SupplierRequestIn(BaseModel):
    item_id: Ref
    supplier_ref: Label
    respond_by: AwareDatetime | None = None


class ConfirmIn(BaseModel):
    confirmation_ref: Label


class ReasonIn(BaseModel):
    reason: Reason | None = None


class NoteOut(Row):
    id: str
    booking_id: str
    author_id: str | None
    body: str
    visibility: str
    created_at: datetime


class ActivityOut(Row):
    id: str
    action: str
    actor_id: str | None
    reason: str | None
    details: dict[str, Any]
    created_at: datetime


class SupplierStatusOut(Row):
    id: str
    booking_id: str
    item_id: str
    supplier_ref: str
    status: str
    confirmation_ref: str | None
    respond_by: datetime | None
    responded_at: datetime | None
    created_at: datetime


def _supplier_status(supplier_status_id: str) -> str:
    return parse_id(supplier_status_id, "bkss", field="supplier_status_id")


@router.get(f"{BOOKING}/notes", response_model=list[NoteOut])
async def list_notes(
    booking_id: str,
    session: SessionDep,
    _: Reader,
    visibility: Literal["internal", "customer"] | None = None,
) -> list[NoteOut]:
    """The booking's notes, newest first."""
    rows = await records.list_notes(
        session, booking_id=booking_id_of(booking_id), visibility=visibility
    )
    return [NoteOut.model_validate(r) for r in rows]


@router.post(f"{BOOKING}/notes", response_model=NoteOut, status_code=201)
async def add_note(
    booking_id: str,
    body: NoteIn,
    session: SessionDep,
    runtime: RuntimeDep,
    principal: PrincipalDep,
    _: Writer,
) -> NoteOut:
    """Add a note; the booking itself (status, version, locks) is left alone."""
    row = await records.add_note(
        session,
        booking_id=booking_id_of(booking_id),
        body=body.body,
        visibility=body.visibility,
        ctx=actor_context(runtime, principal),
    )
    return NoteOut.model_validate(row)


@router.get(f"{BOOKING}/activity", response_model=list[ActivityOut])
async def list_activity(
    booking_id: str,
    session: SessionDep,
    _: Reader,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> list[ActivityOut]:
    """Who did what to the booking, and why; newest first."""
    rows = await records.list_activity(session, booking_id=booking_id_of(booking_id), limit=limit)
    return [ActivityOut.model_validate(r) for r in rows]


@router.get(f"{BOOKING}/supplier-statuses", response_model=list[SupplierStatusOut])
async def list_supplier_statuses(
    booking_id: str, session: SessionDep, _: Reader
) -> list[SupplierStatusOut]:
    """The booking's supplier requests and their answers."""
    rows = await records.list_supplier_statuses(session, booking_id=booking_id_of(booking_id))
    return [SupplierStatusOut.model_validate(r) for r in rows]


@router.post(f"{BOOKING}/supplier-statuses", response_model=SupplierStatusOut, status_code=201)
async def request_supplier_status(
    booking_id: str,
    body: SupplierRequestIn,
    session: SessionDep,
    runtime: RuntimeDep,
    principal: PrincipalDep,
    _: Writer,
) -> SupplierStatusOut:
    """Ask a supplier to confirm an item; 409 `supplier_status_exists` when already asked."""
    row = await records.request_supplier_status(
        session,
        booking_id=booking_id_of(booking_id),
        item_id=parse_id(body.item_id, "bkit", field="item_id"),
        supplier_ref=body.supplier_ref,
        respond_by=body.respond_by,
        ctx=actor_context(runtime, principal),
    )
    return SupplierStatusOut.model_validate(row)


async def _respond(
    session: SessionDep,
    ctx: Context,
    booking_id: str,
    supplier_status_id: str,
    to: str,
    *,
    confirmation_ref: str | None = None,
    reason: str | None = None,
) -> SupplierStatusOut:
    row = await records.respond_supplier_status(
        session,
        booking_id=booking_id_of(booking_id),
        supplier_status_id=_supplier_status(supplier_status_id),
        to=to,
        ctx=ctx,
        confirmation_ref=confirmation_ref,
        reason=reason,
    )
    return SupplierStatusOut.model_validate(row)


SUPPLIER_STATUS = f"{BOOKING}/supplier-statuses/{{supplier_status_id}}"


@router.post(f"{SUPPLIER_STATUS}/confirm", response_model=SupplierStatusOut)
async def confirm_supplier_status(
    booking_id: str,
    supplier_status_id: str,
    body: ConfirmIn,
    session: SessionDep,
    runtime: RuntimeDep,
    principal: PrincipalDep,
    _: Writer,
) -> SupplierStatusOut:
    """The supplier confirmed; 409 `invalid_transition` unless still requested."""
    ctx = actor_context(runtime, principal)
    return await _respond(
        session,
        ctx,
        booking_id,
        supplier_status_id,
        "confirmed",
        confirmation_ref=body.confirmation_ref,
    )


@router.post(f"{SUPPLIER_STATUS}/decline", response_model=SupplierStatusOut)
async def decline_supplier_status(
    booking_id: str,
    supplier_status_id: str,
    session: SessionDep,
    runtime: RuntimeDep,
    principal: PrincipalDep,
    _: Writer,
    body: ReasonIn | None = None,
) -> SupplierStatusOut:
    """The supplier declined; 409 `invalid_transition` unless still requested."""
    ctx = actor_context(runtime, principal)
    reason = body.reason if body else None
    return await _respond(session, ctx, booking_id, supplier_status_id, "declined", reason=reason)


@router.post(f"{SUPPLIER_STATUS}/cancel", response_model=SupplierStatusOut)
async def cancel_supplier_status(
    booking_id: str,
    supplier_status_id: str,
    session: SessionDep,
    runtime: RuntimeDep,
    principal: PrincipalDep,
    _: Writer,
    body: ReasonIn | None = None,
) -> SupplierStatusOut:
    """We call the request off; 409 `invalid_transition` unless still requested."""
    ctx = actor_context(runtime, principal)
    reason = body.reason if body else None
    return await _respond(session, ctx, booking_id, supplier_status_id, "cancelled", reason=reason)
