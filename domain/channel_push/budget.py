"""The shared per-channel rate budget: one PostgreSQL row per channel, taken under a row lock.

Every worker process on every machine takes tokens from the same row, with the
database's clock, so the budget holds however many workers run. The rate and burst are
read live on every take (an active contract's override wins over the channel default),
so a changed limit applies at once without a restart. Callers never sleep here: a
denied take answers how long to wait and the workflow sleeps on a durable timer.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import func, or_, select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from domain.channel_push import budget_rules as rules
from domain.channel_push.models import ChannelRateBucket
from domain.distribution.models import Channel, ChannelContract
from domain.errors import NotFound
from domain.ids import new_id


@dataclass(frozen=True, slots=True)
class RateConfig:
    """The effective limit of one channel right now."""

    rps: float
    burst: int
    source: str  # "contract:<id>" or "channel"


async def effective_rate(session: AsyncSession, channel_id: str, today: date) -> RateConfig:
    """The active contract's override (per field), else the channel's default."""
    channel = await session.get(Channel, channel_id)
    if channel is None:
        raise NotFound("channel_not_found", f"no channel {channel_id}")
    contract = await session.scalar(
        select(ChannelContract)
        .where(
            ChannelContract.channel_id == channel_id,
            ChannelContract.status == "active",
            or_(ChannelContract.valid_from.is_(None), ChannelContract.valid_from <= today),
            or_(ChannelContract.valid_to.is_(None), ChannelContract.valid_to >= today),
            or_(
                ChannelContract.rate_rps_override.is_not(None),
                ChannelContract.rate_burst_override.is_not(None),
            ),
        )
        .order_by(ChannelContract.valid_from.desc().nulls_last(), ChannelContract.id.desc())
        .limit(1)
    )
    rps, burst, source = float(channel.rate_rps), int(channel.rate_burst), "channel"
    if contract is not None:
        source = f"contract:{contract.id}"
        if contract.rate_rps_override is not None:
            rps = float(contract.rate_rps_override)
        if contract.rate_burst_override is not None:
            burst = int(contract.rate_burst_override)
    return RateConfig(rps=rps, burst=max(burst, 1), source=source)


async def _locked_bucket(
    session: AsyncSession, channel_id: str, now: datetime, burst: int
) -> ChannelRateBucket:
    await session.execute(
        insert(ChannelRateBucket)
        .values(
            id=new_id(ChannelRateBucket.id_prefix),
            channel_id=channel_id,
            tokens=float(burst),
            refilled_at=now,
        )
        .on_conflict_do_nothing(index_elements=["channel_id"])
    )
    bucket = await session.scalar(
        select(ChannelRateBucket)
        .where(ChannelRateBucket.channel_id == channel_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    assert bucket is not None
    return bucket


def _state(bucket: ChannelRateBucket) -> rules.BucketState:
    return rules.BucketState(
        tokens=bucket.tokens,
        refilled_at=bucket.refilled_at,
        blocked_until=bucket.blocked_until,
        booking_demand_until=bucket.booking_demand_until,
        availability_demand_until=bucket.availability_demand_until,
    )


async def _store(
    session: AsyncSession, channel_id: str, state: rules.BucketState, granted: int
) -> None:
    await session.execute(
        update(ChannelRateBucket)
        .where(ChannelRateBucket.channel_id == channel_id)
        .values(
            tokens=state.tokens,
            refilled_at=state.refilled_at,
            blocked_until=state.blocked_until,
            booking_demand_until=state.booking_demand_until,
            availability_demand_until=state.availability_demand_until,
            granted=ChannelRateBucket.granted + granted,
        )
    )


async def db_now(session: AsyncSession) -> datetime:
    """The database's clock (shared by every worker machine)."""
    now: datetime | None = await session.scalar(select(func.clock_timestamp()))
    assert now is not None
    return now


async def take_token(
    session: AsyncSession, channel_id: str, klass: rules.PushClass
) -> rules.Decision:
    """Take one token for `klass` from the channel's bucket (locks the row till commit).

    Run it in a short transaction of its own and commit before the HTTP call.
    """
    now = await db_now(session)
    cfg = await effective_rate(session, channel_id, now.date())
    bucket = await _locked_bucket(session, channel_id, now, cfg.burst)
    now = await db_now(session)  # after the lock: the time the grant really happens
    decision = rules.take(_state(bucket), now=now, rps=cfg.rps, burst=cfg.burst, klass=klass)
    await _store(session, channel_id, decision.state, int(decision.granted))
    return decision


async def take_tokens(
    session: AsyncSession, channel_id: str, klass: rules.PushClass, want: int
) -> tuple[int, timedelta]:
    """Take up to `want` tokens at once: (granted, wait when none was granted)."""
    now = await db_now(session)
    cfg = await effective_rate(session, channel_id, now.date())
    bucket = await _locked_bucket(session, channel_id, now, cfg.burst)
    now = await db_now(session)
    state, granted, wait = _state(bucket), 0, timedelta(0)
    while granted < want:
        decision = rules.take(state, now=now, rps=cfg.rps, burst=cfg.burst, klass=klass)
        if not decision.granted:
            if granted == 0:
                state, wait = decision.state, decision.wait
            break
        state, granted = decision.state, granted + 1
    await _store(session, channel_id, state, granted)
    return granted, wait


async def peek_tokens(session: AsyncSession, channel_id: str, klass: rules.PushClass) -> int:
    """How many tokens `klass` could take now, read without locking the bucket: sizes the
    work a drainer prepares before its (short, locked) `take_tokens`."""
    now = await db_now(session)
    cfg = await effective_rate(session, channel_id, now.date())
    bucket = await session.scalar(
        select(ChannelRateBucket)
        .where(ChannelRateBucket.channel_id == channel_id)
        .execution_options(populate_existing=True)
    )
    if bucket is None:
        return cfg.burst
    return rules.available(_state(bucket), now=now, rps=cfg.rps, burst=cfg.burst, klass=klass)


async def drain_for_retry_after(
    session: AsyncSession, channel_id: str, retry_after: float | None
) -> datetime:
    """An upstream 429: empty the bucket and block it until Retry-After; returns that time."""
    now = await db_now(session)
    cfg = await effective_rate(session, channel_id, now.date())
    bucket = await _locked_bucket(session, channel_id, now, cfg.burst)
    state = rules.drain(_state(bucket), now=await db_now(session), retry_after=retry_after)
    await _store(session, channel_id, state, 0)
    assert state.blocked_until is not None
    return state.blocked_until
