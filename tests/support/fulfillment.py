"""Factories for fulfillment tests: a confirmed booking with its item, issued tickets."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from domain.bookings import fulfillments
from domain.bookings.fulfillment_models import Fulfillment
from domain.bookings.models import Booking, BookingItem
from domain.db import unit_of_work
from tests.support.bookings import book, ctx, spec_for
from tests.support.catalog import product_with_option, slot


async def booked(
    factory: async_sessionmaker[AsyncSession], *, status: str = "confirmed", pax: int = 2
) -> tuple[Booking, BookingItem]:
    """A booking (confirmed unless told otherwise) with one slot item of `pax` travellers."""
    _, option = await product_with_option(factory)
    s = await slot(factory, option, capacity=50)
    booking = await book(factory, spec_for(s, pax=pax, status=status))
    async with factory() as db:
        item = await db.scalar(select(BookingItem).where(BookingItem.booking_id == booking.id))
    assert item is not None
    return booking, item


async def issued(
    factory: async_sessionmaker[AsyncSession], booking: Booking, item: BookingItem, **overrides: Any
) -> Fulfillment:
    """A fulfillment issued for `item` (a single-use email voucher unless overridden)."""
    fields: dict[str, Any] = {"kind": "voucher", "delivery_channel": "email"}
    fields.update(overrides)
    async with unit_of_work(factory) as session:
        return await fulfillments.issue_fulfillment(
            session, booking_id=booking.id, item_id=item.id, ctx=ctx(), **fields
        )
