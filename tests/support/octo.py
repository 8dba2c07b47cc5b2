"""OCTO test data: the demo seed plus reseller keys and small request helpers."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import httpx
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from domain.auth.service import create_principal_with_key
from domain.availability.models import AvailabilitySlot
from domain.catalog.models import OptionUnit, ProductOption
from domain.db import unit_of_work
from domain.distribution.models import Channel
from tourflow.demo_octo import OctoDemo, seed_octo_demo

CAPS = {"Octo-Capabilities": "octo/pricing, octo/content"}


@dataclass
class OctoWorld:
    """The seeded demo and a reseller key; ids of the walking tour's option and units."""

    demo: OctoDemo
    key: str
    option_id: str
    adult_id: str
    child_id: str

    def headers(self, caps: dict[str, str] | None = None) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.key}", **(CAPS if caps is None else caps)}


async def reseller_key(
    factory: async_sessionmaker[AsyncSession], *, kind: str = "reseller", name: str = "Reseller"
) -> tuple[str, str]:
    """A new channel of `kind` and an `octo:book` key mapped to it: (channel id, key)."""
    async with unit_of_work(factory) as session:
        channel = Channel(name=f"{name} {kind}", kind=kind, status="active")
        session.add(channel)
        await session.flush()
        _, key = await create_principal_with_key(
            session, kind="reseller", name=name, scopes=["octo:book"], channel_id=channel.id
        )
    return channel.id, key


async def octo_world(factory: async_sessionmaker[AsyncSession]) -> OctoWorld:
    async with unit_of_work(factory) as session:
        demo = await seed_octo_demo(session)
        _, key = await create_principal_with_key(
            session,
            kind="reseller",
            name="tester",
            scopes=["octo:book"],
            channel_id=demo.channel_id,
        )
        option = await session.scalar(
            select(ProductOption).where(ProductOption.product_id == demo.tour_product_id)
        )
        assert option is not None
        units = {
            u.category: u.id
            for u in await session.scalars(
                select(OptionUnit).where(OptionUnit.option_id == option.id)
            )
        }
    return OctoWorld(demo, key, option.id, units["adult"], units["child"])


async def first_slot(
    factory: async_sessionmaker[AsyncSession], option_id: str, *, offset: int = 0
) -> AvailabilitySlot:
    """An open slot of the option (the `offset`-th in start order)."""
    async with unit_of_work(factory) as session:
        slots = (
            await session.scalars(
                select(AvailabilitySlot)
                .where(AvailabilitySlot.option_id == option_id, AvailabilitySlot.status == "open")
                .order_by(AvailabilitySlot.starts_at, AvailabilitySlot.id)
                .limit(offset + 1)
            )
        ).all()
    return slots[offset]


def reservation(world: OctoWorld, slot_id: str, **overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "productId": world.demo.tour_product_id,
        "optionId": world.option_id,
        "availabilityId": slot_id,
        "unitItems": [
            {"unitId": world.adult_id},
            {"unitId": world.adult_id},
            {"unitId": world.child_id},
        ],
        "resellerReference": "RES-1",
        "notes": None,
    }
    body.update(overrides)
    return body


async def reserve(
    http: httpx.AsyncClient, world: OctoWorld, slot_id: str, **overrides: Any
) -> httpx.Response:
    return await http.post(
        "/octo/bookings", json=reservation(world, slot_id, **overrides), headers=world.headers()
    )
