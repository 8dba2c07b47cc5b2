"""Allocations: taking and giving back capacity through both operations gates."""

from __future__ import annotations

from collections import defaultdict
from datetime import UTC, datetime

from sqlalchemy import delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from domain.availability.allocation_models import SlotResource, SlotResourceAssignment
from domain.availability.allocation_service import assign_travellers
from domain.availability.models import AvailabilitySlot
from domain.availability.pickups import adjust_pickup_capacity
from domain.availability.slots import adjust_slot_capacity
from domain.bookings.models import BookingAllocation, BookingItem
from domain.errors import BadRequest, NotFound

LIVE = ("held", "confirmed", "fulfilled")


async def allocate_item(
    session: AsyncSession,
    *,
    booking_id: str,
    item: BookingItem,
    status: str,
    pickup_id: str | None = None,
    resource_plan: dict[str, list[str]] | None = None,
) -> list[BookingAllocation]:
    """Pass the slot pax gate (and pickup and per-resource gates) for one item, then record it.

    Runs in the caller's transaction: a refusal (409) rolls back the whole booking write.
    `resource_plan` maps slot resource ids to traveller ids of this booking.
    """
    if item.slot_id is None:
        return []
    slot = await session.get(AvailabilitySlot, item.slot_id)
    if slot is None:
        raise NotFound("slot_not_found", f"no availability slot {item.slot_id}")
    if item.option_id is not None and slot.option_id != item.option_id:
        raise BadRequest(
            "slot_option_mismatch", f"slot {slot.id} is not for option {item.option_id}"
        )
    made = []
    if item.pax > 0:
        await adjust_slot_capacity(session, slot_id=slot.id, delta=-item.pax, reason="booking")
        made.append(
            BookingAllocation(
                booking_id=booking_id,
                item_id=item.id,
                target="slot",
                slot_id=slot.id,
                pax=item.pax,
                status=status,
            )
        )
    if pickup_id is not None:
        await adjust_pickup_capacity(session, slot_pickup_id=pickup_id, delta=-max(item.pax, 1))
        made.append(
            BookingAllocation(
                booking_id=booking_id,
                item_id=item.id,
                target="pickup",
                slot_pickup_id=pickup_id,
                pax=max(item.pax, 1),
                status=status,
            )
        )
    if resource_plan:
        await assign_travellers(
            session, slot_id=slot.id, plan=resource_plan, booking_ref=booking_id
        )
        for resource_id, travellers in sorted(resource_plan.items()):
            for traveller_id in sorted(set(travellers)):
                made.append(
                    BookingAllocation(
                        booking_id=booking_id,
                        item_id=item.id,
                        target="resource",
                        slot_id=slot.id,
                        slot_resource_id=resource_id,
                        traveller_id=traveller_id,
                        pax=1,
                        status=status,
                    )
                )
    session.add_all(made)
    await session.flush()
    return made


async def release_allocations(
    session: AsyncSession, *, booking_id: str, item_id: str | None = None
) -> int:
    """Give back every live allocation's capacity (slots in id order) and mark them released."""
    stmt = select(BookingAllocation).where(
        BookingAllocation.booking_id == booking_id, BookingAllocation.status.in_(LIVE)
    )
    if item_id is not None:
        stmt = stmt.where(BookingAllocation.item_id == item_id)
    allocations = (
        await session.scalars(stmt.order_by(BookingAllocation.slot_id, BookingAllocation.id))
    ).all()
    slot_pax: dict[str, int] = defaultdict(int)
    for a in allocations:
        if a.target == "slot" and a.slot_id:
            slot_pax[a.slot_id] += a.pax
        elif a.target == "pickup" and a.slot_pickup_id:
            await adjust_pickup_capacity(session, slot_pickup_id=a.slot_pickup_id, delta=a.pax)
        elif a.target == "resource" and a.slot_resource_id and a.traveller_id:
            await session.execute(
                delete(SlotResourceAssignment).where(
                    SlotResourceAssignment.resource_id == a.slot_resource_id,
                    SlotResourceAssignment.traveller_ref == a.traveller_id,
                )
            )
    for slot_id in sorted(slot_pax):
        await adjust_slot_capacity(
            session, slot_id=slot_id, delta=slot_pax[slot_id], reason="booking_released"
        )
    if allocations:
        await session.execute(
            update(BookingAllocation)
            .where(BookingAllocation.id.in_([a.id for a in allocations]))
            .values(status="released", released_at=datetime.now(UTC))
        )
    return len(allocations)


async def set_allocation_status(session: AsyncSession, *, booking_id: str, status: str) -> None:
    """Move every live allocation of the booking to `status` (confirmed or fulfilled)."""
    await session.execute(
        update(BookingAllocation)
        .where(BookingAllocation.booking_id == booking_id, BookingAllocation.status.in_(LIVE))
        .values(status=status)
    )


async def resources_on_slot(session: AsyncSession, *, slot_id: str) -> set[str]:
    """Ids of the slot's resources (to validate a resource plan early)."""
    return set(
        (
            await session.scalars(select(SlotResource.id).where(SlotResource.slot_id == slot_id))
        ).all()
    )
