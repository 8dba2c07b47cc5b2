"""Changing and removing allotments without leaking carved capacity."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from domain.distribution import allotments
from domain.distribution.models import ChannelInventoryAllotment, ChannelInventoryAllotmentTarget
from domain.errors import BadRequest, Conflict


async def _lock(session: AsyncSession, allotment_id: str) -> ChannelInventoryAllotment:
    await allotments.get_allotment(session, allotment_id)  # 404 first
    row = await session.scalar(
        select(ChannelInventoryAllotment)
        .where(ChannelInventoryAllotment.id == allotment_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    assert row is not None
    return row


async def update_allotment(
    session: AsyncSession, allotment_id: str, changes: dict[str, Any]
) -> ChannelInventoryAllotment:
    """Change `max_capacity` (never below what a slot already sold, nor below guaranteed)
    or `status` (active / paused / closed; paused and closed take no new targets)."""
    allotment = await _lock(session, allotment_id)
    if "max_capacity" in changes:
        new_max = changes["max_capacity"]
        if new_max < allotment.guaranteed_capacity:
            raise BadRequest("invalid_allotment", "max_capacity cannot go below guaranteed")
        # Lock the targets (draws lock them first): a draw in flight either commits
        # before we read its sold count or waits and sees the new max.
        targets = await session.scalars(
            select(ChannelInventoryAllotmentTarget)
            .where(ChannelInventoryAllotmentTarget.allotment_id == allotment.id)
            .order_by(ChannelInventoryAllotmentTarget.id)
            .with_for_update()
            .execution_options(populate_existing=True)
        )
        sold = max((t.sold for t in targets), default=0)
        if new_max < sold:
            raise Conflict(
                "max_below_sold", f"a slot already sold {sold}; max_capacity cannot go below it"
            )
    for key, value in changes.items():
        setattr(allotment, key, value)
    await session.flush()
    await session.refresh(allotment)
    return allotment


async def delete_allotment(session: AsyncSession, allotment_id: str) -> None:
    """Return every open target's held units to its slot's pool, then delete."""
    allotment = await _lock(session, allotment_id)
    # Every target first, in slot order (the lock order of draws), then each slot.
    await session.execute(
        select(ChannelInventoryAllotmentTarget.id)
        .where(ChannelInventoryAllotmentTarget.allotment_id == allotment.id)
        .order_by(ChannelInventoryAllotmentTarget.slot_id, ChannelInventoryAllotmentTarget.id)
        .with_for_update()
    )
    open_targets = await session.scalars(
        select(ChannelInventoryAllotmentTarget.id)
        .where(
            ChannelInventoryAllotmentTarget.allotment_id == allotment.id,
            ChannelInventoryAllotmentTarget.status == "open",
        )
        .order_by(ChannelInventoryAllotmentTarget.slot_id, ChannelInventoryAllotmentTarget.id)
    )
    for target_id in list(open_targets):
        await allotments.release_target(
            session, target_id=target_id, action="release_to_general_pool", trigger="manual"
        )
    await session.delete(allotment)
    await session.flush()
