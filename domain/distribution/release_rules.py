"""Release rules: set them, schedule their timers, and apply them when due.

Each open target of an allotment with an automatic rule has a Temporal timer workflow
`allotment-release:{targetId}` (workflows/allotment_release.py). It asks
`release_if_due` on every wake-up; the database is the truth, so a changed rule only
needs a `recheck` signal to move the timer.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, Integer, case, cast, func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from domain.availability.models import AvailabilitySlot
from domain.db import unit_of_work
from domain.distribution import allotments
from domain.distribution.models import ChannelInventoryAllotmentTarget
from domain.distribution.release_models import (
    RELEASE_UNITS,
    UNSOLD_ACTIONS,
    AllotmentReleaseExecution,
    AllotmentReleaseRule,
)
from domain.errors import BadRequest, DomainError
from domain.intents.service import IntentSpec, write_intent

WORKFLOW = "AllotmentRelease"
log = logging.getLogger(__name__)


def workflow_id(target_id: str) -> str:
    return f"allotment-release:{target_id}"


def release_at(rule: AllotmentReleaseRule, starts_at: datetime) -> datetime:
    """When the rule gives up unsold units of a slot starting at `starts_at` (pure)."""
    offset = (
        timedelta(days=rule.offset_value)
        if rule.offset_unit == "days"
        else timedelta(hours=rule.offset_value)
    )
    return starts_at - offset


async def rule_for(session: AsyncSession, allotment_id: str) -> AllotmentReleaseRule | None:
    return await session.scalar(
        select(AllotmentReleaseRule).where(AllotmentReleaseRule.allotment_id == allotment_id)
    )


async def schedule_target(
    session: AsyncSession,
    target: ChannelInventoryAllotmentTarget,
    *,
    task_queue: str,
    now: datetime,
) -> None:
    """Start the target's timer workflow if needed and ask it to re-read its rule.

    One signal-with-start intent: it creates the workflow when absent and wakes it when
    running; a workflow that already finished is left alone.
    """
    wf_id = workflow_id(target.id)
    await write_intent(
        session,
        IntentSpec(
            kind="signal",
            key=f"recheck:{wf_id}:{now.isoformat()}",
            workflow_type=WORKFLOW,
            workflow_id=wf_id,
            task_queue=task_queue,
            input={"target_id": target.id},
            signal_name="recheck",
            signal_input={"reason": "rule_changed"},
            search_attributes={"ChannelId": target.channel_id, "SlotId": target.slot_id},
        ),
    )


async def set_rule(
    session: AsyncSession,
    allotment_id: str,
    *,
    task_queue: str,
    now: datetime,
    **fields: Any,
) -> AllotmentReleaseRule:
    """Create or replace the allotment's rule and (re)arm the timers of its open targets."""
    allotment = await allotments.get_allotment(session, allotment_id)
    if fields.get("offset_unit") not in RELEASE_UNITS:
        raise BadRequest("invalid_release_rule", f"offset_unit must be one of {RELEASE_UNITS}")
    if fields.get("unsold_action", UNSOLD_ACTIONS[0]) not in UNSOLD_ACTIONS:
        raise BadRequest("invalid_release_rule", f"unsold_action must be one of {UNSOLD_ACTIONS}")
    if fields.get("offset_value", 0) < 0:
        raise BadRequest("invalid_release_rule", "offset_value must be 0 or more")
    rule = await rule_for(session, allotment.id)
    if rule is None:
        rule = AllotmentReleaseRule(allotment_id=allotment.id, channel_id=allotment.channel_id)
        session.add(rule)
    for key, value in fields.items():
        setattr(rule, key, value)
    await session.flush()
    await session.refresh(rule)
    targets = await session.scalars(
        select(ChannelInventoryAllotmentTarget)
        .join(AvailabilitySlot, AvailabilitySlot.id == ChannelInventoryAllotmentTarget.slot_id)
        .where(
            ChannelInventoryAllotmentTarget.allotment_id == allotment.id,
            ChannelInventoryAllotmentTarget.status == "open",
            AvailabilitySlot.starts_at > now,
        )
    )
    if rule.mode == "automatic" and rule.active:
        for target in targets:
            await schedule_target(session, target, task_queue=task_queue, now=now)
    return rule


