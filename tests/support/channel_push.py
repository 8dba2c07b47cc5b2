"""Channel push test helpers: the simulated OTA served for real, connected channels."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

import httpx
from sqlalchemy import insert
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from adapters.channels.sim_channel import SimConfig, SimState, create_sim_channel_app
from domain.channel_push import starts
from domain.channel_push.models import ChannelAvailabilityPushIntent, ChannelConnection
from domain.channel_push.policy import PushPolicy
from domain.db import unit_of_work
from domain.distribution.models import Channel
from domain.ids import new_id
from domain.intents.dispatcher import IntentDispatcher
from tests.support.distribution import make_channel, make_contract
from tests.support.serving import serve

SECRET = "sim-channel-secret"
# Short retries so outage tests finish in seconds.
FAST = PushPolicy(
    max_attempts=5,
    initial_interval_seconds=0.1,
    max_interval_seconds=0.3,
    held_recheck_seconds=0.2,
    held_max_seconds=0.5,
)


@dataclass
class Sim:
    """A running simulated channel: its URL and its in-memory state."""

    url: str
    state: SimState

    def requests(self, path_prefix: str = "/v1/") -> list[dict[str, Any]]:
        """The channel requests it received (admin calls are never logged)."""
        return [r for r in self.state.requests if r["path"].startswith(path_prefix)]

    async def admin(self, method: str, path: str, body: Any = None) -> Any:
        """Call the admin API over HTTP."""
        async with httpx.AsyncClient(base_url=self.url) as client:
            resp = await client.request(method, path, json=body)
            resp.raise_for_status()
            return resp.json()


@asynccontextmanager
async def sim_channel(secret: str | None = SECRET, **config: Any) -> AsyncIterator[Sim]:
    """Serve a simulated channel on a free port for the block."""
    state = SimState(secret=secret, config=SimConfig(**config))
    async with serve(create_sim_channel_app(state=state)) as url:
        yield Sim(url, state)


async def connected_channel(
    factory: async_sessionmaker[AsyncSession],
    url: str,
    *,
    secret: str | None = SECRET,
    contract: dict[str, Any] | None = None,
    **channel_overrides: Any,
) -> Channel:
    """An OTA channel with an active connection to `url` (and a contract when given)."""
    async with unit_of_work(factory) as session:
        channel = await make_channel(session, **channel_overrides)
        session.add(ChannelConnection(channel_id=channel.id, base_url=url, secret=secret))
        if contract is not None:
            await make_contract(session, channel, **contract)
    return channel


async def backlog(factory: async_sessionmaker[AsyncSession], channel: Channel, size: int) -> None:
    """`size` pending availability intents (slots that no longer exist: pushed as 0)."""
    async with unit_of_work(factory) as session:
        await session.execute(
            insert(ChannelAvailabilityPushIntent),
            [
                {
                    "id": new_id(ChannelAvailabilityPushIntent.id_prefix),
                    "channel_id": channel.id,
                    "slot_id": f"avsl_gone_{n:05d}",
                    "seq": 1,
                }
                for n in range(size)
            ],
        )


async def wake(
    factory: async_sessionmaker[AsyncSession],
    dispatcher: IntentDispatcher,
    channel: Channel,
    task_queue: str,
) -> None:
    """Signal-with-start the channel's availability drainer."""
    async with unit_of_work(factory, after_commit=dispatcher.dispatch) as session:
        await starts.wake_queue(
            session,
            flow="availability",
            channel_id=channel.id,
            task_queue=task_queue,
            policy=FAST,
            cause="backlog",
        )
