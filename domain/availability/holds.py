"""Availability holds: place, extend and release by token; expiry is a Temporal timer."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from domain.availability.models import AvailabilityHold
from domain.availability.slots import adjust_slot_capacity
from domain.errors import BadRequest, Conflict, NotFound
from domain.intents.service import IntentSpec, write_intent

MAX_TTL = timedelta(days=30)
HOLD_WORKFLOW = "AvailabilityHoldExpiry"


def hold_workflow_id(hold_id: str) -> str:
    """Deterministic id of a hold's expiry workflow."""
    return f"availability-hold:{hold_id}"


@dataclass(frozen=True, slots=True)
class HoldOutcome:
    """A hold after an operation, and the pax change it made to its slot."""

    hold: AvailabilityHold
    pax_delta: int


async def _by_token(session: AsyncSession, token: str) -> AvailabilityHold | None:
    return await session.scalar(
        select(AvailabilityHold)
        .where(AvailabilityHold.token == token)
        .with_for_update()
        .execution_options(populate_existing=True)
    )


def _check_ttl(ttl: timedelta) -> None:
    if ttl <= timedelta(0) or ttl > MAX_TTL:
        raise BadRequest("invalid_ttl", f"ttl must be between 1 second and {MAX_TTL.days} days")


async def place_hold(
    session: AsyncSession,
    *,
    token: str,
    slot_id: str,
    pax: int,
    ttl: timedelta,
    task_queue: str,
) -> HoldOutcome:
    """Hold `pax` seats until now + ttl. The same token again adjusts by the pax difference.

    A new hold writes an intent for its expiry workflow `availability-hold:{holdId}`.
    """
    if pax < 1:
        raise BadRequest("invalid_pax", "pax must be at least 1")
    _check_ttl(ttl)
    expires_at = datetime.now(UTC) + ttl
    hold = await _by_token(session, token)
    if hold is not None:
        if hold.slot_id != slot_id:
            raise Conflict("hold_token_reused", f"token {token} already holds another slot")
        if hold.status != "held":
            raise Conflict("hold_not_active", f"hold {token} is {hold.status}", status=hold.status)
        delta = pax - hold.pax
        await adjust_slot_capacity(session, slot_id=slot_id, delta=-delta, reason="hold_adjusted")
        hold.pax, hold.expires_at = pax, max(hold.expires_at, expires_at)
        await session.flush()
        return HoldOutcome(hold, -delta)
    await adjust_slot_capacity(session, slot_id=slot_id, delta=-pax, reason="hold_placed")
    hold = AvailabilityHold(token=token, slot_id=slot_id, pax=pax, expires_at=expires_at)
    session.add(hold)
    await session.flush()
    await write_intent(
        session,
        IntentSpec(
            workflow_type=HOLD_WORKFLOW,
            workflow_id=hold_workflow_id(hold.id),
            task_queue=task_queue,
            input={"hold_id": hold.id},
            search_attributes={"SlotId": slot_id},
        ),
    )
    return HoldOutcome(hold, -pax)


async def extend_hold(session: AsyncSession, *, token: str, ttl: timedelta) -> AvailabilityHold:
    """Move the expiry to now + ttl (the expiry workflow re-reads it when its timer fires)."""
    _check_ttl(ttl)
    hold = await _by_token(session, token)
    if hold is None:
        raise NotFound("hold_not_found", f"no hold with token {token}")
    if hold.status != "held":
        raise Conflict("hold_not_active", f"hold {token} is {hold.status}", status=hold.status)
    hold.expires_at = datetime.now(UTC) + ttl
    await session.flush()
    return hold


async def release_hold(session: AsyncSession, *, token: str) -> HoldOutcome:
    """Give the seats back. Releasing an already released or expired hold changes nothing."""
    hold = await _by_token(session, token)
    if hold is None:
        raise NotFound("hold_not_found", f"no hold with token {token}")
    if hold.status != "held":
        return HoldOutcome(hold, 0)
    await adjust_slot_capacity(
        session, slot_id=hold.slot_id, delta=hold.pax, reason="hold_released"
    )
    hold.status, hold.released_at = "released", datetime.now(UTC)
    await session.flush()
    return HoldOutcome(hold, hold.pax)


async def expire_hold_if_due(session: AsyncSession, *, hold_id: str) -> AvailabilityHold | None:
    """Expire the hold if it is still held and its time has come; else leave it as is."""
    hold = await session.scalar(
        select(AvailabilityHold).where(AvailabilityHold.id == hold_id).with_for_update()
    )
    if hold is None or hold.status != "held" or hold.expires_at > datetime.now(UTC):
        return hold
    await adjust_slot_capacity(session, slot_id=hold.slot_id, delta=hold.pax, reason="hold_expired")
    hold.status, hold.released_at = "expired", datetime.now(UTC)
    await session.flush()
    return hold
