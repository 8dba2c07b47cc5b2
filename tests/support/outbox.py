"""Test subscribers whose effects land in an `effects` table without a unique constraint.

A duplicate delivery would therefore show as a duplicate row.
"""

from __future__ import annotations

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from domain.outbox.subscribers import Event


async def create_effects_table(engine: AsyncEngine) -> None:
    async with engine.begin() as conn:
        await conn.execute(
            text(
                "CREATE TABLE IF NOT EXISTS effects (subscriber text, event_id text, "
                "aggregate_id text, seq bigint, at timestamptz DEFAULT clock_timestamp())"
            )
        )


async def write_effect(session: AsyncSession, subscriber: str, event: Event) -> None:
    await session.execute(
        text(
            "INSERT INTO effects (subscriber, event_id, aggregate_id, seq) VALUES (:s, :e, :a, :q)"
        ),
        {"s": subscriber, "e": event.id, "a": event.aggregate_id, "q": event.seq},
    )


async def effects(
    engine: AsyncEngine, subscriber: str | None = None
) -> list[tuple[str, str, str, int]]:
    sql = "SELECT subscriber, event_id, aggregate_id, seq FROM effects"
    params = {}
    if subscriber:
        sql += " WHERE subscriber = :s"
        params["s"] = subscriber
    async with engine.connect() as conn:
        rows = (await conn.execute(text(sql + " ORDER BY at"), params)).all()
    return [tuple(r) for r in rows]
