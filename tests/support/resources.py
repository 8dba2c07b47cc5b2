"""Factories for resources, pools, slots and program holds (keyword overrides, unique names)."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from domain.availability.models import AvailabilitySlot
from domain.catalog.models import Product, ProductOption
from domain.db import unit_of_work
from domain.resources import holds, service
from domain.resources.hold_models import ResourceHold
from domain.resources.models import Resource, ResourcePool

Factory = async_sessionmaker[AsyncSession]
JUNE_1 = datetime(2026, 6, 1, 7, 0, tzinfo=UTC)


def unique(prefix: str) -> str:
    return f"{prefix} {uuid.uuid4().hex[:6]}"


async def resource(factory: Factory, **overrides: Any) -> Resource:
    fields: dict[str, Any] = {"name": unique("Guide"), "type": "guide"}
    fields.update(overrides)
    async with unit_of_work(factory) as session:
        return await service.create_resource(session, **fields)


async def pool(factory: Factory, *members: Resource, **overrides: Any) -> ResourcePool:
    fields: dict[str, Any] = {"name": unique("Guides"), "resource_type": "guide"}
    fields.update(overrides)
    async with unit_of_work(factory) as session:
        row = await service.create_pool(session, **fields)
        for member in members:
            await service.add_member(session, pool_id=row.id, resource_id=member.id)
    return row


async def option(factory: Factory) -> ProductOption:
    async with unit_of_work(factory) as session:
        product = Product(name=unique("Tour"))
        session.add(product)
        await session.flush()
        row = ProductOption(product_id=product.id, name="Morning")
        session.add(row)
    return row


async def slot(
    factory: Factory,
    *,
    starts_at: datetime = JUNE_1,
    hours: float = 2,
    on: ProductOption | None = None,
    **overrides: Any,
) -> AvailabilitySlot:
    """A slot of its own option (unless `on` is given), so slots never collide."""
    opt = on or await option(factory)
    fields: dict[str, Any] = {
        "product_id": opt.product_id,
        "option_id": opt.id,
        "local_date": starts_at.date(),
        "local_time": starts_at.time().replace(tzinfo=None),
        "timezone": "UTC",
        "starts_at": starts_at,
        "ends_at": starts_at + timedelta(hours=hours),
        "capacity_initial": 20,
        "capacity_remaining": 20,
        "status": "open",
    }
    fields.update(overrides)
    async with unit_of_work(factory) as session:
        row = AvailabilitySlot(**fields)
        session.add(row)
    return row


def in_days(days: float) -> datetime:
    return datetime.now(UTC) + timedelta(days=days)


async def hold(factory: Factory, **overrides: Any) -> ResourceHold:
    fields: dict[str, Any] = {
        "kind": "room",
        "program_id": f"prog_{uuid.uuid4().hex[:8]}",
        "description": "Nile Ritz, doubles",
        "dates": [(date(2026, 9, 1), 10), (date(2026, 9, 2), 10)],
        "status": "held",
        "task_queue": "tourflow-test",
    }
    fields.update(overrides)
    async with unit_of_work(factory) as session:
        return await holds.place_hold(session, **fields)
