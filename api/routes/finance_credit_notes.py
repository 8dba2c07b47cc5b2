"""Credit notes: credit an issued invoice in full or by lines; read them."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Response
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import select

from api.deps import SessionDep, require
from api.fields import LongText, Medium, Ref
from domain.auth.service import AuthenticatedPrincipal
from domain.errors import NotFound
from domain.finance import credit_notes as service
from domain.finance.credit_note_models import CreditNote, CreditNoteLine
from domain.ids import new_id, parse_id

router = APIRouter(prefix="/v1/finance/credit-notes", tags=["finance"])
Reader = Annotated[AuthenticatedPrincipal, Depends(require("finance:read"))]
Writer = Annotated[AuthenticatedPrincipal, Depends(require("finance:write"))]


class CreditLineIn(BaseModel):
    """Credit `amount_minor` of a line (omit: everything not yet credited on it)."""

    invoice_line_id: Ref
    amount_minor: int | None = Field(default=None, ge=1, le=10**12)


class CreditNoteIn(BaseModel):
    """Credit an invoice. Numbering: `credit_note_number`, else `series_id`, else default."""

    invoice_id: Ref
    reason: Annotated[LongText, Field(min_length=3)]
    lines: list[CreditLineIn] | None = Field(
        default=None, max_length=500, description="omit to credit the whole invoice"
    )
    idempotency_key: Annotated[LongText, Field(min_length=1, max_length=200)] | None = None
    credit_note_number: Medium | None = None
    series_id: Ref | None = None
    issue_date: date | None = None


class ExternalNumberIn(BaseModel):
    """The number the external provider allocated."""

    number: Medium
    external_ref: Medium | None = None


class CreditLineOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: str
    invoice_line_id: str
    description: str
    amount_minor: int


class CreditNoteOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: str
    invoice_id: str
    booking_id: str | None
    key: str
    status: str
    number: str
    series_id: str | None
    currency: str
    total_minor: int
    reason: str
    issue_date: date
    issued_at: datetime
    external_provider: str | None
    external_ref: str | None
    lines: list[CreditLineOut] = []


def _id(credit_note_id: str) -> str:
    return parse_id(credit_note_id, CreditNote.id_prefix, field="credit_note_id")


async def _out(session: SessionDep, note: CreditNote) -> CreditNoteOut:
    out = CreditNoteOut.model_validate(note)
    lines = await session.scalars(
        select(CreditNoteLine)
        .where(CreditNoteLine.credit_note_id == note.id)
        .order_by(CreditNoteLine.id)
    )
    out.lines = [CreditLineOut.model_validate(x) for x in lines.all()]
    return out


@router.post("", response_model=CreditNoteOut, status_code=201, summary="Issue a credit note")
async def issue_credit_note(
    body: CreditNoteIn, response: Response, session: SessionDep, _: Writer
) -> CreditNoteOut:
    """201 when issued; 200 when `idempotency_key` was already used on this invoice."""
    spec = service.CreditNoteSpec(
        invoice_id=parse_id(body.invoice_id, "inv", field="invoice_id"),
        reason=body.reason,
        key=body.idempotency_key or new_id("crnk"),
        lines=[
            service.CreditLineSpec(
                invoice_line_id=parse_id(x.invoice_line_id, "inli", field=f"lines[{n}]"),
                amount_minor=x.amount_minor,
            )
            for n, x in enumerate(body.lines)
        ]
        if body.lines is not None
        else None,
        credit_note_number=body.credit_note_number,
        series_id=parse_id(body.series_id, "invs", field="series_id") if body.series_id else None,
        issue_date=body.issue_date,
    )
    issued = await service.issue_credit_note(session, spec)
    if not issued.created:
        response.status_code = 200
    return await _out(session, issued.credit_note)


@router.get("", response_model=list[CreditNoteOut], summary="List credit notes")
async def list_credit_notes(
    session: SessionDep, _: Reader, invoice_id: str | None = None, booking_id: str | None = None
) -> list[CreditNoteOut]:
    """Newest first, without lines; filter by invoice or booking."""
    stmt = select(CreditNote).order_by(CreditNote.id.desc()).limit(200)
    if invoice_id:
        stmt = stmt.where(CreditNote.invoice_id == parse_id(invoice_id, "inv", field="invoice_id"))
    if booking_id:
        stmt = stmt.where(CreditNote.booking_id == parse_id(booking_id, "book", field="booking_id"))
    return [CreditNoteOut.model_validate(x) for x in (await session.scalars(stmt)).all()]


@router.get("/{credit_note_id}", response_model=CreditNoteOut, summary="One credit note")
async def get_credit_note(credit_note_id: str, session: SessionDep, _: Reader) -> CreditNoteOut:
    """404 `credit_note_not_found`."""
    note = await session.get(CreditNote, _id(credit_note_id))
    if note is None:
        raise NotFound("credit_note_not_found", f"no credit note {credit_note_id}")
    return await _out(session, note)


@router.post(
    "/{credit_note_id}/external-allocation",
    response_model=CreditNoteOut,
    summary="Apply the provider's number",
)
async def apply_external_number(
    credit_note_id: str, body: ExternalNumberIn, session: SessionDep, _: Writer
) -> CreditNoteOut:
    """A `pending_external_allocation` credit note gets its provider number."""
    note = await service.apply_external_allocation(
        session,
        credit_note_id=_id(credit_note_id),
        number=body.number,
        external_ref=body.external_ref,
    )
    return await _out(session, note)
