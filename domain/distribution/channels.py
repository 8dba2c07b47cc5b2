"""Channels, their contacts and contracts; the direct channel is protected.

The rate budget (rps, burst) lives on the channel; a contract may override it. The
effective budget is what channel push must use: `effective_rate_budget`.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from domain.distribution import allotments
from domain.distribution.models import (
    CHANNEL_KINDS,
    Channel,
    ChannelContact,
    ChannelContract,
    ChannelInventoryAllotmentTarget,
)
from domain.errors import BadRequest, Conflict, NotFound
from domain.outbox.record import record_event

DIRECT = "direct"


def new_webhook_secret() -> str:
    return f"whsec_{secrets.token_hex(24)}"


async def get_channel(session: AsyncSession, channel_id: str, *, lock: bool = False) -> Channel:
    stmt = select(Channel).where(Channel.id == channel_id)
    if lock:
        stmt = stmt.with_for_update().execution_options(populate_existing=True)
    channel = await session.scalar(stmt)
    if channel is None:
        raise NotFound("channel_not_found", f"no channel {channel_id}")
    return channel


async def _refuse_second_direct(session: AsyncSession, except_id: str | None = None) -> None:
    stmt = select(Channel.id).where(Channel.kind == DIRECT)
    if except_id:
        stmt = stmt.where(Channel.id != except_id)
    existing = await session.scalar(stmt)
    if existing is not None:
        raise Conflict("direct_channel_exists", f"the direct channel already exists ({existing})")


DIRECT_INDEX = "uq_channels_direct"


async def _flush_refusing_second_direct(session: AsyncSession) -> None:
    """Flush; a racing second direct channel (the partial unique index caught it, not the
    pre-check) is the same 409 `direct_channel_exists`. The owner rolls back."""
    try:
        await session.flush()
    except IntegrityError as exc:
        constraint = getattr(getattr(exc.orig, "diag", None), "constraint_name", None)
        if constraint != DIRECT_INDEX:
            raise
        raise Conflict("direct_channel_exists", "the direct channel already exists") from exc


def _check_budget(rps: Decimal | float | None, burst: int | None) -> None:
    if rps is not None and Decimal(str(rps)) <= 0:
        raise BadRequest("invalid_rate_budget", "rate_rps must be greater than 0")
    if burst is not None and burst < 1:
        raise BadRequest("invalid_rate_budget", "rate_burst must be 1 or more")


def _emit(session: AsyncSession, channel: Channel, event_type: str, **extra: Any) -> None:
    record_event(
        session,
        aggregate_type="channel",
        aggregate_id=channel.id,
        event_type=event_type,
        payload={"channel_id": channel.id, "kind": channel.kind, "status": channel.status, **extra},
    )


async def create_channel(session: AsyncSession, **fields: Any) -> Channel:
    """A new channel; 409 `direct_channel_exists` for a second direct one."""
    if fields.get("kind") not in CHANNEL_KINDS:
        raise BadRequest("invalid_kind", f"kind must be one of {CHANNEL_KINDS}")
    _check_budget(fields.get("rate_rps"), fields.get("rate_burst"))
    if fields["kind"] == DIRECT:
        await _refuse_second_direct(session)
    fields.setdefault("webhook_secret", new_webhook_secret())
    channel = Channel(**{k: v for k, v in fields.items() if v is not None})
    session.add(channel)
    await _flush_refusing_second_direct(session)
    await session.refresh(channel)
    _emit(session, channel, "distribution.channel.created")
    return channel


async def update_channel(
    session: AsyncSession, channel_id: str, changes: dict[str, Any]
) -> Channel:
    """Change name, kind, status, budget or notes. The direct channel keeps its kind."""
    channel = await get_channel(session, channel_id, lock=True)
    kind = changes.get("kind")
    if kind is not None and kind != channel.kind:
        if channel.kind == DIRECT:
            raise Conflict("direct_channel_protected", "the direct channel cannot change kind")
        if kind == DIRECT:
            await _refuse_second_direct(session, except_id=channel.id)
    _check_budget(changes.get("rate_rps"), changes.get("rate_burst"))
    for key, value in changes.items():
        setattr(channel, key, value)
    await _flush_refusing_second_direct(session)
    await session.refresh(channel)
    _emit(session, channel, "distribution.channel.updated", fields=sorted(changes))
    return channel


async def delete_channel(session: AsyncSession, channel_id: str) -> None:
    """Delete a channel and what hangs off it, first returning its carved units to the
    slots' general pools; 409 `direct_channel_protected` for the direct channel."""
    channel = await get_channel(session, channel_id)
    if channel.kind == DIRECT:
        raise Conflict("direct_channel_protected", "the direct channel cannot be deleted")
    # Targets (then slots) before the channel row: a channel booking locks its targets
    # and then, inserting its distribution details, key-shares the channel; taking the
    # channel first here (or leaving targets for the cascade) would deadlock with it.
    await session.execute(
        select(ChannelInventoryAllotmentTarget.id)
        .where(ChannelInventoryAllotmentTarget.channel_id == channel.id)
        .order_by(ChannelInventoryAllotmentTarget.slot_id, ChannelInventoryAllotmentTarget.id)
        .with_for_update()
    )
    await _return_held_units(session, channel.id)
    channel = await get_channel(session, channel_id, lock=True)
    if channel.kind == DIRECT:  # re-kinded meanwhile
        raise Conflict("direct_channel_protected", "the direct channel cannot be deleted")
    _emit(session, channel, "distribution.channel.deleted")
    await session.delete(channel)
    await session.flush()


