"""Channel push subscribers: write push state and intents, never call a channel.

- `booking.confirmed` -> one pending link per booking item x mapped channel
  (`book:{bookingId}:{itemId}:{channelId}`, unique), then one push workflow per channel.
- `booking.cancelled` -> a cancel workflow per channel holding outbound links.
- `availability.slot.changed` -> an availability intent per (channel, slot), channels
  resolved through allotments.
- `catalog.product.changed` -> a content intent per (channel, product), channels
  resolved through mappings.
Redelivery is harmless: links and intents are unique, intent keys are derived.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from domain.availability.models import AvailabilitySlot
from domain.availability.slots import SLOT_CHANGED
from domain.bookings.models import Booking, BookingItem
from domain.catalog.events import PRODUCT_CHANGED
from domain.channel_push import queue, resolve, starts
from domain.channel_push.policy import PushPolicy
from domain.distribution.models import ChannelBookingLink
from domain.ids import new_id
from domain.outbox.subscribers import Event, Subscriber

__all__ = [
    "PRODUCT_CHANGED",
    "channel_push_subscribers",
    "link_key",
    "links_for_confirmed_booking",
]


def link_key(booking_id: str, item_id: str | None, channel_id: str) -> str:
    """The booking-push idempotency key (unique on channel_booking_links)."""
    return f"book:{booking_id}:{item_id or '*'}:{channel_id}"


async def links_for_confirmed_booking(
    session: AsyncSession, booking_id: str
) -> dict[str, list[str]]:
    """Insert the pending links of a confirmed booking; channel id -> its pending link ids."""
    booking = await session.get(Booking, booking_id)
    if booking is None or booking.status != "confirmed":
        return {}
    excluded = await resolve.excluded_source_channels(session, booking_id)
    if booking.channel_id:
        excluded.add(booking.channel_id)
    items = (
        await session.scalars(
            select(BookingItem)
            .where(
                BookingItem.booking_id == booking_id,
                BookingItem.product_id.is_not(None),
                BookingItem.status == "active",
            )
            .order_by(BookingItem.id)
        )
    ).all()
    by_channel: dict[str, list[str]] = {}
    for item in items:
        assert item.product_id is not None
        mapped = await resolve.channels_for_booking_item(
            session, product_id=item.product_id, option_id=item.option_id
        )
        for channel in mapped:
            if channel.channel_id in excluded:
                continue
            await session.execute(
                insert(ChannelBookingLink)
                .values(
                    id=new_id(ChannelBookingLink.id_prefix),
                    channel_id=channel.channel_id,
                    booking_id=booking_id,
                    booking_item_id=item.id,
                    idempotency_key=link_key(booking_id, item.id, channel.channel_id),
                    direction="outbound",
                    push_status="pending",
                    amount_minor=item.sell_amount_minor * item.quantity,
                    currency=item.sell_currency,
                )
                .on_conflict_do_nothing()
            )
            link_id = await session.scalar(
                select(ChannelBookingLink.id).where(
                    ChannelBookingLink.idempotency_key
                    == link_key(booking_id, item.id, channel.channel_id)
                )
            )
            if link_id is not None:
                by_channel.setdefault(channel.channel_id, []).append(link_id)
    return by_channel


def channel_push_subscribers(task_queue: str, policy: PushPolicy | None = None) -> list[Subscriber]:
    """The push subscribers; `policy` (retries, abandon) goes into every workflow input."""
    pol = policy or PushPolicy()

    async def on_confirmed(session: AsyncSession, event: Event) -> None:
        booking_id = str(event.payload.get("booking_id") or event.aggregate_id)
        for channel_id, link_ids in (
            await links_for_confirmed_booking(session, booking_id)
        ).items():
            await starts.start_booking_push(
                session,
                action="push",
                booking_id=booking_id,
                channel_id=channel_id,
                task_queue=task_queue,
                policy=pol,
                link_ids=link_ids,
            )

    async def on_cancelled(session: AsyncSession, event: Event) -> None:
        booking_id = str(event.payload.get("booking_id") or event.aggregate_id)
        channel_ids = await session.scalars(
            select(ChannelBookingLink.channel_id)
            .where(
                ChannelBookingLink.booking_id == booking_id,
                ChannelBookingLink.direction == "outbound",
            )
            .distinct()
        )
        for channel_id in channel_ids.all():
            await starts.start_booking_push(
                session,
                action="cancel",
                booking_id=booking_id,
                channel_id=channel_id,
                task_queue=task_queue,
                policy=pol,
            )

    async def on_slot_changed(session: AsyncSession, event: Event) -> None:
        slot_id = str(event.payload.get("slot_id") or event.aggregate_id)
        slot = await session.get(AvailabilitySlot, slot_id)
        product_id = slot.product_id if slot else str(event.payload.get("product_id") or "")
        option_id = slot.option_id if slot else event.payload.get("option_id")
        channels = await resolve.channels_for_slot(
            session,
            slot_id=slot_id,
            product_id=product_id,
            option_id=option_id,
            local_time=slot.local_time if slot else None,
        )
        for channel_id in channels:
            wake = await queue.request_push(
                session,
                "availability",
                channel_id=channel_id,
                subject_id=slot_id,
                seq=event.seq,
                cause=event.id,
                product_id=product_id or None,
            )
            if wake:
                await starts.wake_queue(
                    session,
                    flow="availability",
                    channel_id=channel_id,
                    task_queue=task_queue,
                    policy=pol,
                    cause=wake,
                )

    async def on_product_changed(session: AsyncSession, event: Event) -> None:
        product_id = str(event.payload.get("product_id") or event.aggregate_id)
        for channel_id in await resolve.channels_for_content(session, product_id=product_id):
            wake = await queue.request_push(
                session,
                "content",
                channel_id=channel_id,
                subject_id=product_id,
                seq=event.seq,
                cause=event.id,
            )
            if wake:
                await starts.wake_queue(
                    session,
                    flow="content",
                    channel_id=channel_id,
                    task_queue=task_queue,
                    policy=pol,
                    cause=wake,
                )

    return [
        Subscriber("channel_push.booking_confirmed", ("booking.confirmed",), on_confirmed),
        Subscriber("channel_push.booking_cancelled", ("booking.cancelled",), on_cancelled),
        Subscriber("channel_push.slot_changed", (SLOT_CHANGED,), on_slot_changed),
        Subscriber("channel_push.product_changed", (PRODUCT_CHANGED,), on_product_changed),
    ]
