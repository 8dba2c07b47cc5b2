"""Slot allocation resources, pickups and CSV exports."""

from __future__ import annotations

from datetime import time
from typing import Annotated

from fastapi import APIRouter, Depends
from fastapi.responses import Response
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import select

from api.deps import SessionDep, require
from domain.auth.service import AuthenticatedPrincipal
from domain.availability import allocation_service, pickups
from domain.availability.allocation import Manifest
from domain.availability.allocation_models import SlotResource, SlotResourceAssignment
from domain.availability.exports import Occupant, passenger_csv, rooming_list_csv
from domain.availability.models import AvailabilitySlot
from domain.availability.pickup_models import PickupGroup, PickupPoint, SlotPickup
from domain.errors import NotFound
from domain.ids import parse_id

router = APIRouter(prefix="/v1/availability", tags=["availability resources"])
Reader = Annotated[AuthenticatedPrincipal, Depends(require("operations:read"))]
Writer = Annotated[AuthenticatedPrincipal, Depends(require("operations:write"))]


class KindOut(BaseModel):
    kind: str
    capacity: int
    assigned: int
    available: int


class ResourceOut(BaseModel):
    id: str
    kind: str
    label: str
    capacity: int
    assigned: int
    available: int


class ManifestOut(BaseModel):
    slot_id: str
    kinds: list[KindOut]
    resources: list[ResourceOut]


class CustomResourceIn(BaseModel):
    kind: str = Field(pattern=r"^[a-z][a-z0-9_]{0,63}$")
    label: str = Field(min_length=1, max_length=100)
    capacity: int = Field(ge=1, le=1000)


class AssignmentIn(BaseModel):
    resource_id: str
    travellers: list[str] = Field(min_length=1, max_length=500)


class PlanIn(BaseModel):
    booking_ref: str | None = Field(default=None, max_length=90)
    assignments: list[AssignmentIn] = Field(min_length=1, max_length=500)


class PointIn(BaseModel):
    name: str = Field(min_length=1, max_length=200)
    place_id: str | None = Field(default=None, max_length=90)
    instructions: str | None = Field(default=None, max_length=2000)


class PointOut(PointIn):
    model_config = ConfigDict(from_attributes=True)
    id: str


class GroupIn(BaseModel):
    name: str = Field(min_length=1, max_length=200)
    product_id: str | None = None


class GroupOut(GroupIn):
    model_config = ConfigDict(from_attributes=True)
    id: str


class SlotPickupIn(BaseModel):
    pickup_point_id: str
    pickup_time: time | None = None
    capacity: int | None = Field(default=None, ge=0)


class SlotPickupOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: str
    slot_id: str
    pickup_point_id: str
    pickup_time: time | None
    capacity: int | None
    remaining: int | None


def _manifest_out(m: Manifest) -> ManifestOut:
    return ManifestOut(
        slot_id=m.slot_id,
        kinds=[
            KindOut(kind=k.kind, capacity=k.capacity, assigned=k.assigned, available=k.available)
            for k in m.kinds
        ],
        resources=[
            ResourceOut(
                id=r.id,
                kind=r.kind,
                label=r.label,
                capacity=r.capacity,
                assigned=r.assigned,
                available=r.available,
            )
            for r in m.resources
        ],
    )


def _slot(slot_id: str) -> str:
    return parse_id(slot_id, "avsl", field="slot_id")


@router.get("/slots/{slot_id}/manifest", response_model=ManifestOut)
async def manifest(slot_id: str, session: SessionDep, _: Reader) -> ManifestOut:
    """Per-kind capacity/assigned/available plus every resource, counting distinct travellers."""
    return _manifest_out(await allocation_service.slot_manifest(session, slot_id=_slot(slot_id)))


@router.post("/slots/{slot_id}/resources", response_model=ResourceOut, status_code=201)
async def add_resource(
    slot_id: str, body: CustomResourceIn, session: SessionDep, _: Writer
) -> ResourceOut:
    """Add custom inventory to a slot (kept across re-generation)."""
    r = await allocation_service.add_custom_resource(
        session, slot_id=_slot(slot_id), **body.model_dump()
    )
    return ResourceOut(
        id=r.id, kind=r.kind, label=r.label, capacity=r.capacity, assigned=0, available=r.capacity
    )


