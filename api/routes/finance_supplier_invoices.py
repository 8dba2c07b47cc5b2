"""Supplier invoices (accounts payable): record with allocated lines, read, void."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Query, Response
from pydantic import BaseModel, ConfigDict, Field, field_serializer
from sqlalchemy import select

from api.deps import RuntimeDep, SessionDep, require
from api.fields import LongText, Medium, Name, Ref
from domain.auth.service import AuthenticatedPrincipal
from domain.errors import NotFound
from domain.finance import supplier_invoices as service
from domain.finance.invoice_fx import resolver_for
from domain.finance.supplier_invoice_models import SupplierInvoice
from domain.ids import parse_id

router = APIRouter(prefix="/v1/finance/supplier-invoices", tags=["finance"])
Reader = Annotated[AuthenticatedPrincipal, Depends(require("finance:read"))]
Writer = Annotated[AuthenticatedPrincipal, Depends(require("finance:write"))]
Amount = Annotated[int, Field(ge=-(10**12), le=10**12)]
Currency = Annotated[str, Field(pattern=r"^[A-Z]{3}$", examples=["EUR"])]


class LineIn(BaseModel):
    """A cost; allocate it to exactly one of `slot_id` (departure), `product_id`, `booking_id`."""

    description: Name
    amount_minor: Amount
    slot_id: Ref | None = None
    product_id: Ref | None = None
    booking_id: Ref | None = None


class SupplierInvoiceIn(BaseModel):
    """A supplier's invoice; (supplier_id, supplier_reference) makes recording idempotent."""

    supplier_id: Ref
    supplier_reference: Medium
    currency: Currency
    issue_date: date
    due_date: date | None = None
    tax_regime_id: Ref | None = None
    tax_mode: Literal["inclusive", "exclusive"] = "exclusive"
    notes: LongText | None = None
    lines: list[LineIn] = Field(min_length=1, max_length=500)


class LineOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: str
    position: int
    description: str
    amount_minor: int
    net_minor: int
    tax_minor: int
    self_assessed_tax_minor: int
    base_net_minor: int
    slot_id: str | None
    product_id: str | None
    booking_id: str | None


class SupplierInvoiceOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: str
    supplier_id: str
    supplier_reference: str
    status: str
    currency: str
    issue_date: date
    due_date: date | None
    tax_regime_id: str | None
    tax_mode: str
    net_minor: int
    tax_minor: int
    self_assessed_tax_minor: int
    total_minor: int
    base_currency: str
    fx_rate: Decimal
    fx_rate_date: date
    fx_source: str
    base_net_minor: int
    notes: str | None
    voided_at: datetime | None = None
    voided_by: str | None = None
    void_reason: str | None = None
    lines: list[LineOut] = []

    @field_serializer("fx_rate")
    def _rate(self, value: Decimal) -> str:
        return str(value)


def _opt(value: str | None, prefix: str, field: str) -> str | None:
    return parse_id(value, prefix, field=field) if value is not None else None


async def _out(session: SessionDep, invoice: SupplierInvoice) -> SupplierInvoiceOut:
    out = SupplierInvoiceOut.model_validate(invoice)
    out.lines = [
        LineOut.model_validate(x) for x in await service.supplier_lines(session, invoice.id)
    ]
    return out


@router.post("", response_model=SupplierInvoiceOut, status_code=201, summary="Record one")
async def record(
    body: SupplierInvoiceIn,
    session: SessionDep,
    runtime: RuntimeDep,
    response: Response,
    _: Writer,
) -> SupplierInvoiceOut:
    """201 when recorded, 200 for an identical replay; 409 `supplier_invoice_exists`,
    `fx_rate_unavailable`; 400 `invalid_allocation`; 404 `supplier_not_found` or for an
    unknown allocation."""
    spec = service.SupplierInvoiceSpec(
        supplier_id=body.supplier_id,
        supplier_reference=body.supplier_reference,
        currency=body.currency,
        issue_date=body.issue_date,
        due_date=body.due_date,
        tax_regime_id=_opt(body.tax_regime_id, "txrg", "tax_regime_id"),
        tax_mode=body.tax_mode,
        notes=body.notes,
        lines=[
            service.SupplierLineSpec(
                description=x.description,
                amount_minor=x.amount_minor,
                slot_id=_opt(x.slot_id, "avsl", "slot_id"),
                product_id=_opt(x.product_id, "prod", "product_id"),
                booking_id=_opt(x.booking_id, "book", "booking_id"),
            )
            for x in body.lines
        ],
    )
    recorded = await service.record_supplier_invoice(
        session,
        spec,
        base_currency=runtime.settings.base_currency,
        resolver=resolver_for(runtime.settings),
    )
    if not recorded.created:
        response.status_code = 200
    return await _out(session, recorded.invoice)


@router.get("", response_model=list[SupplierInvoiceOut], summary="List supplier invoices")
async def list_supplier_invoices(
    session: SessionDep,
    _: Reader,
    supplier_id: str | None = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
) -> list[SupplierInvoiceOut]:
    """Newest first, without lines."""
    stmt = select(SupplierInvoice).order_by(SupplierInvoice.id.desc()).limit(limit)
    if supplier_id:
        stmt = stmt.where(SupplierInvoice.supplier_id == supplier_id)
    return [SupplierInvoiceOut.model_validate(x) for x in (await session.scalars(stmt)).all()]


@router.get("/{supplier_invoice_id}", response_model=SupplierInvoiceOut, summary="One")
async def get_supplier_invoice(
    supplier_invoice_id: str, session: SessionDep, _: Reader
) -> SupplierInvoiceOut:
    row = await session.get(
        SupplierInvoice, parse_id(supplier_invoice_id, "sinv", field="supplier_invoice_id")
    )
    if row is None:
        raise NotFound("supplier_invoice_not_found", f"no supplier invoice {supplier_invoice_id}")
    return await _out(session, row)


class VoidIn(BaseModel):
    """Why the supplier invoice is voided (recorded with who voided it)."""

    reason: LongText | None = None


@router.post("/{supplier_invoice_id}/void", response_model=SupplierInvoiceOut, summary="Void")
async def void(
    supplier_invoice_id: str,
    session: SessionDep,
    principal: Writer,
    body: VoidIn | None = None,
) -> SupplierInvoiceOut:
    """Its lines stop counting as actual cost and its reference can be recorded again;
    emits `supplier_invoice.voided`. Voiding a void invoice returns it unchanged."""
    row = await service.void_supplier_invoice(
        session,
        parse_id(supplier_invoice_id, "sinv", field="supplier_invoice_id"),
        by=principal.id,
        reason=body.reason if body else None,
    )
    return await _out(session, row)
