"""Factories for catalog and availability rows (keyword overrides, unique names)."""

from __future__ import annotations

import uuid
from datetime import date, time
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from domain.availability.models import AvailabilityRule, AvailabilitySlot
from domain.catalog.models import OptionResourceTemplate, Product, ProductOption
from domain.db import unit_of_work


async def product_with_option(
    factory: async_sessionmaker[AsyncSession], **overrides: Any
) -> tuple[Product, ProductOption]:
    async with unit_of_work(factory) as session:
        product = Product(
            name=f"Tour {uuid.uuid4().hex[:6]}",
            timezone=overrides.pop("timezone", "Europe/Berlin"),
            **overrides,
        )
        session.add(product)
        await session.flush()
        option = ProductOption(product_id=product.id, name="Morning")
        session.add(option)
    return product, option


async def rule(
    factory: async_sessionmaker[AsyncSession], option: ProductOption, **overrides: Any
) -> AvailabilityRule:
    fields: dict[str, Any] = {
        "product_id": option.product_id,
        "option_id": option.id,
        "rrule": "FREQ=DAILY",
        "dtstart": date(2026, 1, 1),
        "start_times": [time(9, 0)],
        "timezone": "Europe/Berlin",
        "capacity": 20,
        "exdates": [],
        "rdates": [],
        "duration_minutes": 120,
        "horizon_days": 365,
        "active": True,
    }
    fields.update(overrides)
    async with unit_of_work(factory) as session:
        row = AvailabilityRule(**fields)
        session.add(row)
    return row


async def slot(
    factory: async_sessionmaker[AsyncSession], option: ProductOption, **overrides: Any
) -> AvailabilitySlot:
    from datetime import UTC, datetime, timedelta

    starts = overrides.pop("starts_at", datetime(2026, 6, 1, 7, 0, tzinfo=UTC))
    capacity = overrides.pop("capacity", 50)
    async with unit_of_work(factory) as session:
        row = AvailabilitySlot(
            product_id=option.product_id,
            option_id=option.id,
            local_date=overrides.pop("local_date", starts.date()),
            local_time=overrides.pop("local_time", time(9, 0)),
            timezone="Europe/Berlin",
            starts_at=starts,
            ends_at=starts + timedelta(hours=2),
            capacity_initial=capacity,
            capacity_remaining=capacity,
            status="open",
            **overrides,
        )
        session.add(row)
    return row


async def template(
    factory: async_sessionmaker[AsyncSession], option: ProductOption, **overrides: Any
) -> OptionResourceTemplate:
    fields: dict[str, Any] = {
        "option_id": option.id,
        "kind": "room_dbl",
        "capacity_per_unit": 2,
        "default_count": 3,
    }
    fields.update(overrides)
    async with unit_of_work(factory) as session:
        row = OptionResourceTemplate(**fields)
        session.add(row)
    return row
