"""Invoices and proformas: draft (from a booking or explicit lines), issue, void, read."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Query
from pydantic import BaseModel, ConfigDict, Field, computed_field
from sqlalchemy import select

from api.deps import RuntimeDep, SessionDep, require
from api.fields import LongText, Medium, Name, Ref
from api.redaction import redact
from domain.auth.service import AuthenticatedPrincipal
from domain.errors import NotFound
from domain.finance import invoices as service
from domain.finance import transitions
from domain.finance.invoice_fx import InvoiceFxSettings, settings_for
from domain.finance.invoice_models import Invoice
from domain.ids import parse_id

router = APIRouter(prefix="/v1/finance/invoices", tags=["finance"])
Reader = Annotated[AuthenticatedPrincipal, Depends(require("finance:read"))]
Writer = Annotated[AuthenticatedPrincipal, Depends(require("finance:write"))]
Status = Literal[
    "draft", "pending_external_allocation", "issued", "partially_paid", "paid", "overdue", "void"
]
Amount = Annotated[int, Field(ge=-(10**12), le=10**12)]
Currency = Annotated[str, Field(pattern=r"^[A-Z]{3}$", examples=["EUR"])]


class LineIn(BaseModel):
    """An explicit line: quantity x unit amount (minor units; negative for a discount)."""

    description: Name
    unit_amount_minor: Amount
    quantity: int = Field(default=1, ge=1, le=100_000)


class Numbering(BaseModel):
    """Numbering precedence: `invoice_number` as-is, else `series_id`, else the default."""

    invoice_number: Medium | None = None
    series_id: Ref | None = None
    issue_date: date | None = None
    due_date: date | None = None
    tax_regime_id: Ref | None = Field(default=None, description="finalise with this tax regime")
    tax_mode: Literal["inclusive", "exclusive"] = "inclusive"


class InvoiceIn(Numbering):
    """A draft invoice; `issue: true` also numbers and issues it in the same transaction."""

    kind: Literal["invoice", "proforma"] = "invoice"
    booking_id: Ref | None = None
    currency: Currency | None = None
    lines: list[LineIn] | None = Field(
        default=None, max_length=500, description="omit to bill the booking's active items"
    )
    bill_to_name: Name | None = None
    bill_to_email: Name | None = None
    issue: bool = False


class VoidIn(BaseModel):
    """Why the invoice is voided."""

    reason: Annotated[LongText, Field(min_length=3)]


class ExternalNumberIn(BaseModel):
    """The number the external provider allocated."""

    number: Medium
    external_ref: Medium | None = None


class LineOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: str
    position: int
    description: str
    quantity: int
    unit_amount_minor: int
    total_minor: int
    booking_item_id: str | None


class InvoiceOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: str
    kind: str
    status: str
    number: str | None
    series_id: str | None
    booking_id: str | None
    currency: str
    total_minor: int
    paid_minor: int
    credited_minor: int
    bill_to_name: str | None
    bill_to_email: str | None
    issue_date: date | None
    due_date: date | None
    issued_at: datetime | None
    paid_at: datetime | None
    voided_at: datetime | None
    void_reason: str | None
    external_provider: str | None
    external_ref: str | None
    tax_mode: str | None = None
    tax_minor: int = 0
    fx_base_currency: str | None = None
    fx_rate: Decimal | None = None
    fx_rate_date: date | None = None
    fx_source: str | None = None
    fx_commission_bps: int | None = None
    fx_effective_rate: Decimal | None = None
    fx_base_total_minor: int | None = None
    fx_mention: str | None = None
    created_at: datetime
    lines: list[LineOut] = []

    @computed_field  # type: ignore[prop-decorator]
    @property
    def outstanding_minor(self) -> int:
        """What the payer still owes (negative: owed back)."""
        return transitions.outstanding(
            total_minor=self.total_minor,
            credited_minor=self.credited_minor,
            paid_minor=self.paid_minor,
        )


def _id(invoice_id: str) -> str:
    return parse_id(invoice_id, Invoice.id_prefix, field="invoice_id")


def _issue_spec(body: Numbering, fx: InvoiceFxSettings | None = None) -> service.IssueSpec:
    return service.IssueSpec(
        invoice_number=body.invoice_number,
        series_id=parse_id(body.series_id, "invs", field="series_id") if body.series_id else None,
        issue_date=body.issue_date,
        due_date=body.due_date,
        tax_regime_id=parse_id(body.tax_regime_id, "txrg", field="tax_regime_id")
        if body.tax_regime_id
        else None,
        tax_mode=body.tax_mode,
        fx=fx,
    )


async def invoice_out(session: SessionDep, invoice: Invoice) -> InvoiceOut:
    """An invoice with its lines."""
    out = InvoiceOut.model_validate(invoice)
    out.lines = [
        LineOut.model_validate(x) for x in await service.invoice_lines(session, invoice.id)
    ]
    return out


@router.post("", response_model=InvoiceOut, status_code=201, summary="Create an invoice")
async def create_invoice(
    body: InvoiceIn, session: SessionDep, runtime: RuntimeDep, _: Writer
) -> InvoiceOut:
    """A draft from the booking's items or explicit lines; with `issue`, issued at once."""
    issue = _issue_spec(body, settings_for(runtime.settings))  # validate ids before writing
    booking_id = parse_id(body.booking_id, "book", field="booking_id") if body.booking_id else None
    invoice = await service.create_invoice(
        session,
        service.InvoiceSpec(
            kind=body.kind,
            currency=body.currency,
            booking_id=booking_id,
            lines=[service.LineSpec(**x.model_dump()) for x in body.lines]
            if body.lines is not None
            else None,
            bill_to_name=body.bill_to_name,
            bill_to_email=body.bill_to_email,
            due_date=body.due_date,
        ),
    )
    if body.issue:
        invoice = await service.issue_invoice(session, invoice_id=invoice.id, spec=issue)
    return redact(await invoice_out(session, invoice), _)


