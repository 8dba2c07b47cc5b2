"""Suppliers (with services, rates, notes, contracts) and external references."""

from __future__ import annotations

from datetime import date
from typing import Any, TypeVar

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from domain.base import Base
from domain.distribution.batch import constraint_of
from domain.distribution.supplier_models import (
    ExternalRef,
    Supplier,
    SupplierContract,
    SupplierNote,
    SupplierRate,
    SupplierService,
)
from domain.errors import BadRequest, Conflict, NotFound

Row = TypeVar("Row", bound=Base)
CONTRACT_UNIQUE = "uq_supplier_contracts_supplier_id_reference"
REF_UNIQUE = "uq_external_refs_entity_type_source_system_namespace_external_id"
PRIMARY_UNIQUE = "uq_external_refs_primary"


async def get_supplier(session: AsyncSession, supplier_id: str) -> Supplier:
    row = await session.get(Supplier, supplier_id)
    if row is None:
        raise NotFound("supplier_not_found", f"no supplier {supplier_id}")
    return row


async def add(session: AsyncSession, row: Row) -> Row:
    session.add(row)
    await session.flush()
    await session.refresh(row)
    return row


async def create_supplier(session: AsyncSession, **fields: Any) -> Supplier:
    return await add(session, Supplier(**fields))


async def update_supplier(
    session: AsyncSession, supplier_id: str, changes: dict[str, Any]
) -> Supplier:
    supplier = await get_supplier(session, supplier_id)
    for key, value in changes.items():
        setattr(supplier, key, value)
    await session.flush()
    await session.refresh(supplier)
    return supplier


async def delete_supplier(session: AsyncSession, supplier_id: str) -> None:
    """Delete a supplier with its services, rates, notes and contracts."""
    await session.delete(await get_supplier(session, supplier_id))
    await session.flush()


def _window(valid_from: date | None, valid_to: date | None) -> None:
    if valid_from is not None and valid_to is not None and valid_to < valid_from:
        raise BadRequest("invalid_validity", "valid_to must be on or after valid_from")


async def add_service(session: AsyncSession, supplier_id: str, **fields: Any) -> SupplierService:
    await get_supplier(session, supplier_id)
    return await add(session, SupplierService(supplier_id=supplier_id, **fields))


async def add_rate(session: AsyncSession, supplier_id: str, **fields: Any) -> SupplierRate:
    """A rate of one of the supplier's services (404 `service_not_found` otherwise)."""
    await get_supplier(session, supplier_id)
    service = await session.get(SupplierService, fields["service_id"])
    if service is None or service.supplier_id != supplier_id:
        raise NotFound("service_not_found", f"no service {fields['service_id']} here")
    _window(fields.get("valid_from"), fields.get("valid_to"))
    return await add(session, SupplierRate(supplier_id=supplier_id, **fields))


async def add_note(session: AsyncSession, supplier_id: str, **fields: Any) -> SupplierNote:
    await get_supplier(session, supplier_id)
    return await add(session, SupplierNote(supplier_id=supplier_id, **fields))


async def add_contract(session: AsyncSession, supplier_id: str, **fields: Any) -> SupplierContract:
    """409 `supplier_contract_exists` for a reference already used by this supplier."""
    await get_supplier(session, supplier_id)
    _window(fields.get("valid_from"), fields.get("valid_to"))
    taken = await session.scalar(
        select(SupplierContract.id).where(
            SupplierContract.supplier_id == supplier_id,
            SupplierContract.reference == fields["reference"],
        )
    )
    if taken is not None:
        raise Conflict("supplier_contract_exists", f"reference {fields['reference']} is taken")
    try:
        return await add(session, SupplierContract(supplier_id=supplier_id, **fields))
    except IntegrityError as exc:  # a racing twin passed the pre-check too
        if constraint_of(exc) != CONTRACT_UNIQUE:
            raise
        raise Conflict(
            "supplier_contract_exists", f"reference {fields['reference']} is taken"
        ) from exc


async def children(session: AsyncSession, model: type[Row], supplier_id: str) -> list[Row]:
    await get_supplier(session, supplier_id)
    stmt = select(model).where(model.supplier_id == supplier_id)  # type: ignore[attr-defined]
    return list(await session.scalars(stmt.order_by(model.id)))  # type: ignore[attr-defined]


# --- external refs ----------------------------------------------------------------------


async def add_external_ref(session: AsyncSession, **fields: Any) -> ExternalRef:
    """409 `external_ref_exists` when the external id already names an entity of that type
    in this source system and namespace. A new primary ref demotes the previous one."""
    taken = await session.scalar(
        select(ExternalRef).where(
            ExternalRef.entity_type == fields["entity_type"],
            ExternalRef.source_system == fields["source_system"],
            ExternalRef.namespace == fields.get("namespace", "default"),
            ExternalRef.external_id == fields["external_id"],
        )
    )
    if taken is not None:
        raise Conflict(
            "external_ref_exists",
            f"{fields['external_id']} already names {taken.entity_type} {taken.entity_id}",
            entity_id=taken.entity_id,
        )
    if fields.get("is_primary"):
        await _demote(session, fields)
    try:
        return await add(session, ExternalRef(**fields))
    except IntegrityError as exc:  # a racing twin passed the pre-check too
        if constraint_of(exc) == REF_UNIQUE:
            raise Conflict(
                "external_ref_exists", f"{fields['external_id']} already names an entity"
            ) from exc
        if constraint_of(exc) == PRIMARY_UNIQUE:
            raise Conflict(
                "primary_ref_exists", "another primary ref was added for this entity meanwhile"
            ) from exc
        raise


async def _demote(session: AsyncSession, fields: dict[str, Any]) -> None:
    await session.execute(
        update(ExternalRef)
        .where(
            ExternalRef.entity_type == fields["entity_type"],
            ExternalRef.entity_id == fields["entity_id"],
            ExternalRef.source_system == fields["source_system"],
            ExternalRef.namespace == fields.get("namespace", "default"),
            ExternalRef.is_primary.is_(True),
        )
        .values(is_primary=False)
    )


async def get_external_ref(session: AsyncSession, ref_id: str) -> ExternalRef:
    row = await session.get(ExternalRef, ref_id)
    if row is None:
        raise NotFound("external_ref_not_found", f"no external ref {ref_id}")
    return row


async def delete_external_ref(session: AsyncSession, ref_id: str) -> None:
    await session.delete(await get_external_ref(session, ref_id))
    await session.flush()
