"""The booking extension: channel bookings draw from allotments and carry their source.

Bookings never import this module (distribution -> bookings, one way). A channel booking
is created here: allotment draws first, then the booking's own pax gates, then its
`booking_distribution_details`, all in the caller's transaction.
"""

from __future__ import annotations

from collections import defaultdict

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from domain.bookings import service as bookings
from domain.bookings.models import Booking, BookingActivity, BookingItem
from domain.distribution import allotments
from domain.distribution.models import (
    PAYMENT_OWNERS,
    BookingDistributionDetails,
    Channel,
    ChannelInventoryAllotmentTarget,
)
from domain.errors import BadRequest, Conflict, NotFound
from domain.outbox.subscribers import Event, Subscriber

GIVE_BACK_EVENTS = ("booking.cancelled", "booking.expired")
NOT_HOLDING = frozenset({"draft", "cancelled", "expired"})


async def get_active_channel(session: AsyncSession, channel_id: str) -> Channel:
    channel = await session.get(Channel, channel_id)
    if channel is None:
        raise NotFound("channel_not_found", f"no channel {channel_id}")
    if channel.status != "active":
        raise Conflict("channel_not_active", f"channel {channel.id} is {channel.status}")
    return channel


def pax_by_slot(items: list[bookings.ItemSpec] | list[BookingItem]) -> dict[str, int]:
    """Pax per slot across items (slots in id order, the lock order)."""
    totals: dict[str, int] = defaultdict(int)
    for item in items:
        if item.slot_id and item.pax > 0:
            totals[item.slot_id] += item.pax
    return dict(sorted(totals.items()))


async def create_channel_booking(
    session: AsyncSession,
    spec: bookings.BookingSpec,
    ctx: bookings.Context,
    *,
    channel_id: str,
    payment_owner: str | None = None,
    market: str | None = None,
) -> Booking:
    """Draw each slot's pax from the channel's allotment, then create the booking."""
    channel = await get_active_channel(session, channel_id)
    if payment_owner is not None and payment_owner not in PAYMENT_OWNERS:
        raise BadRequest("invalid_payment_owner", f"payment_owner must be one of {PAYMENT_OWNERS}")
    if spec.status != "draft":
        for slot_id, pax in pax_by_slot(spec.items).items():
            await allotments.draw(session, channel_id=channel.id, slot_id=slot_id, pax=pax)
    spec.channel_id = channel.id
    booking = await bookings.create_booking(session, spec, ctx)
    await set_distribution_details(
        session,
        booking_id=booking.id,
        source_channel_id=channel.id,
        payment_owner=payment_owner,
        market=market,
    )
    return booking


async def check_source_channel_change(
    session: AsyncSession, booking: Booking, source_channel_id: str | None
) -> None:
    """409 `source_channel_locked`: re-pointing a booking that holds seats on slots its old
    or new channel has allotments on would make its cancellation give back seats the new
    channel never drew (or keep the old one's). Set the source before seats are held."""
    current = await session.scalar(
        select(BookingDistributionDetails.source_channel_id).where(
            BookingDistributionDetails.booking_id == booking.id
        )
    )
    if current == source_channel_id or booking.status in NOT_HOLDING:
        return
    channels = [c for c in (current, source_channel_id) if c is not None]
    slot_ids = select(BookingItem.slot_id).where(
        BookingItem.booking_id == booking.id, BookingItem.slot_id.is_not(None)
    )
    allotted = await session.scalar(
        select(ChannelInventoryAllotmentTarget.id)
        .where(
            ChannelInventoryAllotmentTarget.channel_id.in_(channels),
            ChannelInventoryAllotmentTarget.slot_id.in_(slot_ids),
        )
        .limit(1)
    )
    if allotted is not None:
        raise Conflict(
            "source_channel_locked",
            f"booking {booking.id} holds seats on a channel allotment; its source channel"
            " cannot change",
        )


async def set_distribution_details(
    session: AsyncSession,
    *,
    booking_id: str,
    source_channel_id: str | None,
    payment_owner: str | None,
    market: str | None,
) -> BookingDistributionDetails:
    """Create or replace a booking's distribution details."""
    row = await session.scalar(
        select(BookingDistributionDetails).where(
            BookingDistributionDetails.booking_id == booking_id
        )
    )
    if row is None:
        row = BookingDistributionDetails(booking_id=booking_id)
        session.add(row)
    row.source_channel_id = source_channel_id
    row.payment_owner = payment_owner
    row.market = market
    await session.flush()
    return row


async def give_back_for_booking(session: AsyncSession, event: Event) -> None:
    """A channel booking lost its seats (cancelled/expired): its allotment sells them again.

    Exactly once per event (the handler commits with its delivery mark). Items cancelled
    individually must be given back by whoever cancels them (`allotments.give_back`).
    """
    if event.payload.get("previous_status") in NOT_HOLDING:
        return  # the seats were already given back (expired, then cancelled)
    booking_id = str(event.payload["booking_id"])
    channel_id = await session.scalar(
        select(BookingDistributionDetails.source_channel_id).where(
            BookingDistributionDetails.booking_id == booking_id
        )
    )
    if channel_id is None:
        return
    created_as = await session.scalar(
        select(BookingActivity.details["status"].astext).where(
            BookingActivity.booking_id == booking_id, BookingActivity.action == "created"
        )
    )
    if created_as == "draft":
        # Created as a draft, it drew nothing from the allotment (its seats came from the
        # general pool when it was promoted), so there is nothing to give back.
        return
    # Items cancelled one by one earlier (e.g. an OCTO rebooking) were given back by
    # whoever cancelled them; only what the booking still held when cancelled returns.
    cancelled_before = set(
        await session.scalars(
            select(BookingActivity.details["item_id"].astext).where(
                BookingActivity.booking_id == booking_id,
                BookingActivity.action == "item_cancelled",
            )
        )
    )
    items = [
        item
        for item in await session.scalars(
            select(BookingItem).where(BookingItem.booking_id == booking_id)
        )
        if item.id not in cancelled_before
    ]
    for slot_id, pax in pax_by_slot(items).items():
        await allotments.give_back(session, channel_id=channel_id, slot_id=slot_id, pax=pax)


def distribution_subscribers() -> list[Subscriber]:
    """Outbox subscribers of the distribution module."""
    return [
        Subscriber(
            name="distribution.allotment_give_back",
            event_types=GIVE_BACK_EVENTS,
            handler=give_back_for_booking,
        )
    ]
