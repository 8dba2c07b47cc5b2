"""Factories for bookings with travellers, and the local KMS key of a test."""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from adapters.kms import LocalKmsProvider
from domain.bookings import service
from domain.bookings.models import Booking, BookingTraveller
from tests.support.bookings import book
from tourflow.keyfile import ensure_local_kms_key


def local_kms(path: Path) -> LocalKmsProvider:
    """A provider on a fresh key file at `path` (as `tourflow up` creates it)."""
    ensure_local_kms_key(path)
    return LocalKmsProvider(path=path)


async def booking_with_travellers(
    factory: async_sessionmaker[AsyncSession], *, count: int = 2, **overrides: Any
) -> tuple[Booking, list[BookingTraveller]]:
    """A draft booking (no capacity needed) with `count` travellers and a buyer."""
    tag = uuid.uuid4().hex[:6]
    fields: dict[str, Any] = {
        "currency": "EUR",
        "status": "draft",
        "travellers": [
            service.TravellerSpec(
                first_name=f"Traveller{n}{tag}",
                last_name=f"Surname{tag}",
                email=f"t{n}.{tag}@example.com",
                phone=f"+49 30 1234 56{n}{n}",
                is_lead=n == 0,
            )
            for n in range(count)
        ],
        "buyer": {
            "name": f"Buyer {tag}",
            "email": f"buyer.{tag}@example.com",
            "phone": "+49 170 1234567",
        },
    }
    fields.update(overrides)
    booking = await book(factory, service.BookingSpec(**fields))
    async with factory() as session:
        travellers = list(
            (
                await session.scalars(
                    select(BookingTraveller)
                    .where(BookingTraveller.booking_id == booking.id)
                    .order_by(BookingTraveller.id)
                )
            ).all()
        )
    return booking, travellers
