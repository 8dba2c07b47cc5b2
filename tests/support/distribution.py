"""Distribution factories: each takes an open session, adds the row, flushes, returns it.

Keyword overrides replace any column. `make_allotment_target` carves through
`domain.distribution.allotments.add_target`, so the slot's general pool shrinks.
"""

from __future__ import annotations

import uuid
from typing import Any, TypeVar

from sqlalchemy.ext.asyncio import AsyncSession

from domain.distribution import allotments
from domain.distribution.models import (
    BookingDistributionDetails,
    Channel,
    ChannelBookingLink,
    ChannelCommissionRule,
    ChannelContract,
    ChannelInventoryAllotment,
    ChannelInventoryAllotmentTarget,
    ChannelProductMapping,
)
from domain.distribution.release_models import AllotmentReleaseRule
from domain.distribution.supplier_models import Supplier


def _short() -> str:
    return uuid.uuid4().hex[:8]


Row = TypeVar("Row")


async def _add(session: AsyncSession, row: Row) -> Row:
    session.add(row)
    await session.flush()
    return row


async def make_channel(session: AsyncSession, **overrides: Any) -> Channel:
    """An active OTA channel (5 rps, burst 10) with a webhook secret."""
    fields: dict[str, Any] = {
        "name": f"Channel {_short()}",
        "kind": "ota",
        "status": "active",
        "rate_rps": 5,
        "rate_burst": 10,
        "webhook_secret": f"whsec_{uuid.uuid4().hex}",
    }
    fields.update(overrides)
    return await _add(session, Channel(**fields))


async def make_contract(
    session: AsyncSession, channel: Channel, **overrides: Any
) -> ChannelContract:
    fields: dict[str, Any] = {
        "channel_id": channel.id,
        "status": "active",
        "payment_owner": "operator",
        "cancellation_owner": "operator",
        "compensation_policy": "eventually_consistent",
    }
    fields.update(overrides)
    return await _add(session, ChannelContract(**fields))


async def make_commission_rule(
    session: AsyncSession, channel: Channel, **overrides: Any
) -> ChannelCommissionRule:
    """A booking-scope 10% rule unless overridden."""
    fields: dict[str, Any] = {
        "channel_id": channel.id,
        "scope": "booking",
        "scope_ref": None,
        "kind": "percentage",
        "bps": 1000,
    }
    fields.update(overrides)
    return await _add(session, ChannelCommissionRule(**fields))


async def make_mapping(
    session: AsyncSession, channel: Channel, product_id: str, **overrides: Any
) -> ChannelProductMapping:
    fields: dict[str, Any] = {
        "channel_id": channel.id,
        "product_id": product_id,
        "external_product_id": f"ext-prod-{_short()}",
        "push_bookings": True,
        "push_availability": True,
        "push_content": True,
    }
    fields.update(overrides)
    return await _add(session, ChannelProductMapping(**fields))


async def make_allotment(
    session: AsyncSession, channel: Channel, product_id: str, **overrides: Any
) -> ChannelInventoryAllotment:
    """Guaranteed 4, max 6 per slot unless overridden."""
    fields: dict[str, Any] = {
        "channel_id": channel.id,
        "product_id": product_id,
        "guaranteed_capacity": 4,
        "max_capacity": 6,
        "status": "active",
    }
    fields.update(overrides)
    return await _add(session, ChannelInventoryAllotment(**fields))


async def make_allotment_target(
    session: AsyncSession,
    channel: Channel,
    slot_id: str,
    *,
    allotment: ChannelInventoryAllotment | None = None,
    guaranteed: int | None = None,
    **allotment_overrides: Any,
) -> ChannelInventoryAllotmentTarget:
    """Target `slot_id` for `channel` (creating an allotment on the slot's product if none)."""
    if allotment is None:
        from domain.availability.models import AvailabilitySlot

        slot = await session.get(AvailabilitySlot, slot_id)
        assert slot is not None, slot_id
        allotment = await make_allotment(session, channel, slot.product_id, **allotment_overrides)
    return await allotments.add_target(
        session, allotment_id=allotment.id, slot_id=slot_id, guaranteed=guaranteed
    )


async def make_release_rule(
    session: AsyncSession, allotment: ChannelInventoryAllotment, **overrides: Any
) -> AllotmentReleaseRule:
    """Automatic, 3 days before start, release to the general pool."""
    fields: dict[str, Any] = {
        "allotment_id": allotment.id,
        "channel_id": allotment.channel_id,
        "mode": "automatic",
        "offset_unit": "days",
        "offset_value": 3,
        "unsold_action": "release_to_general_pool",
        "active": True,
    }
    fields.update(overrides)
    return await _add(session, AllotmentReleaseRule(**fields))


async def make_booking_link(
    session: AsyncSession, channel: Channel, booking_id: str, **overrides: Any
) -> ChannelBookingLink:
    item_id = overrides.get("booking_item_id")
    fields: dict[str, Any] = {
        "channel_id": channel.id,
        "booking_id": booking_id,
        "idempotency_key": f"book:{booking_id}:{item_id or '*'}:{channel.id}",
        "direction": "outbound",
        "push_status": "pending",
    }
    fields.update(overrides)
    return await _add(session, ChannelBookingLink(**fields))


async def make_distribution_details(
    session: AsyncSession, booking_id: str, channel: Channel | None = None, **overrides: Any
) -> BookingDistributionDetails:
    fields: dict[str, Any] = {
        "booking_id": booking_id,
        "source_channel_id": channel.id if channel is not None else None,
        "payment_owner": "operator",
        "market": "DE",
    }
    fields.update(overrides)
    return await _add(session, BookingDistributionDetails(**fields))


async def make_supplier(session: AsyncSession, **overrides: Any) -> Supplier:
    fields: dict[str, Any] = {"name": f"Supplier {_short()}", "type": "transport"}
    fields.update(overrides)
    return await _add(session, Supplier(**fields))
