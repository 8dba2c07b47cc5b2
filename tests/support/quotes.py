"""Quote and reservation factories (keyword overrides) and a poll helper for workflow tests."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from domain.availability.models import AvailabilitySlot
from domain.catalog.models import OptionUnit, ProductOption
from domain.db import AfterCommit, unit_of_work
from domain.quotes import service
from domain.quotes.models import QuoteVersion
from domain.reservations.models import ReservationPlan, ReservationPlanLine
from tests.support import catalog

T = TypeVar("T")


async def future_slot(
    factory: async_sessionmaker[AsyncSession],
    option: ProductOption,
    *,
    days: int = 30,
    **overrides: Any,
) -> AvailabilitySlot:
    """An open slot `days` from now (the recheck refuses departed slots)."""
    starts = datetime.now(UTC).replace(microsecond=0) + timedelta(days=days)
    return await catalog.slot(factory, option, starts_at=starts, **overrides)


async def unit(
    factory: async_sessionmaker[AsyncSession], option: ProductOption, **overrides: Any
) -> OptionUnit:
    """A priced unit of `option`: sells at 5000 EUR and costs us 2500 EUR."""
    fields: dict[str, Any] = {"option_id": option.id, "name": "Adult", "pax": 1}
    fields.update(
        {
            "price_minor": 5000,
            "currency": "EUR",
            "cost_minor": 2500,
            "cost_currency": "EUR",
            **overrides,
        }
    )
    async with unit_of_work(factory) as session:
        row = OptionUnit(**fields)
        session.add(row)
    return row


def catalog_line(
    slot: AvailabilitySlot, unit: OptionUnit, *, quantity: int = 2, **overrides: Any
) -> service.LineSpec:
    """A catalog line selling `unit` on `slot` at the unit's current price and cost."""
    fields: dict[str, Any] = {
        "kind": "catalog",
        "description": "Morning tour, adult",
        "sell_amount_minor": unit.price_minor,
        "sell_currency": unit.currency,
        "cost_amount_minor": unit.cost_minor or 0,
        "cost_currency": unit.cost_currency,
        "quantity": quantity,
        "pax_per_unit": 1,
        "product_id": slot.product_id,
        "option_id": slot.option_id,
        "unit_id": unit.id,
        "slot_id": slot.id,
    }
    fields.update(overrides)
    return service.LineSpec(**fields)


def manual_line(**overrides: Any) -> service.LineSpec:
    fields: dict[str, Any] = {
        "kind": "manual",
        "description": "Dinner at the harbour",
        "sell_amount_minor": 8000,
        "sell_currency": "EUR",
        "cost_amount_minor": 6000,
        "quantity": 1,
        "pax_per_unit": 0,
        "supplier_ref": "supp_harbour_grill",
        "service_name": "Set dinner",
        "supplier_deadline_seconds": 120,
    }
    fields.update(overrides)
    return service.LineSpec(**fields)


async def sent_version(
    factory: async_sessionmaker[AsyncSession],
    lines: list[service.LineSpec],
    **overrides: Any,
) -> QuoteVersion:
    """A quote with one version holding `lines`, already sent to the client."""
    async with unit_of_work(factory) as session:
        quote = await service.create_quote(
            session,
            service.QuoteSpec(title="Lisbon weekend", currency="EUR", buyer={"name": "Ada Client"}),
        )
        version = await service.create_version(
            session, quote_id=quote.id, spec=service.VersionSpec(lines=lines, **overrides)
        )
        return await service.send_version(session, version_id=version.id)


async def accept(
    factory: async_sessionmaker[AsyncSession],
    version_id: str,
    *,
    task_queue: str,
    after_commit: AfterCommit | None = None,
) -> service.Acceptance:
    async with unit_of_work(factory, after_commit=after_commit) as session:
        return await service.accept_version(
            session, version_id=version_id, task_queue=task_queue, actor_id="prin_test"
        )


async def plan_state(
    factory: async_sessionmaker[AsyncSession], version_id: str
) -> tuple[ReservationPlan, list[ReservationPlanLine]]:
    async with factory() as session:
        plan = await session.scalar(
            select(ReservationPlan).where(ReservationPlan.quote_version_id == version_id)
        )
        assert plan is not None
        lines = (
            await session.scalars(
                select(ReservationPlanLine)
                .where(ReservationPlanLine.plan_id == plan.id)
                .order_by(ReservationPlanLine.position)
            )
        ).all()
        return plan, list(lines)


async def eventually(check: Callable[[], Awaitable[T | None]], *, within: float = 30.0) -> T:
    """Poll `check` until it returns something truthy (a wait for a workflow to get there)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + within
    while True:
        value = await check()
        if value:
            return value
        if loop.time() > deadline:
            raise AssertionError("condition not reached")
        await asyncio.sleep(0.1)
