"""The slot pax gate and slot status changes; every change emits `availability.slot.changed`."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from domain.availability.models import AvailabilitySlot
from domain.errors import BadRequest, Conflict, NotFound
from domain.outbox.record import record_event

SLOT_CHANGED = "availability.slot.changed"


def slot_event_payload(slot: AvailabilitySlot, *, reason: str) -> dict[str, object]:
    """What channels and caches need to know about a slot after a change."""
    return {
        "slot_id": slot.id,
        "product_id": slot.product_id,
        "option_id": slot.option_id,
        "starts_at": slot.starts_at.isoformat(),
        "capacity_initial": slot.capacity_initial,
        "capacity_remaining": slot.capacity_remaining,
        "status": slot.status,
        "reason": reason,
    }


def emit_slot_changed(session: AsyncSession, slot: AvailabilitySlot, *, reason: str) -> None:
    """Record the slot's new state in the outbox (same transaction as the change)."""
    record_event(
        session,
        aggregate_type="availability_slot",
        aggregate_id=slot.id,
        event_type=SLOT_CHANGED,
        payload=slot_event_payload(slot, reason=reason),
    )


async def lock_slot(session: AsyncSession, slot_id: str) -> AvailabilitySlot:
    """The slot row, locked until the transaction ends; 404 when unknown.

    FOR NO KEY UPDATE (key_share=True), not FOR UPDATE: rows inserted with a foreign key
    to the slot (booking items, allocations) take KEY SHARE locks on it, and FOR UPDATE
    would deadlock two bookings that each inserted an item before taking the gate.
    """
    slot = await session.scalar(
        select(AvailabilitySlot)
        .where(AvailabilitySlot.id == slot_id)
        .with_for_update(key_share=True)
        .execution_options(populate_existing=True)
    )
    if slot is None:
        raise NotFound("slot_not_found", f"no availability slot {slot_id}")
    return slot


def apply_pax_delta(slot: AvailabilitySlot, delta: int) -> None:
    """Take (delta < 0) or give back (delta > 0) seats on a locked slot; pure rules.

    Never below 0; flips open -> sold_out at 0 and sold_out -> open when seats return.
    Seats given back never exceed the initial capacity. Unlimited slots only check status.
    """
    if delta < 0 and slot.status != "open":
        code = "slot_sold_out" if slot.status == "sold_out" else "slot_not_open"
        raise Conflict(code, f"slot {slot.id} is {slot.status}", status=slot.status)
    if slot.capacity_remaining is None or slot.capacity_initial is None:
        return
    if delta < 0 and slot.capacity_remaining < -delta:
        raise Conflict(
            "insufficient_capacity",
            f"slot {slot.id} has {slot.capacity_remaining} seats left, {-delta} requested",
            remaining=slot.capacity_remaining,
            requested=-delta,
        )
    slot.capacity_remaining = min(slot.capacity_initial, slot.capacity_remaining + delta)
    if slot.capacity_remaining == 0 and slot.status == "open":
        slot.status = "sold_out"
    elif slot.capacity_remaining > 0 and slot.status == "sold_out":
        slot.status = "open"


async def adjust_slot_capacity(
    session: AsyncSession, *, slot_id: str, delta: int, reason: str
) -> AvailabilitySlot:
    """The pax gate: change remaining under a row lock and emit the new state."""
    if delta == 0:
        return await lock_slot(session, slot_id)
    slot = await lock_slot(session, slot_id)
    apply_pax_delta(slot, delta)
    await session.flush()
    emit_slot_changed(session, slot, reason=reason)
    return slot


async def edit_slot(
    session: AsyncSession,
    *,
    slot_id: str,
    capacity: int | None = None,
    unlimited: bool = False,
    status: str | None = None,
) -> AvailabilitySlot:
    """A manual edit: new total capacity and/or open/closed/cancelled; marks `edited_at`.

    Lowering capacity below what is already sold is refused (409 `capacity_below_sold`).
    """
    slot = await lock_slot(session, slot_id)
    if unlimited:
        slot.capacity_initial = slot.capacity_remaining = None
    elif capacity is not None:
        if capacity < 0:
            raise BadRequest("invalid_capacity", "capacity must be 0 or more")
        sold = (slot.capacity_initial or 0) - (slot.capacity_remaining or 0)
        if slot.capacity_initial is None:
            sold = 0
        if capacity < sold:
            raise Conflict(
                "capacity_below_sold",
                f"{sold} seats are already sold on slot {slot.id}; capacity cannot go below it",
                sold=sold,
            )
        slot.capacity_initial, slot.capacity_remaining = capacity, capacity - sold
    if status is not None:
        if status not in ("open", "closed", "cancelled"):
            raise BadRequest("invalid_status", "status must be open, closed or cancelled")
        if slot.status == "cancelled" and status != "cancelled":
            raise Conflict("slot_cancelled", f"slot {slot.id} is cancelled for good")
        slot.status = status
    if slot.status in ("open", "sold_out") and slot.capacity_remaining is not None:
        slot.status = "sold_out" if slot.capacity_remaining == 0 else "open"
    slot.edited_at = datetime.now(UTC)
    await session.flush()
    await session.refresh(slot)
    emit_slot_changed(session, slot, reason="edited")
    return slot