@router.put("/slots/{slot_id}/assignments", response_model=ManifestOut)
async def assign(slot_id: str, body: PlanIn, session: SessionDep, _: Writer) -> ManifestOut:
    """Place travellers on resources; 409 `resource_capacity_exhausted` names what overflows."""
    plan: dict[str, list[str]] = {}
    for a in body.assignments:
        plan.setdefault(parse_id(a.resource_id, "alrs", field="resource_id"), []).extend(
            a.travellers
        )
    result = await allocation_service.assign_travellers(
        session, slot_id=_slot(slot_id), plan=plan, booking_ref=body.booking_ref
    )
    return _manifest_out(result)


async def _occupants(session: SessionDep, slot_id: str) -> tuple[Manifest, list[Occupant]]:
    m = await allocation_service.slot_manifest(session, slot_id=slot_id)
    rows = await session.execute(
        select(SlotResourceAssignment, SlotResource)
        .join(SlotResource, SlotResource.id == SlotResourceAssignment.resource_id)
        .where(SlotResourceAssignment.slot_id == slot_id)
    )
    occupants = [Occupant(a.traveller_ref, a.booking_ref, r.id, r.kind, r.label) for a, r in rows]
    return m, occupants


def _csv_response(body: str, filename: str) -> Response:
    return Response(
        body.encode("utf-8"),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


@router.get("/slots/{slot_id}/rooming.csv", response_class=Response)
async def rooming_csv(slot_id: str, session: SessionDep, _: Reader) -> Response:
    """Rooming list: one row per occupant, UTF-8 with BOM, totals row last."""
    m, occupants = await _occupants(session, _slot(slot_id))
    return _csv_response(rooming_list_csv(m, occupants), f"rooming-{slot_id}.csv")


@router.get("/slots/{slot_id}/passengers.csv", response_class=Response)
async def passengers_csv(slot_id: str, session: SessionDep, _: Reader) -> Response:
    """Passenger list: one row per traveller, UTF-8 with BOM, totals row last."""
    sid = _slot(slot_id)
    occupants = (await _occupants(session, sid))[1]
    return _csv_response(passenger_csv(sid, occupants), f"passengers-{slot_id}.csv")


@router.post("/pickup-points", response_model=PointOut, status_code=201)
async def create_point(body: PointIn, session: SessionDep, _: Writer) -> PickupPoint:
    """Create a pickup point."""
    point = PickupPoint(**body.model_dump())
    session.add(point)
    await session.flush()
    return point


@router.post("/pickup-groups", response_model=GroupOut, status_code=201)
async def create_group(body: GroupIn, session: SessionDep, _: Writer) -> PickupGroup:
    """Create a pickup group."""
    product_id = parse_id(body.product_id, "prod", field="product_id") if body.product_id else None
    group = PickupGroup(name=body.name, product_id=product_id)
    session.add(group)
    await session.flush()
    return group


@router.put("/pickup-groups/{group_id}/points/{point_id}", status_code=204)
async def add_to_group(group_id: str, point_id: str, session: SessionDep, _: Writer) -> None:
    """Put a point in a group (idempotent)."""
    await pickups.add_group_member(
        session,
        group_id=parse_id(group_id, "pkgr", field="group_id"),
        point_id=parse_id(point_id, "pkpt", field="point_id"),
    )


@router.post("/slots/{slot_id}/pickups", response_model=SlotPickupOut, status_code=201)
async def offer_pickup(
    slot_id: str, body: SlotPickupIn, session: SessionDep, _: Writer
) -> SlotPickup:
    """Offer a pickup point on a slot, with its own capacity."""
    return await pickups.offer_pickup(
        session,
        slot_id=_slot(slot_id),
        point_id=parse_id(body.pickup_point_id, "pkpt", field="pickup_point_id"),
        pickup_time=body.pickup_time,
        capacity=body.capacity,
    )


@router.get("/slots/{slot_id}/pickups", response_model=list[SlotPickupOut])
async def list_pickups(slot_id: str, session: SessionDep, _: Reader) -> list[SlotPickup]:
    """A slot's pickups."""
    sid = _slot(slot_id)
    stmt = select(SlotPickup).where(SlotPickup.slot_id == sid).order_by(SlotPickup.pickup_time)
    found = list((await session.scalars(stmt)).all())
    if not found and await session.get(AvailabilitySlot, sid) is None:
        raise NotFound("slot_not_found", f"no availability slot {slot_id}")
    return found
