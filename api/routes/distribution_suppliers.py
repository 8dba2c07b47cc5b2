"""Suppliers (services, rates with units, notes, contracts; batch update/delete) and
external references (one entity per external id; one primary per source/namespace)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Response
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import select

from api.deps import SessionDep, require
from api.fields import LongText, Medium, Name, Patch, Ref
from api.routes.distribution_channels import BatchIds, BatchOut, batch_out
from domain.auth.service import AuthenticatedPrincipal
from domain.distribution import batch, suppliers
from domain.distribution.supplier_models import (
    ExternalRef,
    Supplier,
    SupplierContract,
    SupplierNote,
    SupplierRate,
    SupplierService,
)
from domain.ids import parse_id

router = APIRouter(tags=["distribution"])
Reader = Annotated[AuthenticatedPrincipal, Depends(require("distribution:read"))]
Writer = Annotated[AuthenticatedPrincipal, Depends(require("distribution:write"))]
SupplierType = Literal["accommodation", "transport", "guide", "activity", "restaurant", "other"]
SupplierStatus = Literal["active", "inactive", "archived"]
Unit = Literal["per_person", "per_group", "per_night", "per_vehicle", "per_hour", "per_day"]
Currency = Annotated[str, Field(pattern=r"^[A-Z]{3}$")]
Email = Annotated[str, Field(min_length=3, max_length=320)]
Phone = Annotated[str, Field(min_length=1, max_length=40)]
ExternalId = Annotated[str, Field(min_length=1, max_length=200)]


def _sid(value: str) -> str:
    return parse_id(value, Supplier.id_prefix, field="supplier_id")


class SupplierIn(BaseModel):
    name: Name
    type: SupplierType
    status: SupplierStatus = "active"
    email: Email | None = None
    phone: Phone | None = None
    default_currency: Currency | None = None


class SupplierPatch(Patch):
    not_null = frozenset({"name", "type", "status"})
    name: Name | None = None
    type: SupplierType | None = None
    status: SupplierStatus | None = None
    email: Email | None = None
    phone: Phone | None = None
    default_currency: Currency | None = None


class SupplierOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: str
    name: str
    type: str
    status: str
    email: str | None
    phone: str | None
    default_currency: str | None
    created_at: datetime
    updated_at: datetime


class ServiceIn(BaseModel):
    name: Name
    description: LongText | None = None
    active: bool = True


class ServiceOut(ServiceIn):
    model_config = ConfigDict(from_attributes=True)
    id: str
    supplier_id: str


class RateIn(BaseModel):
    service_id: Ref
    name: Name
    unit: Unit
    amount_minor: Annotated[int, Field(ge=0, le=10**13)]
    currency: Currency
    valid_from: date | None = None
    valid_to: date | None = None


class RateOut(RateIn):
    model_config = ConfigDict(from_attributes=True)
    id: str
    supplier_id: str


class NoteIn(BaseModel):
    body: Annotated[LongText, Field(min_length=1)]
    author: Name | None = None


class NoteOut(NoteIn):
    model_config = ConfigDict(from_attributes=True)
    id: str
    supplier_id: str
    created_at: datetime


class ContractIn(BaseModel):
    reference: Name
    status: Literal["draft", "active", "expired", "terminated"] = "active"
    valid_from: date | None = None
    valid_to: date | None = None
    terms: LongText | None = None


class ContractOut(ContractIn):
    model_config = ConfigDict(from_attributes=True)
    id: str
    supplier_id: str


@router.post("/v1/suppliers", response_model=SupplierOut, status_code=201)
async def create_supplier(body: SupplierIn, session: SessionDep, _: Writer) -> Supplier:
    """A new supplier."""
    return await suppliers.create_supplier(session, **body.model_dump())


@router.get("/v1/suppliers", response_model=list[SupplierOut])
async def list_suppliers(
    session: SessionDep, _: Reader, status: SupplierStatus | None = None
) -> list[Supplier]:
    """All suppliers, optionally of one status."""
    stmt = select(Supplier).order_by(Supplier.id)
    if status:
        stmt = stmt.where(Supplier.status == status)
    return list(await session.scalars(stmt))


@router.get("/v1/suppliers/{supplier_id}", response_model=SupplierOut)
async def get_supplier(supplier_id: str, session: SessionDep, _: Reader) -> Supplier:
    """One supplier."""
    return await suppliers.get_supplier(session, _sid(supplier_id))


@router.patch("/v1/suppliers/{supplier_id}", response_model=SupplierOut)
async def update_supplier(
    supplier_id: str, body: SupplierPatch, session: SessionDep, _: Writer
) -> Supplier:
    """Change a supplier."""
    return await suppliers.update_supplier(session, _sid(supplier_id), body.changes())


@router.delete("/v1/suppliers/{supplier_id}", status_code=204)
async def delete_supplier(supplier_id: str, session: SessionDep, _: Writer) -> Response:
    """Delete a supplier and its services, rates, notes and contracts."""
    await suppliers.delete_supplier(session, _sid(supplier_id))
    return Response(status_code=204)


class SupplierBatchUpdate(BatchIds):
    changes: SupplierPatch


@router.post("/v1/suppliers/batch-update", response_model=BatchOut)
async def batch_update(body: SupplierBatchUpdate, session: SessionDep, _: Writer) -> BatchOut:
    """Change up to 200 suppliers; each id in its own savepoint."""
    changes = body.changes.changes()

    async def apply(sid: str) -> None:
        await suppliers.update_supplier(session, _sid(sid), dict(changes))

    return batch_out(await batch.run_batch(session, body.ids, apply))


@router.post("/v1/suppliers/batch-delete", response_model=BatchOut)
async def batch_delete(body: BatchIds, session: SessionDep, _: Writer) -> BatchOut:
    """Delete up to 200 suppliers; each id in its own savepoint."""

    async def apply(sid: str) -> None:
        await suppliers.delete_supplier(session, _sid(sid))

    return batch_out(await batch.run_batch(session, body.ids, apply))


@router.post("/v1/suppliers/{supplier_id}/services", response_model=ServiceOut, status_code=201)
async def add_service(
    supplier_id: str, body: ServiceIn, session: SessionDep, _: Writer
) -> SupplierService:
    """A service the supplier provides."""
    return await suppliers.add_service(session, _sid(supplier_id), **body.model_dump())


@router.get("/v1/suppliers/{supplier_id}/services", response_model=list[ServiceOut])
async def list_services(supplier_id: str, session: SessionDep, _: Reader) -> list[SupplierService]:
    """The supplier's services."""
    return await suppliers.children(session, SupplierService, _sid(supplier_id))


