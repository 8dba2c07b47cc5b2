"""Demo data a reseller can book against over OCTO (idempotent: run it as often as you like).

Two bookable products (a START_TIME walking tour with two departures a day, and an
OPENING_HOURS museum pass), plenty of capacity for repeated test bookings, one sold-out
departure, and a reseller channel whose key `tourflow demo-reseller-key` prints.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from domain.auth.models import ApiKey, Principal
from domain.auth.service import create_principal_with_key
from domain.availability.models import AvailabilitySlot
from domain.catalog.models import OptionUnit, Product, ProductOption
from domain.distribution.models import Channel
from domain.ids import new_id
from domain.octo.models import OctoProductSettings

TIMEZONE = "Europe/Berlin"
DAYS = 60
CHANNEL_NAME = "Demo reseller (OCTO)"
PRINCIPAL_NAME = "demo-reseller"
TOUR = "Old Town Walking Tour"
MUSEUM = "City Museum Pass"
TOUR_TIMES = (time(9, 0), time(14, 0))
SOLD_OUT_TIME = time(18, 0)


@dataclass(frozen=True)
class OctoDemo:
    """What the seeder made (or found)."""

    channel_id: str
    principal_id: str
    tour_product_id: str
    pass_product_id: str
    sold_out_slot_id: str


async def _channel(session: AsyncSession) -> Channel:
    found = await session.scalar(select(Channel).where(Channel.name == CHANNEL_NAME))
    if found is None:
        found = Channel(name=CHANNEL_NAME, kind="reseller", status="active")
        session.add(found)
        await session.flush()
    return found


async def _principal(session: AsyncSession, channel_id: str) -> Principal:
    found = await session.scalar(
        select(Principal).where(Principal.name == PRINCIPAL_NAME, Principal.kind == "reseller")
    )
    if found is None:
        found, _ = await create_principal_with_key(
            session,
            kind="reseller",
            name=PRINCIPAL_NAME,
            scopes=["octo:book"],
            channel_id=channel_id,
        )
    return found


async def _product(
    session: AsyncSession,
    name: str,
    option_name: str,
    units: list[tuple[str, str, int]],
    settings: OctoProductSettings,
) -> tuple[Product, ProductOption]:
    product = await session.scalar(select(Product).where(Product.name == name))
    if product is None:
        product = Product(name=name, timezone=TIMEZONE, default_currency="EUR")
        session.add(product)
        await session.flush()
        option = ProductOption(product_id=product.id, name=option_name)
        session.add(option)
        await session.flush()
        for unit_name, category, price in units:
            session.add(
                OptionUnit(
                    option_id=option.id,
                    name=unit_name,
                    category=category,
                    pax=1,
                    price_minor=price,
                    currency="EUR",
                )
            )
        settings.product_id = product.id
        session.add(settings)
        await session.flush()
    found = await session.scalar(
        select(ProductOption).where(ProductOption.product_id == product.id)
    )
    assert found is not None
    return product, found


async def _slots(
    session: AsyncSession,
    option: ProductOption,
    days: list[date],
    starts: list[tuple[time, timedelta, int]],
) -> None:
    zone = ZoneInfo(TIMEZONE)
    rows = []
    for day in days:
        for local_time, length, capacity in starts:
            begins = datetime.combine(day, local_time, tzinfo=zone).astimezone(UTC)
            rows.append(
                {
                    "id": new_id("avsl"),
                    "product_id": option.product_id,
                    "option_id": option.id,
                    "local_date": day,
                    "local_time": local_time,
                    "timezone": TIMEZONE,
                    "starts_at": begins,
                    "ends_at": begins + length,
                    "capacity_initial": capacity,
                    "capacity_remaining": capacity,
                    "status": "open" if capacity else "sold_out",
                }
            )
    # The (option, date, time) unique key makes re-seeding a no-op for existing slots.
    await session.execute(insert(AvailabilitySlot).values(rows).on_conflict_do_nothing())


async def seed_octo_demo(session: AsyncSession, *, today: date | None = None) -> OctoDemo:
    """Create (or find) the OCTO demo channel, reseller, products and the next DAYS of slots."""
    today = today or datetime.now(ZoneInfo(TIMEZONE)).date()
    channel = await _channel(session)
    principal = await _principal(session, channel.id)
    tour, tour_option = await _product(
        session,
        TOUR,
        "Morning or afternoon",
        [("Adult", "adult", 3500), ("Child", "child", 1500)],
        OctoProductSettings(
            availability_type="START_TIME",
            short_description="Two hours through the old town with a local guide.",
        ),
    )
    museum, pass_option = await _product(
        session,
        MUSEUM,
        "Day pass",
        [("Adult", "adult", 2000), ("Youth", "youth", 1000)],
        OctoProductSettings(
            availability_type="OPENING_HOURS",
            opening_from=time(9, 0),
            opening_to=time(18, 0),
            short_description="Entry to the city museum on the day of your choice.",
        ),
    )
    days = [today + timedelta(days=n) for n in range(1, DAYS + 1)]
    await _slots(session, tour_option, days, [(t, timedelta(hours=2), 500) for t in TOUR_TIMES])
    await _slots(session, pass_option, days, [(time(9, 0), timedelta(hours=9), 2000)])
    # One departure that is sold out (capacity 0), two days from now.
    await _slots(
        session, tour_option, [today + timedelta(days=2)], [(SOLD_OUT_TIME, timedelta(hours=2), 0)]
    )
    sold_out = await session.scalar(
        select(AvailabilitySlot.id).where(
            AvailabilitySlot.option_id == tour_option.id,
            AvailabilitySlot.local_time == SOLD_OUT_TIME,
            AvailabilitySlot.status == "sold_out",
        )
    )
    assert sold_out is not None
    return OctoDemo(
        channel_id=channel.id,
        principal_id=principal.id,
        tour_product_id=tour.id,
        pass_product_id=museum.id,
        sold_out_slot_id=sold_out,
    )


async def demo_reseller_key(session: AsyncSession) -> str:
    """Seed the demo (idempotent) and return a fresh API key for the demo reseller.

    Keys are stored only as hashes, so each call issues a new key for the same principal.
    """
    from domain.auth.keys import generate_key

    demo = await seed_octo_demo(session)
    key = generate_key()
    session.add(
        ApiKey(
            principal_id=demo.principal_id,
            lookup=key.lookup,
            secret_hash=key.secret_hash,
            label="demo-reseller-key",
        )
    )
    await session.flush()
    return key.plaintext
