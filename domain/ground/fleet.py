"""Vehicles and drivers: create, read, list, update."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from domain.errors import BadRequest, Conflict
from domain.ground.locks import Lock, load, violated_constraint
from domain.ground.models import VEHICLE_CLASSES, Dispatch, Driver, Vehicle
from domain.ground.transitions import TERMINAL

VEHICLE_FIELDS = frozenset(
    (
        "name",
        "registration",
        "vehicle_class",
        "capacity",
        "wheelchair_accessible",
        "step_free",
        "active",
    )
)
DRIVER_FIELDS = frozenset({"name", "phone", "license_number", "active"})


def _check_vehicle(*, vehicle_class: str | None = None, capacity: int | None = None) -> None:
    if vehicle_class is not None and vehicle_class not in VEHICLE_CLASSES:
        raise BadRequest("invalid_vehicle_class", f"class must be one of {VEHICLE_CLASSES}")
    if capacity is not None and capacity < 1:
        raise BadRequest("invalid_capacity", "a vehicle seats at least one passenger")


def _check_fields(changes: Mapping[str, Any], allowed: frozenset[str]) -> None:
    unknown = set(changes) - allowed
    if unknown:
        raise BadRequest("invalid_field", f"cannot update {', '.join(sorted(unknown))}")


async def _flush_vehicle(session: AsyncSession, registration: str | None) -> None:
    try:
        await session.flush()
    except IntegrityError as exc:
        if violated_constraint(exc) == "uq_ground_vehicles_registration":
            raise Conflict(
                "vehicle_registration_taken",
                f"another vehicle is registered as {registration}",
                registration=registration,
            ) from exc
        raise


async def create_vehicle(
    session: AsyncSession,
    *,
    name: str,
    vehicle_class: str,
    capacity: int,
    registration: str | None = None,
    wheelchair_accessible: bool = False,
    step_free: bool = False,
    active: bool = True,
) -> Vehicle:
    """Validate and insert a vehicle; 409 `vehicle_registration_taken` on a duplicate plate."""
    _check_vehicle(vehicle_class=vehicle_class, capacity=capacity)
    vehicle = Vehicle(
        name=name,
        vehicle_class=vehicle_class,
        capacity=capacity,
        registration=registration,
        wheelchair_accessible=wheelchair_accessible,
        step_free=step_free,
        active=active,
    )
    session.add(vehicle)
    await _flush_vehicle(session, registration)
    return vehicle


async def get_vehicle(
    session: AsyncSession, *, vehicle_id: str, field: str = "vehicle_id", lock: Lock = None
) -> Vehicle:
    """The vehicle, or 400 `invalid_id` / 404 `vehicle_not_found`."""
    return await load(session, Vehicle, vehicle_id, field=field, thing="vehicle", lock=lock)


async def list_vehicles(
    session: AsyncSession,
    *,
    active: bool | None = None,
    min_capacity: int | None = None,
    limit: int = 100,
    offset: int = 0,
) -> list[Vehicle]:
    """Vehicles by name, optionally only active ones or those seating `min_capacity`."""
    stmt = select(Vehicle).order_by(Vehicle.name, Vehicle.id).limit(limit).offset(offset)
    if active is not None:
        stmt = stmt.where(Vehicle.active == active)
    if min_capacity is not None:
        stmt = stmt.where(Vehicle.capacity >= min_capacity)
    return list((await session.scalars(stmt)).all())


async def update_vehicle(
    session: AsyncSession, *, vehicle_id: str, changes: Mapping[str, Any]
) -> Vehicle:
    """Partial update; a capacity below an open dispatch's passengers is 409."""
    _check_fields(changes, VEHICLE_FIELDS)
    _check_vehicle(vehicle_class=changes.get("vehicle_class"), capacity=changes.get("capacity"))
    # Locked so a concurrent passenger add (which reads capacity FOR SHARE) cannot slip by.
    vehicle = await get_vehicle(session, vehicle_id=vehicle_id, lock="update")
    new_capacity = changes.get("capacity")
    if new_capacity is not None and new_capacity < vehicle.capacity:
        busiest = await session.scalar(
            select(func.max(Dispatch.pax_total)).where(
                Dispatch.vehicle_id == vehicle.id, Dispatch.status.not_in(TERMINAL)
            )
        )
        if busiest is not None and busiest > new_capacity:
            raise Conflict(
                "vehicle_capacity_in_use",
                f"an open dispatch carries {busiest} passengers on this vehicle",
                capacity=new_capacity,
                pax=busiest,
            )
    for key, value in changes.items():
        setattr(vehicle, key, value)
    await _flush_vehicle(session, changes.get("registration"))
    await session.refresh(vehicle)  # reload the server-set updated_at
    return vehicle


async def create_driver(
    session: AsyncSession,
    *,
    name: str,
    phone: str | None = None,
    license_number: str | None = None,
    active: bool = True,
) -> Driver:
    """Insert a driver."""
    driver = Driver(name=name, phone=phone, license_number=license_number, active=active)
    session.add(driver)
    await session.flush()
    return driver


async def get_driver(
    session: AsyncSession, *, driver_id: str, field: str = "driver_id", lock: Lock = None
) -> Driver:
    """The driver, or 400 `invalid_id` / 404 `driver_not_found`."""
    return await load(session, Driver, driver_id, field=field, thing="driver", lock=lock)


async def list_drivers(
    session: AsyncSession, *, active: bool | None = None, limit: int = 100, offset: int = 0
) -> list[Driver]:
    """Drivers by name, optionally only active ones."""
    stmt = select(Driver).order_by(Driver.name, Driver.id).limit(limit).offset(offset)
    if active is not None:
        stmt = stmt.where(Driver.active == active)
    return list((await session.scalars(stmt)).all())


async def update_driver(
    session: AsyncSession, *, driver_id: str, changes: Mapping[str, Any]
) -> Driver:
    """Partial update of a driver."""
    _check_fields(changes, DRIVER_FIELDS)
    driver = await get_driver(session, driver_id=driver_id)
    for key, value in changes.items():
        setattr(driver, key, value)
    await session.flush()
    await session.refresh(driver)  # reload the server-set updated_at
    return driver
