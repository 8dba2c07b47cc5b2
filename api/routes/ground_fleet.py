"""Ground fleet routes: vehicles and drivers (mounted by api.routes.ground)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Query
from pydantic import BaseModel, ConfigDict, Field

from api.deps import SessionDep, require
from api.fields import Medium, Name, Patch, Short
from domain.auth.service import AuthenticatedPrincipal
from domain.ground import fleet
from domain.ground.models import Driver, Vehicle

router = APIRouter(tags=["ground"])  # mounted under /v1/ground by api.routes.ground
Reader = Annotated[AuthenticatedPrincipal, Depends(require("operations:read"))]
Writer = Annotated[AuthenticatedPrincipal, Depends(require("operations:write"))]
VehicleClass = Literal["car", "van", "minibus", "bus", "coach", "other"]
Seats = Annotated[int, Field(ge=1, le=1000)]
Limit = Annotated[int, Query(ge=1, le=500)]
Offset = Annotated[int, Query(ge=0, le=1_000_000)]


class VehicleIn(BaseModel):
    """A new vehicle: `capacity` is passenger seats."""

    name: Name
    vehicle_class: VehicleClass
    capacity: Seats
    registration: Short | None = None
    wheelchair_accessible: bool = False
    step_free: bool = False
    active: bool = True


class VehicleUpdate(Patch):
    """Any subset of a vehicle's fields."""

    not_null = frozenset(
        {"name", "vehicle_class", "capacity", "wheelchair_accessible", "step_free", "active"}
    )
    name: Name | None = None
    vehicle_class: VehicleClass | None = None
    capacity: Seats | None = None
    registration: Short | None = None
    wheelchair_accessible: bool | None = None
    step_free: bool | None = None
    active: bool | None = None


class VehicleOut(BaseModel):
    """A vehicle as stored."""

    model_config = ConfigDict(from_attributes=True)
    id: str
    name: str
    vehicle_class: str
    capacity: int
    registration: str | None
    wheelchair_accessible: bool
    step_free: bool
    active: bool
    created_at: datetime
    updated_at: datetime


class DriverIn(BaseModel):
    """A new driver."""

    name: Name
    phone: Short | None = None
    license_number: Medium | None = None
    active: bool = True


class DriverUpdate(Patch):
    """Any subset of a driver's fields."""

    not_null = frozenset({"name", "active"})
    name: Name | None = None
    phone: Short | None = None
    license_number: Medium | None = None
    active: bool | None = None


class DriverOut(BaseModel):
    """A driver as stored."""

    model_config = ConfigDict(from_attributes=True)
    id: str
    name: str
    phone: str | None
    license_number: str | None
    active: bool
    created_at: datetime
    updated_at: datetime


@router.post("/vehicles", response_model=VehicleOut, status_code=201, summary="Add a vehicle")
async def create_vehicle(body: VehicleIn, session: SessionDep, _: Writer) -> Vehicle:
    """409 `vehicle_registration_taken` when the plate is already registered."""
    return await fleet.create_vehicle(session, **body.model_dump())


@router.get("/vehicles", response_model=list[VehicleOut], summary="List vehicles")
async def list_vehicles(
    session: SessionDep,
    _: Reader,
    active: bool | None = None,
    min_capacity: Annotated[int | None, Query(ge=1, le=1000)] = None,
    limit: Limit = 100,
    offset: Offset = 0,
) -> list[Vehicle]:
    """By name; filter by `active` or by seats needed."""
    return await fleet.list_vehicles(
        session, active=active, min_capacity=min_capacity, limit=limit, offset=offset
    )


@router.get("/vehicles/{vehicle_id}", response_model=VehicleOut, summary="One vehicle")
async def get_vehicle(vehicle_id: str, session: SessionDep, _: Reader) -> Vehicle:
    """404 `vehicle_not_found` when it does not exist."""
    return await fleet.get_vehicle(session, vehicle_id=vehicle_id)


@router.patch("/vehicles/{vehicle_id}", response_model=VehicleOut, summary="Update a vehicle")
async def update_vehicle(
    vehicle_id: str, body: VehicleUpdate, session: SessionDep, _: Writer
) -> Vehicle:
    """409 `vehicle_capacity_in_use` when fewer seats would strand booked passengers."""
    return await fleet.update_vehicle(session, vehicle_id=vehicle_id, changes=body.changes())


@router.post("/drivers", response_model=DriverOut, status_code=201, summary="Add a driver")
async def create_driver(body: DriverIn, session: SessionDep, _: Writer) -> Driver:
    """Drivers have no unique business key; names may repeat."""
    return await fleet.create_driver(session, **body.model_dump())


@router.get("/drivers", response_model=list[DriverOut], summary="List drivers")
async def list_drivers(
    session: SessionDep,
    _: Reader,
    active: bool | None = None,
    limit: Limit = 100,
    offset: Offset = 0,
) -> list[Driver]:
    """By name; filter by `active`."""
    return await fleet.list_drivers(session, active=active, limit=limit, offset=offset)


@router.get("/drivers/{driver_id}", response_model=DriverOut, summary="One driver")
async def get_driver(driver_id: str, session: SessionDep, _: Reader) -> Driver:
    """404 `driver_not_found` when it does not exist."""
    return await fleet.get_driver(session, driver_id=driver_id)


@router.patch("/drivers/{driver_id}", response_model=DriverOut, summary="Update a driver")
async def update_driver(
    driver_id: str, body: DriverUpdate, session: SessionDep, _: Writer
) -> Driver:
    """Change any subset of a driver's fields."""
    return await fleet.update_driver(session, driver_id=driver_id, changes=body.changes())