@router.get("", response_model=list[InvoiceOut], summary="List invoices")
async def list_invoices(
    session: SessionDep,
    _: Reader,
    booking_id: str | None = None,
    status: Status | None = None,
    kind: Literal["invoice", "proforma"] | None = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
) -> list[InvoiceOut]:
    """Newest first, without lines."""
    stmt = select(Invoice).order_by(Invoice.id.desc()).limit(limit)
    if booking_id:
        stmt = stmt.where(Invoice.booking_id == parse_id(booking_id, "book", field="booking_id"))
    if status:
        stmt = stmt.where(Invoice.status == status)
    if kind:
        stmt = stmt.where(Invoice.kind == kind)
    return redact([InvoiceOut.model_validate(x) for x in (await session.scalars(stmt)).all()], _)


@router.get("/{invoice_id}", response_model=InvoiceOut, summary="One invoice")
async def get_invoice(invoice_id: str, session: SessionDep, _: Reader) -> InvoiceOut:
    """404 `invoice_not_found`."""
    invoice = await session.get(Invoice, _id(invoice_id))
    if invoice is None:
        raise NotFound("invoice_not_found", f"no invoice {invoice_id}")
    return redact(await invoice_out(session, invoice), _)


@router.post("/{invoice_id}/issue", response_model=InvoiceOut, summary="Issue a draft")
async def issue_invoice(
    invoice_id: str, body: Numbering, session: SessionDep, runtime: RuntimeDep, _: Writer
) -> InvoiceOut:
    """409 `no_active_series_for_scope`, `series_inactive`, `number_taken`, `invalid_transition`,
    `fx_rate_unavailable`. With `tax_regime_id`, line taxes are stored as the preview shows."""
    invoice = await service.issue_invoice(
        session, invoice_id=_id(invoice_id), spec=_issue_spec(body, settings_for(runtime.settings))
    )
    return redact(await invoice_out(session, invoice), _)


@router.post("/{invoice_id}/void", response_model=InvoiceOut, summary="Void an unpaid invoice")
async def void_invoice(invoice_id: str, body: VoidIn, session: SessionDep, _: Writer) -> InvoiceOut:
    """409 `invoice_has_payments`: a paid invoice is credited, never voided."""
    invoice = await service.void_invoice(session, invoice_id=_id(invoice_id), reason=body.reason)
    return redact(await invoice_out(session, invoice), _)


@router.post(
    "/{invoice_id}/external-allocation",
    response_model=InvoiceOut,
    summary="Apply the provider's number",
)
async def apply_external_number(
    invoice_id: str, body: ExternalNumberIn, session: SessionDep, _: Writer
) -> InvoiceOut:
    """A `pending_external_allocation` invoice gets its provider number and is issued."""
    invoice = await service.apply_external_allocation(
        session, invoice_id=_id(invoice_id), number=body.number, external_ref=body.external_ref
    )
    return redact(await invoice_out(session, invoice), _)
