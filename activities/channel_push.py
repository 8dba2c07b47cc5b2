"""Activities of the channel push workflows; each call owns its transactions.

Long token waits (a 429's Retry-After) come back as a wait and the workflow sleeps on a
durable timer, holding no worker slot. Short ones are slept inside the activity: the
drain sleeps them (at most `queue_push.MAX_INLINE_WAIT`) so a backlog drains at the
budget's rate instead of one workflow round trip per token; a booking attempt sleeps
them (at most `booking_push.MAX_INLINE_WAIT`) so it is back when its token is due,
which a timer (fired on whole seconds) is not. At most `INLINE_TOKEN_WAITERS` booking
attempts per worker process sleep at once; the rest wait on timers.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any, Literal

from pydantic import BaseModel
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from temporalio import activity

from adapters.channels.registry import AdapterRegistry
from domain.channel_push import booking_push, queue_push
from domain.channel_push.policy import PushPolicy
from tourflow.observability.metrics import observe_push_lag

INLINE_TOKEN_WAITERS = 16


class LinksInput(BaseModel):
    """Which booking, channel and action."""

    booking_id: str
    channel_id: str
    action: Literal["push", "cancel"]


class LinksResult(BaseModel):
    """The link ids to work on and the channel's compensation policy."""

    link_ids: list[str]
    compensation_policy: str


class LinkAttemptInput(BaseModel):
    """One attempt at one link."""

    link_id: str
    action: Literal["push", "cancel", "compensate"]


class LinkAttemptResult(BaseModel):
    """`ok`, `retry`, `wait` (seconds), `rejected` or `skip`."""

    kind: str
    wait_seconds: float = 0.0
    error: str | None = None
    status: str | None = None


class AbandonInput(BaseModel):
    """Give up on a link."""

    link_id: str
    reason: str | None = None


class DrainInput(BaseModel):
    """Drain one channel's availability or content intents."""

    channel_id: str
    flow: Literal["availability", "content"]
    policy: PushPolicy
    max_items: int = 200


class DrainOutput(BaseModel):
    """See domain.channel_push.queue_push.DrainResult."""

    pushed: int
    skipped: int
    more: bool
    wait_seconds: float
    next_due_in: float | None


class ChannelPushActivities:
    """Channel push I/O: the database and the channel adapters."""

    def __init__(
        self,
        factory: async_sessionmaker[AsyncSession],
        registry: AdapterRegistry | None = None,
        *,
        inline_waiters: int = INLINE_TOKEN_WAITERS,
    ) -> None:
        self._factory = factory
        self._registry = registry or AdapterRegistry()
        # Booking attempts sleeping out a short token wait at once, in this process.
        self._inline_waits = asyncio.Semaphore(inline_waiters)

    @activity.defn(name="channel_push.links")
    async def links(self, params: LinksInput) -> LinksResult:
        """The links the workflow works on."""
        ids, policy = await booking_push.links_to_work(
            self._factory, params.booking_id, params.channel_id, params.action
        )
        return LinksResult(link_ids=ids, compensation_policy=policy)

    @activity.defn(name="channel_push.attempt_link")
    async def attempt_link(self, params: LinkAttemptInput) -> LinkAttemptResult:
        """One push / cancel / compensation attempt on one link."""
        result = await booking_push.attempt_link(
            self._factory,
            self._registry,
            params.link_id,
            params.action,
            inline_slots=self._inline_waits,
            on_lag=observe_push_lag,
        )
        return LinkAttemptResult(
            kind=result.kind,
            wait_seconds=result.wait_seconds,
            error=result.error,
            status=result.status,
        )

    @activity.defn(name="channel_push.abandon_link")
    async def abandon_link(self, params: AbandonInput) -> None:
        """Mark the link abandoned and raise the alert event."""
        await booking_push.abandon_link(self._factory, params.link_id, params.reason)

    @activity.defn(name="channel_push.drain")
    async def drain(self, params: DrainInput) -> DrainOutput:
        """Push due availability or content intents of one channel."""
        result = await queue_push.drain(
            self._factory,
            self._registry,
            params.flow,
            params.channel_id,
            params.policy,
            max_items=params.max_items,
            on_lag=observe_push_lag,
        )
        return DrainOutput(
            pushed=result.pushed,
            skipped=result.skipped,
            more=result.more,
            wait_seconds=result.wait_seconds,
            next_due_in=result.next_due_in,
        )

    def all(self) -> list[Callable[..., Any]]:
        """Every activity callable (for worker registration)."""
        return [self.links, self.attempt_link, self.abandon_link, self.drain]