async def add_scheduled_target(
    session: AsyncSession,
    *,
    allotment_id: str,
    slot_id: str,
    guaranteed: int | None,
    task_queue: str,
    now: datetime,
) -> ChannelInventoryAllotmentTarget:
    """`allotments.add_target`, plus the release timer when an automatic rule exists."""
    target = await allotments.add_target(
        session, allotment_id=allotment_id, slot_id=slot_id, guaranteed=guaranteed
    )
    rule = await rule_for(session, allotment_id)
    if rule is not None and rule.mode == "automatic" and rule.active:
        await schedule_target(session, target, task_queue=task_queue, now=now)
    return target


@dataclass(frozen=True)
class ReleaseCheck:
    """After a check: `state` is released/expired/retained/closed (done) or waiting."""

    state: str
    wake_at: datetime | None
    capacity_released: int = 0


async def release_if_due(
    session: AsyncSession, *, target_id: str, as_of: datetime, trigger: str = "timer"
) -> ReleaseCheck:
    """Apply the allotment's automatic rule to the target when `as_of` reached its time.

    Waiting without a rule: wake at the slot's start, then stop (`closed`).
    """
    target = await session.get(ChannelInventoryAllotmentTarget, target_id)
    if target is None:
        return ReleaseCheck(state="closed", wake_at=None)
    done = await session.scalar(
        select(AllotmentReleaseExecution).where(AllotmentReleaseExecution.target_id == target.id)
    )
    if done is not None:
        return ReleaseCheck(
            state=target.status, wake_at=None, capacity_released=done.capacity_released
        )
    if target.status != "open":
        return ReleaseCheck(state="closed", wake_at=None)
    slot = await session.get_one(AvailabilitySlot, target.slot_id)
    rule = await rule_for(session, target.allotment_id)
    if rule is None or rule.mode != "automatic" or not rule.active:
        if as_of >= slot.starts_at:
            return ReleaseCheck(state="closed", wake_at=None)
        return ReleaseCheck(state="waiting", wake_at=slot.starts_at)
    due = release_at(rule, slot.starts_at)
    if as_of < due:
        return ReleaseCheck(state="waiting", wake_at=due)
    execution = await allotments.release_target(
        session,
        target_id=target.id,
        action=rule.unsold_action,
        trigger=trigger,
        rule_id=rule.id,
        now=as_of,
    )
    return ReleaseCheck(
        state=target.status, wake_at=None, capacity_released=execution.capacity_released
    )


def _release_time() -> ColumnElement[datetime]:
    value = cast(AllotmentReleaseRule.offset_value, Integer)
    offset = case(
        (
            AllotmentReleaseRule.offset_unit == "days",
            func.make_interval(0, 0, 0, value),
        ),
        else_=func.make_interval(0, 0, 0, 0, value),
    )
    return AvailabilitySlot.starts_at - offset


async def due_target_ids(session: AsyncSession, *, as_of: datetime, limit: int) -> list[str]:
    """Open targets whose automatic rule's release time passed by `as_of` (oldest first).

    The safety net behind the per-target timers: targets added without a timer (through
    `allotments.add_target` directly) or whose workflow was lost are still released.
    """
    stmt = (
        select(ChannelInventoryAllotmentTarget.id)
        .join(AvailabilitySlot, AvailabilitySlot.id == ChannelInventoryAllotmentTarget.slot_id)
        .join(
            AllotmentReleaseRule,
            AllotmentReleaseRule.allotment_id == ChannelInventoryAllotmentTarget.allotment_id,
        )
        .where(
            ChannelInventoryAllotmentTarget.status == "open",
            AllotmentReleaseRule.mode == "automatic",
            AllotmentReleaseRule.active.is_(True),
            _release_time() <= as_of,
        )
        .order_by(AvailabilitySlot.starts_at, ChannelInventoryAllotmentTarget.id)
        .limit(limit)
    )
    return list(await session.scalars(stmt))


async def sweep_due(
    factory: async_sessionmaker[AsyncSession], *, as_of: datetime, limit: int
) -> list[str]:
    """Release up to `limit` due targets, each in its own transaction; the ids released
    (or expired, or retained) by this sweep."""
    async with factory() as session:
        ids = await due_target_ids(session, as_of=as_of, limit=limit)
    released: list[str] = []
    for target_id in ids:
        try:
            async with unit_of_work(factory) as session:
                check = await release_if_due(
                    session, target_id=target_id, as_of=as_of, trigger="sweep"
                )
        except DomainError:
            log.exception("allotment release failed", extra={"target_id": target_id})
            continue
        if check.state in ("released", "expired", "retained"):
            released.append(target_id)
    return released
