"""Booking factories."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from domain.availability.models import AvailabilitySlot
from domain.bookings import service
from domain.db import AfterCommit, unit_of_work


def ctx(task_queue: str = "q", **overrides: Any) -> service.Context:
    return service.Context(
        actor_id=overrides.pop("actor_id", "prin_test"), task_queue=task_queue, **overrides
    )


def item_for(
    slot: AvailabilitySlot, *, pax: int = 2, price: int = 5000, **overrides: Any
) -> service.ItemSpec:
    fields: dict[str, Any] = {
        "kind": "unit",
        "description": "Adult",
        "sell_amount_minor": price,
        "sell_currency": "EUR",
        "cost_amount_minor": price // 2,
        "product_id": slot.product_id,
        "option_id": slot.option_id,
        "slot_id": slot.id,
        "pax": pax,
        "quantity": pax,
    }
    fields.update(overrides)
    return service.ItemSpec(**fields)


def spec_for(
    slot: AvailabilitySlot, *, pax: int = 2, status: str = "on_hold", **overrides: Any
) -> service.BookingSpec:
    travellers = [
        service.TravellerSpec(first_name=f"T{n}", last_name="Test", is_lead=n == 0)
        for n in range(pax)
    ]
    fields: dict[str, Any] = {
        "currency": "EUR",
        "status": status,
        "items": [item_for(slot, pax=pax)],
        "travellers": travellers,
    }
    fields.update(overrides)
    return service.BookingSpec(**fields)


async def book(
    factory: async_sessionmaker[AsyncSession],
    spec: service.BookingSpec,
    *,
    context: service.Context | None = None,
    after_commit: AfterCommit | None = None,
    ttl: timedelta | None = None,
):
    if ttl is not None:
        spec.hold_ttl = ttl
    async with unit_of_work(factory, after_commit=after_commit) as session:
        return await service.create_booking(session, spec, context or ctx())