async def _return_held_units(session: AsyncSession, channel_id: str) -> None:
    """Units carved for the channel go back to the general pool before its rows cascade."""
    open_targets = await session.scalars(
        select(ChannelInventoryAllotmentTarget.id)
        .where(
            ChannelInventoryAllotmentTarget.channel_id == channel_id,
            ChannelInventoryAllotmentTarget.status == "open",
            ChannelInventoryAllotmentTarget.held > 0,
        )
        .order_by(ChannelInventoryAllotmentTarget.slot_id, ChannelInventoryAllotmentTarget.id)
    )
    for target_id in list(open_targets):
        await allotments.release_target(
            session, target_id=target_id, action="release_to_general_pool", trigger="manual"
        )


async def rotate_webhook_secret(session: AsyncSession, channel_id: str) -> str:
    channel = await get_channel(session, channel_id, lock=True)
    channel.webhook_secret = new_webhook_secret()
    await session.flush()
    return channel.webhook_secret


# --- contacts ---------------------------------------------------------------------------


async def add_contact(session: AsyncSession, channel_id: str, **fields: Any) -> ChannelContact:
    await get_channel(session, channel_id)
    contact = ChannelContact(channel_id=channel_id, **fields)
    session.add(contact)
    await session.flush()
    await session.refresh(contact)
    return contact


async def delete_contact(session: AsyncSession, channel_id: str, contact_id: str) -> None:
    contact = await session.get(ChannelContact, contact_id)
    if contact is None or contact.channel_id != channel_id:
        raise NotFound("contact_not_found", f"no contact {contact_id} on channel {channel_id}")
    await session.delete(contact)
    await session.flush()


# --- contracts --------------------------------------------------------------------------


def _check_window(valid_from: date | None, valid_to: date | None) -> None:
    if valid_from is not None and valid_to is not None and valid_to < valid_from:
        raise BadRequest("invalid_validity", "valid_to must be on or after valid_from")


async def create_contract(session: AsyncSession, channel_id: str, **fields: Any) -> ChannelContract:
    await get_channel(session, channel_id)
    _check_window(fields.get("valid_from"), fields.get("valid_to"))
    _check_budget(fields.get("rate_rps_override"), fields.get("rate_burst_override"))
    contract = ChannelContract(channel_id=channel_id, **fields)
    session.add(contract)
    await session.flush()
    await session.refresh(contract)
    return contract


async def get_contract(session: AsyncSession, contract_id: str) -> ChannelContract:
    contract = await session.get(ChannelContract, contract_id)
    if contract is None:
        raise NotFound("contract_not_found", f"no contract {contract_id}")
    return contract


async def update_contract(
    session: AsyncSession, contract_id: str, changes: dict[str, Any]
) -> ChannelContract:
    contract = await get_contract(session, contract_id)
    _check_window(
        changes.get("valid_from", contract.valid_from), changes.get("valid_to", contract.valid_to)
    )
    _check_budget(changes.get("rate_rps_override"), changes.get("rate_burst_override"))
    for key, value in changes.items():
        setattr(contract, key, value)
    await session.flush()
    await session.refresh(contract)
    return contract


async def active_contract(
    session: AsyncSession, channel_id: str, on: date
) -> ChannelContract | None:
    """The channel's active contract on `on` (the latest starting one if several)."""
    stmt = (
        select(ChannelContract)
        .where(
            ChannelContract.channel_id == channel_id,
            ChannelContract.status == "active",
            or_(ChannelContract.valid_from.is_(None), ChannelContract.valid_from <= on),
            or_(ChannelContract.valid_to.is_(None), ChannelContract.valid_to >= on),
        )
        .order_by(ChannelContract.valid_from.desc().nulls_last(), ChannelContract.id.desc())
        .limit(1)
    )
    return await session.scalar(stmt)


@dataclass(frozen=True)
class RateBudget:
    """Tokens per second and bucket size for one channel's upstream calls."""

    rps: Decimal
    burst: int
    source: str  # "channel" or the contract id whose override applies


async def effective_rate_budget(session: AsyncSession, channel_id: str, on: date) -> RateBudget:
    """The channel's budget, with the active contract's overrides applied."""
    channel = await get_channel(session, channel_id)
    contract = await active_contract(session, channel_id, on)
    rps, burst, source = Decimal(channel.rate_rps), channel.rate_burst, "channel"
    if contract is not None:
        if contract.rate_rps_override is not None:
            rps, source = Decimal(contract.rate_rps_override), contract.id
        if contract.rate_burst_override is not None:
            burst, source = contract.rate_burst_override, contract.id
    return RateBudget(rps=rps, burst=burst, source=source)
