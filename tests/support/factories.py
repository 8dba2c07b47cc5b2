"""Small factories with keyword overrides and unique references."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from domain.db import unit_of_work
from domain.outbox.record import record_event


async def events(
    factory: async_sessionmaker[AsyncSession],
    *,
    aggregate_id: str | None = None,
    count: int = 1,
    event_type: str = "thing.happened",
    **payload: Any,
) -> list[str]:
    """Record `count` events of one aggregate in one committed transaction; returns their ids."""
    aggregate_id = aggregate_id or f"agg_{uuid.uuid4().hex[:8]}"
    async with unit_of_work(factory) as session:
        recorded = [
            record_event(
                session,
                aggregate_type="thing",
                aggregate_id=aggregate_id,
                event_type=event_type,
                payload={"n": n, **payload},
            )
            for n in range(count)
        ]
    return [e.id for e in recorded]
