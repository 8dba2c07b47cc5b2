"""The reseller channel behind an OCTO key, and its allotment draws."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from domain.distribution import allotments
from domain.distribution.models import Channel, ChannelBookingLink
from domain.errors import DomainError
from domain.octo import errors

OCTO_CHANNEL_KINDS = ("reseller", "marketplace")


async def reseller_channel(session: AsyncSession, channel_id: str | None) -> Channel:
    """The caller's active reseller or marketplace channel, or FORBIDDEN."""
    channel = await session.get(Channel, channel_id) if channel_id else None
    if channel is None or channel.kind not in OCTO_CHANNEL_KINDS:
        raise errors.OctoError(
            "FORBIDDEN", "This API key is not mapped to a reseller or marketplace channel"
        )
    if channel.status != "active":
        raise errors.OctoError("FORBIDDEN", f"The channel is {channel.status}")
    return channel


async def draw(session: AsyncSession, *, channel_id: str, slot_id: str, pax: int) -> None:
    """Take `pax` from the channel's allotment on the slot, if it has one (rebooking)."""
    try:
        await allotments.draw(session, channel_id=channel_id, slot_id=slot_id, pax=pax)
    except DomainError as exc:
        raise errors.unprocessable(f"the allotment cannot take {pax} more: {exc.message}") from exc


async def give_back(session: AsyncSession, *, channel_id: str, slot_id: str, pax: int) -> None:
    """Return `pax` to the channel's allotment on the slot, if it has one (rebooking)."""
    await allotments.give_back(session, channel_id=channel_id, slot_id=slot_id, pax=pax)


async def link_inbound(
    session: AsyncSession,
    *,
    channel_id: str,
    booking_id: str,
    uuid: str,
    reseller_reference: str | None,
    amount_minor: int,
    currency: str,
) -> None:
    """The channel booking link (direction inbound) carrying the reseller's reference.

    Inbound links are born `ok`: there is nothing to push back to the channel the booking
    came from (its `booking_distribution_details.source_channel_id` says so too).
    """
    session.add(
        ChannelBookingLink(
            channel_id=channel_id,
            booking_id=booking_id,
            booking_item_id=None,
            idempotency_key=f"book:{booking_id}:*:{channel_id}",
            direction="inbound",
            external_booking_id=uuid,
            external_reference=reseller_reference,
            external_status="ON_HOLD",
            push_status="ok",
            amount_minor=amount_minor,
            currency=currency,
        )
    )
    await session.flush()


async def sync_link(
    session: AsyncSession,
    *,
    channel_id: str,
    booking_id: str,
    status: str,
    reseller_reference: str | None,
    amount_minor: int,
) -> None:
    """Keep the inbound link's status, reference and amount in step with the booking."""
    link = await session.scalar(
        select(ChannelBookingLink).where(
            ChannelBookingLink.channel_id == channel_id,
            ChannelBookingLink.booking_id == booking_id,
            ChannelBookingLink.direction == "inbound",
        )
    )
    if link is not None:
        link.external_status = status
        link.external_reference = reseller_reference
        link.amount_minor = amount_minor
        await session.flush()
