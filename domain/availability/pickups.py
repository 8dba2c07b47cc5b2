"""Pickup points, groups and per-slot pickups with their own capacity gate."""

from __future__ import annotations

from datetime import time

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from domain.availability.models import AvailabilitySlot
from domain.availability.pickup_models import (
    PickupGroup,
    PickupGroupMember,
    PickupPoint,
    SlotPickup,
)
from domain.errors import BadRequest, Conflict, NotFound


async def get_point(session: AsyncSession, point_id: str) -> PickupPoint:
    """A pickup point or 404."""
    point = await session.get(PickupPoint, point_id)
    if point is None:
        raise NotFound("pickup_point_not_found", f"no pickup point {point_id}")
    return point


async def add_group_member(session: AsyncSession, *, group_id: str, point_id: str) -> None:
    """Put a point in a group (idempotent)."""
    if await session.get(PickupGroup, group_id) is None:
        raise NotFound("pickup_group_not_found", f"no pickup group {group_id}")
    await get_point(session, point_id)
    exists = await session.scalar(
        select(PickupGroupMember.id).where(
            PickupGroupMember.group_id == group_id, PickupGroupMember.pickup_point_id == point_id
        )
    )
    if exists is None:
        session.add(PickupGroupMember(group_id=group_id, pickup_point_id=point_id))
        await session.flush()


async def offer_pickup(
    session: AsyncSession,
    *,
    slot_id: str,
    point_id: str,
    pickup_time: time | None,
    capacity: int | None,
) -> SlotPickup:
    """Offer a pickup point on a slot with its own capacity (None = unlimited)."""
    if await session.get(AvailabilitySlot, slot_id) is None:
        raise NotFound("slot_not_found", f"no availability slot {slot_id}")
    await get_point(session, point_id)
    if capacity is not None and capacity < 0:
        raise BadRequest("invalid_capacity", "capacity must be 0 or more")
    existing = await session.scalar(
        select(SlotPickup).where(
            SlotPickup.slot_id == slot_id, SlotPickup.pickup_point_id == point_id
        )
    )
    if existing is not None:
        raise Conflict("pickup_already_offered", f"point {point_id} is already on slot {slot_id}")
    pickup = SlotPickup(
        slot_id=slot_id,
        pickup_point_id=point_id,
        pickup_time=pickup_time,
        capacity=capacity,
        remaining=capacity,
    )
    session.add(pickup)
    await session.flush()
    return pickup


async def adjust_pickup_capacity(
    session: AsyncSession, *, slot_pickup_id: str, delta: int
) -> SlotPickup:
    """Take (delta < 0) or return seats on a slot pickup under a row lock; never below 0."""
    pickup = await session.scalar(
        select(SlotPickup)
        .where(SlotPickup.id == slot_pickup_id)
        .with_for_update(key_share=True)
        .execution_options(populate_existing=True)
    )
    if pickup is None:
        raise NotFound("slot_pickup_not_found", f"no slot pickup {slot_pickup_id}")
    if pickup.remaining is None or pickup.capacity is None:
        return pickup
    if delta < 0 and pickup.remaining < -delta:
        raise Conflict(
            "pickup_capacity_exhausted",
            f"pickup {slot_pickup_id} has {pickup.remaining} seats left, {-delta} requested",
            remaining=pickup.remaining,
            requested=-delta,
        )
    pickup.remaining = min(pickup.capacity, pickup.remaining + delta)
    await session.flush()
    return pickup
