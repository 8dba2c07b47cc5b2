"""Slots as a reseller sees them: the general pool, or only its allotment when it has one."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from domain.availability.models import AvailabilitySlot
from domain.distribution.models import ChannelInventoryAllotment, ChannelInventoryAllotmentTarget
from domain.octo.rules import Vacancy, allotment_remaining, vacancy

MAX_DAYS = 366


@dataclass(frozen=True)
class SlotView:
    """A slot and what this reseller may sell on it."""

    slot: AvailabilitySlot
    vacancy: Vacancy


async def _allotments(
    session: AsyncSession, *, channel_id: str | None, slot_ids: list[str]
) -> dict[str, tuple[int, int]]:
    """slot id -> (remaining, guaranteed) of this channel's open allotment targets."""
    if channel_id is None or not slot_ids:
        return {}
    rows = await session.execute(
        select(ChannelInventoryAllotmentTarget, ChannelInventoryAllotment.max_capacity)
        .join(
            ChannelInventoryAllotment,
            ChannelInventoryAllotment.id == ChannelInventoryAllotmentTarget.allotment_id,
        )
        .where(
            ChannelInventoryAllotmentTarget.channel_id == channel_id,
            ChannelInventoryAllotmentTarget.slot_id.in_(slot_ids),
            ChannelInventoryAllotment.status == "active",
        )
    )
    out: dict[str, tuple[int, int]] = {}
    for target, max_capacity in rows.all():
        if target.status != "open":
            continue
        left = allotment_remaining(
            guaranteed=target.guaranteed,
            sold=target.sold,
            max_capacity=max_capacity,
        )
        prev = out.get(target.slot_id, (0, 0))
        out[target.slot_id] = (prev[0] + left, prev[1] + target.guaranteed)
    return out


async def views(
    session: AsyncSession, *, channel_id: str | None, slots: list[AvailabilitySlot]
) -> list[SlotView]:
    """Each slot with its vacancy for this channel."""
    allot = await _allotments(session, channel_id=channel_id, slot_ids=[s.id for s in slots])
    now = datetime.now(UTC)
    out = []
    for slot in slots:
        if slot.id in allot:
            remaining, capacity = allot[slot.id]
            # The slot's own status still wins when it is closed or cancelled.
            status = slot.status if slot.status in ("closed", "cancelled") else "open"
            v = vacancy(
                slot_status=status,
                remaining=remaining,
                capacity=capacity,
                starts_at=slot.starts_at,
                now=now,
            )
        else:
            v = vacancy(
                slot_status=slot.status,
                remaining=slot.capacity_remaining,
                capacity=slot.capacity_initial,
                starts_at=slot.starts_at,
                now=now,
            )
        out.append(SlotView(slot, v))
    return out


async def slots_between(
    session: AsyncSession, *, option_id: str, start: date, end: date
) -> list[AvailabilitySlot]:
    """An option's slots on local dates start..end (inclusive), in start order."""
    return list(
        (
            await session.scalars(
                select(AvailabilitySlot)
                .where(
                    AvailabilitySlot.option_id == option_id,
                    AvailabilitySlot.local_date >= start,
                    AvailabilitySlot.local_date <= end,
                )
                .order_by(AvailabilitySlot.starts_at, AvailabilitySlot.id)
            )
        ).all()
    )


async def slots_by_ids(
    session: AsyncSession, *, option_id: str, ids: list[str]
) -> dict[str, AvailabilitySlot]:
    """The option's slots among `ids`, keyed by id (others are simply absent)."""
    rows = await session.scalars(
        select(AvailabilitySlot).where(
            AvailabilitySlot.option_id == option_id, AvailabilitySlot.id.in_(ids)
        )
    )
    return {s.id: s for s in rows.all()}