@router.post("/v1/suppliers/{supplier_id}/rates", response_model=RateOut, status_code=201)
async def add_rate(supplier_id: str, body: RateIn, session: SessionDep, _: Writer) -> SupplierRate:
    """A price per unit for one of the supplier's services."""
    return await suppliers.add_rate(session, _sid(supplier_id), **body.model_dump())


@router.get("/v1/suppliers/{supplier_id}/rates", response_model=list[RateOut])
async def list_rates(supplier_id: str, session: SessionDep, _: Reader) -> list[SupplierRate]:
    """The supplier's rates."""
    return await suppliers.children(session, SupplierRate, _sid(supplier_id))


@router.post("/v1/suppliers/{supplier_id}/notes", response_model=NoteOut, status_code=201)
async def add_note(supplier_id: str, body: NoteIn, session: SessionDep, _: Writer) -> SupplierNote:
    """A note about the supplier."""
    return await suppliers.add_note(session, _sid(supplier_id), **body.model_dump())


@router.get("/v1/suppliers/{supplier_id}/notes", response_model=list[NoteOut])
async def list_notes(supplier_id: str, session: SessionDep, _: Reader) -> list[SupplierNote]:
    """The supplier's notes."""
    return await suppliers.children(session, SupplierNote, _sid(supplier_id))


@router.post("/v1/suppliers/{supplier_id}/contracts", response_model=ContractOut, status_code=201)
async def add_contract(
    supplier_id: str, body: ContractIn, session: SessionDep, _: Writer
) -> SupplierContract:
    """409 `supplier_contract_exists` for a reused reference."""
    return await suppliers.add_contract(session, _sid(supplier_id), **body.model_dump())


@router.get("/v1/suppliers/{supplier_id}/contracts", response_model=list[ContractOut])
async def list_contracts(
    supplier_id: str, session: SessionDep, _: Reader
) -> list[SupplierContract]:
    """The supplier's contracts."""
    return await suppliers.children(session, SupplierContract, _sid(supplier_id))


# --- external refs ----------------------------------------------------------------------


class ExternalRefIn(BaseModel):
    entity_type: Medium
    entity_id: Ref
    source_system: Annotated[str, Field(min_length=1, max_length=80)]
    namespace: Annotated[str, Field(min_length=1, max_length=80)] = "default"
    external_id: ExternalId
    is_primary: bool = False


class ExternalRefOut(ExternalRefIn):
    model_config = ConfigDict(from_attributes=True)
    id: str
    created_at: datetime


@router.post("/v1/external-refs", response_model=ExternalRefOut, status_code=201)
async def add_external_ref(body: ExternalRefIn, session: SessionDep, _: Writer) -> ExternalRef:
    """409 `external_ref_exists` when the external id already names an entity."""
    return await suppliers.add_external_ref(session, **body.model_dump())


@router.get("/v1/external-refs", response_model=list[ExternalRefOut])
async def list_external_refs(
    session: SessionDep,
    _: Reader,
    entity_type: Medium | None = None,
    entity_id: Ref | None = None,
    source_system: str | None = None,
    external_id: str | None = None,
) -> list[ExternalRef]:
    """Look refs up by entity or by external id (200 at most)."""
    stmt = select(ExternalRef).order_by(ExternalRef.id).limit(200)
    for column, value in (
        (ExternalRef.entity_type, entity_type),
        (ExternalRef.entity_id, entity_id),
        (ExternalRef.source_system, source_system),
        (ExternalRef.external_id, external_id),
    ):
        if value is not None:
            stmt = stmt.where(column == value)
    return list(await session.scalars(stmt))


@router.delete("/v1/external-refs/{ref_id}", status_code=204)
async def delete_external_ref(ref_id: str, session: SessionDep, _: Writer) -> Response:
    """Remove a ref."""
    rid = parse_id(ref_id, ExternalRef.id_prefix, field="ref_id")
    await suppliers.delete_external_ref(session, rid)
    return Response(status_code=204)
