"""Channel allotments on slots: carve, draw, give back and release (all under row locks).

A target's `held` units are carved out of the slot's general pool. Lock order: slot by
slot in id order, and for each slot the channel's target row(s) first, then the slot row
(a draw locks the slot even when it has nothing to hand back, or no target). Whoever
also locks an allotment takes it before its targets; whoever locks a channel row takes
it after its targets (a channel booking key-shares the channel last).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from domain.availability.models import AvailabilitySlot
from domain.availability.slots import adjust_slot_capacity, emit_slot_changed, lock_slot
from domain.distribution.models import (
    ChannelInventoryAllotment,
    ChannelInventoryAllotmentTarget,
)
from domain.distribution.release_models import AllotmentReleaseExecution
from domain.errors import BadRequest, Conflict, NotFound
from domain.outbox.record import record_event

RELEASED_EVENT = "distribution.allotment.released"
TARGET_UNIQUE = "uq_channel_inventory_allotment_targets_allotment_id_slot_id"


@dataclass(frozen=True)
class DrawResult:
    """What a draw did: units handed back to the general pool, and the new sold count."""

    target_id: str
    returned_to_pool: int
    sold: int


async def get_allotment(session: AsyncSession, allotment_id: str) -> ChannelInventoryAllotment:
    row = await session.get(ChannelInventoryAllotment, allotment_id)
    if row is None:
        raise NotFound("allotment_not_found", f"no allotment {allotment_id}")
    return row


async def add_target(
    session: AsyncSession, *, allotment_id: str, slot_id: str, guaranteed: int | None = None
) -> ChannelInventoryAllotmentTarget:
    """Target one slot and carve `guaranteed` units (default: the allotment's) from its pool.

    Idempotent per (allotment, slot): the same request returns the existing target.
    """
    allotment = await get_allotment(session, allotment_id)
    if allotment.status != "active":
        raise Conflict("allotment_not_active", f"allotment {allotment.id} is {allotment.status}")
    units = allotment.guaranteed_capacity if guaranteed is None else guaranteed
    if units < 0 or units > allotment.max_capacity:
        raise BadRequest(
            "invalid_guaranteed", "guaranteed must be between 0 and the allotment's max_capacity"
        )
    existing = await session.scalar(
        select(ChannelInventoryAllotmentTarget).where(
            ChannelInventoryAllotmentTarget.allotment_id == allotment.id,
            ChannelInventoryAllotmentTarget.slot_id == slot_id,
        )
    )
    if existing is not None:
        if existing.guaranteed != units:
            raise Conflict(
                "target_exists", f"slot {slot_id} is already targeted with {existing.guaranteed}"
            )
        return existing
    slot = await session.get(AvailabilitySlot, slot_id)
    if slot is None:
        raise NotFound("slot_not_found", f"no availability slot {slot_id}")
    check_slot_matches(allotment, slot)
    if units > 0 and slot.capacity_initial is None:
        raise Conflict("slot_unlimited", f"slot {slot.id} is unlimited; nothing to carve")
    target = ChannelInventoryAllotmentTarget(
        allotment_id=allotment.id,
        slot_id=slot.id,
        channel_id=allotment.channel_id,
        guaranteed=units,
        held=units,
        sold=0,
        released=0,
        status="open",
    )
    try:
        async with session.begin_nested():
            session.add(target)
            await session.flush()
    except IntegrityError as exc:
        # The same request raced us and committed first: answer as for a repeat.
        constraint = getattr(getattr(exc.orig, "diag", None), "constraint_name", None)
        if constraint != TARGET_UNIQUE:
            raise
        return await add_target(
            session, allotment_id=allotment_id, slot_id=slot_id, guaranteed=guaranteed
        )
    if units:
        await adjust_slot_capacity(
            session, slot_id=slot.id, delta=-units, reason="allotment_carved"
        )
    return target


def check_slot_matches(allotment: ChannelInventoryAllotment, slot: AvailabilitySlot) -> None:
    """The slot must belong to what the allotment targets (product, option, slot, time)."""
    mismatch = (
        slot.product_id != allotment.product_id
        or (allotment.option_id is not None and slot.option_id != allotment.option_id)
        or (allotment.slot_id is not None and slot.id != allotment.slot_id)
        or (allotment.start_time is not None and slot.local_time != allotment.start_time)
    )
    if mismatch:
        raise Conflict(
            "slot_not_in_allotment", f"slot {slot.id} is not covered by allotment {allotment.id}"
        )


async def _lock_targets(
    session: AsyncSession, *, channel_id: str, slot_id: str
) -> list[ChannelInventoryAllotmentTarget]:
    rows = await session.scalars(
        select(ChannelInventoryAllotmentTarget)
        .where(
            ChannelInventoryAllotmentTarget.channel_id == channel_id,
            ChannelInventoryAllotmentTarget.slot_id == slot_id,
        )
        .order_by(ChannelInventoryAllotmentTarget.id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    return list(rows)


async def draw(
    session: AsyncSession, *, channel_id: str, slot_id: str, pax: int
) -> DrawResult | None:
    """Before a channel booking's pax gate: hand unsold held units back and count `pax` sold.

    Returns None when the channel has no allotment on the slot (it sells from the general
    pool). Refuses with 409 `allotment_exhausted` past the allotment's max_capacity.
    """
    if pax < 1:
        raise BadRequest("invalid_pax", "pax must be 1 or more")
    targets = await _lock_targets(session, channel_id=channel_id, slot_id=slot_id)
    if not targets:
        # Still take the slot's lock now, in the caller's slot order (see below).
        await session.execute(
            select(AvailabilitySlot.id)
            .where(AvailabilitySlot.id == slot_id)
            .with_for_update(key_share=True)
        )
        return None
    target = next((t for t in targets if t.status == "open"), targets[0])
    # Read max_capacity afresh: a concurrent lowering (it locks these targets) may have
    # committed while we waited for them.
    allotment = await session.get_one(
        ChannelInventoryAllotment, target.allotment_id, populate_existing=True
    )
    if target.sold + pax > allotment.max_capacity:
        raise Conflict(
            "allotment_exhausted",
            f"channel {channel_id} may sell {allotment.max_capacity} on slot {slot_id};"
            f" {target.sold} sold, {pax} requested",
            max_capacity=allotment.max_capacity,
            sold=target.sold,
            requested=pax,
        )
    # Take the slot's lock now, even when nothing goes back to the pool (or there is no
    # target): the booking's pax gate locks it right after, and locking slot B here but
    # slot A only then would deadlock with a booking locking A then B.
    await lock_slot(session, slot_id)
    target.sold += pax
    keep = min(target.held, max(0, target.guaranteed - target.sold))
    returned = target.held - keep
    target.held = keep
    await session.flush()
    if returned:
        await adjust_slot_capacity(
            session, slot_id=slot_id, delta=returned, reason="allotment_drawn"
        )
    return DrawResult(target_id=target.id, returned_to_pool=returned, sold=target.sold)


async def give_back(
    session: AsyncSession, *, channel_id: str, slot_id: str, pax: int
) -> DrawResult | None:
    """A channel booking was cancelled (its seats already back in the pool): sold -= pax.

    While the target is open, unsold guaranteed units are carved again, as far as the
    general pool still has them.
    """
    if pax < 0:  # a negative give-back would raise sold and carve seats nobody freed
        raise BadRequest("invalid_pax", "pax must be 0 or more")
    targets = await _lock_targets(session, channel_id=channel_id, slot_id=slot_id)
    sold_targets = [t for t in targets if t.sold > 0]
    if not sold_targets:
        return None
    target = next((t for t in sold_targets if t.status == "open"), sold_targets[0])
    target.sold -= min(pax, target.sold)
    recarved = 0
    if target.status == "open":
        want = max(0, target.guaranteed - target.sold) - target.held
        if want > 0:
            slot = await lock_slot(session, slot_id)
            if slot.status == "open" and slot.capacity_remaining is not None:
                recarved = min(want, slot.capacity_remaining)
    target.held += recarved
    await session.flush()
    if recarved:
        await adjust_slot_capacity(
            session, slot_id=slot_id, delta=-recarved, reason="allotment_recarved"
        )
    return DrawResult(target_id=target.id, returned_to_pool=-recarved, sold=target.sold)


async def release_target(
    session: AsyncSession,
    *,
    target_id: str,
    action: str,
    trigger: str,
    rule_id: str | None = None,
    now: datetime | None = None,
) -> AllotmentReleaseExecution:
    """Apply the unsold action to one target, once; the execution row is the log and key.

    `release_to_general_pool` returns held units to the slot's pool; `expire` drops them
    from sale (capacity shrinks); `retain` leaves them with the channel. A second call
    returns the first execution unchanged.
    """
    target = await session.scalar(
        select(ChannelInventoryAllotmentTarget)
        .where(ChannelInventoryAllotmentTarget.id == target_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    if target is None:
        raise NotFound("allotment_target_not_found", f"no allotment target {target_id}")
    done = await session.scalar(
        select(AllotmentReleaseExecution).where(AllotmentReleaseExecution.target_id == target.id)
    )
    if done is not None:
        return done
    if target.status != "open":
        raise Conflict("target_not_open", f"allotment target {target.id} is {target.status}")
    units = target.held
    released = 0
    if action == "release_to_general_pool":
        target.status, target.held, target.released = "released", 0, target.released + units
        released = units
    elif action == "expire":
        target.status, target.held = "expired", 0
    elif action == "retain":
        target.status = "retained"
    else:
        raise BadRequest("invalid_unsold_action", f"unknown unsold action {action!r}")
    at = now or datetime.now(UTC)
    target.released_at = at
    execution = AllotmentReleaseExecution(
        target_id=target.id,
        rule_id=rule_id,
        allotment_id=target.allotment_id,
        slot_id=target.slot_id,
        channel_id=target.channel_id,
        trigger=trigger,
        unsold_action=action,
        capacity_released=released,
        executed_at=at,
    )
    session.add(execution)
    await session.flush()
    if released:
        await adjust_slot_capacity(
            session, slot_id=target.slot_id, delta=released, reason="allotment_released"
        )
    elif action == "expire" and units:
        slot = await lock_slot(session, target.slot_id)
        if slot.capacity_initial is not None:  # made unlimited since: nothing to shrink
            slot.capacity_initial -= units
            await session.flush()
            emit_slot_changed(session, slot, reason="allotment_expired")
    record_event(
        session,
        aggregate_type="channel_allotment_target",
        aggregate_id=target.id,
        event_type=RELEASED_EVENT,
        payload={
            "target_id": target.id,
            "allotment_id": target.allotment_id,
            "channel_id": target.channel_id,
            "slot_id": target.slot_id,
            "unsold_action": action,
            "units": units,
            "capacity_released": released,
            "trigger": trigger,
        },
    )
    return execution
