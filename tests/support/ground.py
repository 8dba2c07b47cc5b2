"""Factories for places, vehicles, drivers and dispatches (keyword overrides, unique names)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from domain.db import unit_of_work
from domain.ground import execution, fleet, service
from domain.ground.models import Dispatch, DispatchPassenger, Driver, Vehicle
from domain.ground.transitions import HAPPY_PATH
from domain.places import service as places
from domain.places.models import Place

Factory = async_sessionmaker[AsyncSession]
MAY_28 = datetime(2026, 5, 28, 7, 30, tzinfo=UTC)


def unique(prefix: str) -> str:
    return f"{prefix} {uuid.uuid4().hex[:6]}"


def window(start: datetime = MAY_28, *, hours: float = 2) -> dict[str, Any]:
    """`scheduled_at` / `ends_at` keywords for a dispatch starting at `start`."""
    return {"scheduled_at": start, "ends_at": start + timedelta(hours=hours)}


async def place(factory: Factory, **overrides: Any) -> Place:
    fields: dict[str, Any] = {
        "kind": "airport",
        "name": unique("Airport"),
        "timezone": "Africa/Cairo",
        "latitude": 30.1219,
        "longitude": 31.4056,
    }
    fields.update(overrides)
    async with unit_of_work(factory) as session:
        return await places.create_place(session, **fields)


async def vehicle(factory: Factory, **overrides: Any) -> Vehicle:
    fields: dict[str, Any] = {"name": unique("Van"), "vehicle_class": "van", "capacity": 8}
    fields.update(overrides)
    async with unit_of_work(factory) as session:
        return await fleet.create_vehicle(session, **fields)


async def driver(factory: Factory, **overrides: Any) -> Driver:
    fields: dict[str, Any] = {"name": unique("Driver")}
    fields.update(overrides)
    async with unit_of_work(factory) as session:
        return await fleet.create_driver(session, **fields)


async def dispatch(factory: Factory, *, status: str = "draft", **overrides: Any) -> Dispatch:
    """A dispatch walked forward to `status` along the happy path (draft by default)."""
    fields: dict[str, Any] = {**window(), "booking_id": f"bkng_{uuid.uuid4().hex[:8]}"}
    fields.update(overrides)
    async with unit_of_work(factory) as session:
        row = await service.create_dispatch(session, **fields)
    if status != "draft":
        row = await walk(factory, row, status)
    return row


async def walk(factory: Factory, row: Dispatch, to: str) -> Dispatch:
    """Move `row` along the happy path to `to`, assigning fresh assets if it has none."""
    for step in HAPPY_PATH[HAPPY_PATH.index(row.status) + 1 : HAPPY_PATH.index(to) + 1]:
        if step == "assigned" and row.vehicle_id is None:
            van, person = await vehicle(factory), await driver(factory)
            async with unit_of_work(factory) as session:
                row = await service.assign_dispatch(
                    session, dispatch_id=row.id, vehicle_id=van.id, driver_id=person.id
                )
            continue
        async with unit_of_work(factory) as session:
            row = await service.transition_dispatch(session, dispatch_id=row.id, to=step)
    return row


async def passenger(factory: Factory, row: Dispatch, **overrides: Any) -> DispatchPassenger:
    fields: dict[str, Any] = {"name": unique("Guest"), "pax": 1}
    fields.update(overrides)
    async with unit_of_work(factory) as session:
        return await execution.add_passenger(session, dispatch_id=row.id, **fields)
