"""Which channels a change goes to: each flow through its own table (the doc's rule).

- Bookings and content resolve through `channel_product_mappings` (product-level): a
  channel selling a product "on request" has a mapping but no allotment.
- Availability resolves through `channel_inventory_allotments` and their slot targets
  (per slot): only slots a channel actually has an allotment for are pushed to it.
Swapping the tables is a correctness bug either way (tests check both directions).
Paused channels resolve like active ones: their links and intents are written and stay
pending (nothing is pushed while paused) until the channel is resumed.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import time

from sqlalchemy import and_, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from domain.channel_push.models import ChannelConnection
from domain.distribution.models import (
    BookingDistributionDetails,
    Channel,
    ChannelBookingLink,
    ChannelInventoryAllotment,
    ChannelInventoryAllotmentTarget,
    ChannelProductMapping,
)

PUSHABLE_CHANNEL = and_(Channel.status.in_(("active", "paused")), Channel.kind != "direct")


@dataclass(frozen=True, slots=True)
class MappedChannel:
    """A channel that maps a product, with the mapping's external ids."""

    channel_id: str
    mapping_id: str
    external_product_id: str
    external_rate_id: str | None


def _connected() -> object:
    return (
        select(ChannelConnection.channel_id)
        .where(ChannelConnection.status == "active")
        .scalar_subquery()
    )


async def channels_for_booking_item(
    session: AsyncSession, *, product_id: str, option_id: str | None
) -> list[MappedChannel]:
    """Active channels whose mapping of the product pushes bookings (option must match)."""
    rows = (
        await session.execute(
            select(ChannelProductMapping)
            .join(Channel, Channel.id == ChannelProductMapping.channel_id)
            .where(
                ChannelProductMapping.product_id == product_id,
                ChannelProductMapping.active.is_(True),
                ChannelProductMapping.push_bookings.is_(True),
                or_(
                    ChannelProductMapping.option_id.is_(None),
                    ChannelProductMapping.option_id == option_id,
                ),
                PUSHABLE_CHANNEL,
                Channel.id.in_(_connected()),  # type: ignore[arg-type]
            )
            .order_by(ChannelProductMapping.channel_id)
        )
    ).scalars()
    return [
        MappedChannel(m.channel_id, m.id, m.external_product_id, m.external_rate_id) for m in rows
    ]


async def channels_for_content(session: AsyncSession, *, product_id: str) -> list[str]:
    """Active, connected channels whose mapping of the product pushes content."""
    return list(
        (
            await session.scalars(
                select(ChannelProductMapping.channel_id)
                .join(Channel, Channel.id == ChannelProductMapping.channel_id)
                .where(
                    ChannelProductMapping.product_id == product_id,
                    ChannelProductMapping.active.is_(True),
                    ChannelProductMapping.push_content.is_(True),
                    PUSHABLE_CHANNEL,
                    Channel.id.in_(_connected()),  # type: ignore[arg-type]
                )
                .distinct()
            )
        ).all()
    )


async def channels_for_slot(
    session: AsyncSession,
    *,
    slot_id: str,
    product_id: str,
    option_id: str | None,
    local_time: time | None,
) -> list[str]:
    """Active, connected channels holding an active allotment that covers the slot.

    Covered: a target row on the slot, an allotment naming the slot, or an allotment
    for the product (option and start time matching when set) without a slot.
    """
    targeted = select(ChannelInventoryAllotmentTarget.allotment_id).where(
        ChannelInventoryAllotmentTarget.slot_id == slot_id
    )
    pattern = and_(
        ChannelInventoryAllotment.slot_id.is_(None),
        ChannelInventoryAllotment.product_id == product_id,
        or_(
            ChannelInventoryAllotment.option_id.is_(None),
            ChannelInventoryAllotment.option_id == option_id,
        ),
        or_(
            ChannelInventoryAllotment.start_time.is_(None),
            ChannelInventoryAllotment.start_time == local_time,
        ),
    )
    rows = await session.scalars(
        select(ChannelInventoryAllotment.channel_id)
        .join(Channel, Channel.id == ChannelInventoryAllotment.channel_id)
        .where(
            ChannelInventoryAllotment.status == "active",
            or_(
                ChannelInventoryAllotment.id.in_(targeted),
                ChannelInventoryAllotment.slot_id == slot_id,
                pattern,
            ),
            PUSHABLE_CHANNEL,
            Channel.id.in_(_connected()),  # type: ignore[arg-type]
        )
        .distinct()
    )
    return sorted(rows.all())


async def excluded_source_channels(session: AsyncSession, booking_id: str) -> set[str]:
    """Channels the booking came from (source channel, inbound links): never pushed back."""
    source = await session.scalar(
        select(BookingDistributionDetails.source_channel_id).where(
            BookingDistributionDetails.booking_id == booking_id
        )
    )
    inbound = await session.scalars(
        select(ChannelBookingLink.channel_id).where(
            ChannelBookingLink.booking_id == booking_id, ChannelBookingLink.direction == "inbound"
        )
    )
    excluded = set(inbound.all())
    if source:
        excluded.add(source)
    return excluded
