"""The outbox relay: fan events out to subscribers, then deliver each copy once.

Several relays (one per worker process) run at once safely:
- fan-out is serialised by a transaction-scoped advisory lock (it is one cheap batch);
- delivery claims one pending row with `FOR UPDATE SKIP LOCKED`, runs the handler in
  that same transaction and marks the row delivered before commit. A crash rolls the
  whole transaction back, the row unlocks, and the next relay redelivers it.
- a copy is only eligible when no earlier copy of the same aggregate for the same
  subscriber is still pending, which keeps per-aggregate order under concurrency.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Sequence
from datetime import timedelta

from sqlalchemy import func, insert, select, text, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from domain.db import AfterCommit, take_pending_intents
from domain.ids import new_id
from domain.outbox.models import OutboxDelivery, OutboxEvent
from domain.outbox.subscribers import Event, Subscriber

log = logging.getLogger(__name__)

FAN_OUT_LOCK = 0x7F0F_0001  # advisory lock key for the fan-out step
FAN_OUT_BATCH = 500

_CLAIM = text(
    """
    SELECT d.id FROM outbox_deliveries d
    WHERE d.status = 'pending' AND d.available_at <= now()
      AND d.subscriber = ANY(:subscribers)
      AND NOT EXISTS (
        SELECT 1 FROM outbox_deliveries p
        WHERE p.status = 'pending' AND p.subscriber = d.subscriber
          AND p.aggregate_type = d.aggregate_type AND p.aggregate_id = d.aggregate_id
          AND p.event_seq < d.event_seq)
    ORDER BY d.available_at, d.event_seq
    LIMIT 1
    FOR UPDATE OF d SKIP LOCKED
    """
)


def retry_delay(attempts: int) -> timedelta:
    """Exponential backoff for a failed delivery: 1 s, 2 s, 4 s ... capped at 5 minutes."""
    return timedelta(seconds=min(300, 2 ** max(0, attempts - 1)))


class OutboxRelay:
    """Delivers outbox events to a fixed set of subscribers."""

    def __init__(
        self,
        factory: async_sessionmaker[AsyncSession],
        subscribers: Sequence[Subscriber],
        *,
        after_commit: AfterCommit | None = None,
    ) -> None:
        names = [s.name for s in subscribers]
        if len(set(names)) != len(names):
            raise ValueError(f"duplicate subscriber names: {names}")
        self._factory = factory
        self._subscribers = {s.name: s for s in subscribers}
        self._after_commit = after_commit

    async def fan_out(self) -> int:
        """Create delivery rows for events not yet fanned out; returns events processed."""
        async with self._factory() as session, session.begin():
            got = await session.scalar(select(func.pg_try_advisory_xact_lock(FAN_OUT_LOCK)))
            if not got:
                return 0
            events = (
                (
                    await session.execute(
                        select(OutboxEvent)
                        .where(OutboxEvent.fanned_out_at.is_(None))
                        .order_by(OutboxEvent.seq)
                        .limit(FAN_OUT_BATCH)
                    )
                )
                .scalars()
                .all()
            )
            if not events:
                return 0
            rows = [
                {
                    "id": new_id(OutboxDelivery.id_prefix),
                    "event_id": e.id,
                    "event_seq": e.seq,
                    "aggregate_type": e.aggregate_type,
                    "aggregate_id": e.aggregate_id,
                    "subscriber": s.name,
                }
                for e in events
                for s in self._subscribers.values()
                if s.wants(e.event_type)
            ]
            if rows:
                await session.execute(insert(OutboxDelivery), rows)
            await session.execute(
                update(OutboxEvent)
                .where(OutboxEvent.id.in_([e.id for e in events]))
                .values(fanned_out_at=func.now())
            )
            return len(events)

    async def deliver_one(self) -> bool:
        """Claim and deliver one pending copy; returns False when nothing was ready."""
        async with self._factory() as session:
            delivery_id = await session.scalar(_CLAIM, {"subscribers": list(self._subscribers)})
            if delivery_id is None:
                await session.rollback()
                return False
            delivery = await session.get_one(OutboxDelivery, delivery_id)
            row = await session.get_one(OutboxEvent, delivery.event_id)
            event = Event(
                id=row.id,
                seq=row.seq,
                aggregate_type=row.aggregate_type,
                aggregate_id=row.aggregate_id,
                event_type=row.event_type,
                payload=row.payload,
                occurred_at=row.occurred_at,
            )
            subscriber = self._subscribers[delivery.subscriber]
            try:
                await subscriber.handler(session, event)
                await session.execute(
                    update(OutboxDelivery)
                    .where(OutboxDelivery.id == delivery_id)
                    .values(
                        status="delivered",
                        attempts=OutboxDelivery.attempts + 1,
                        delivered_at=func.now(),
                        last_error=None,
                    )
                )
                await session.commit()
            except Exception as exc:  # a handler failure is data, not a relay crash
                await session.rollback()
                take_pending_intents(session)
                await self._record_failure(delivery_id, subscriber, exc)
                return True
            intents = take_pending_intents(session)
        if intents and self._after_commit is not None:
            await self._after_commit(intents)
        return True

    async def _record_failure(
        self, delivery_id: str, subscriber: Subscriber, exc: Exception
    ) -> None:
        async with self._factory() as session, session.begin():
            delivery = await session.get_one(OutboxDelivery, delivery_id, with_for_update=True)
            attempts = delivery.attempts + 1
            values: dict[str, object] = {
                "attempts": attempts,
                "last_error": f"{type(exc).__name__}: {exc}"[:2000],
            }
            if attempts >= subscriber.max_attempts:
                # Give up visibly: later events of this aggregate are no longer held back.
                values["status"] = "dead"
                log.error(
                    "outbox delivery dead",
                    extra={"delivery_id": delivery_id, "subscriber": subscriber.name},
                )
            else:
                values["available_at"] = func.now() + retry_delay(attempts)
                log.warning(
                    "outbox delivery failed, will retry",
                    extra={"delivery_id": delivery_id, "subscriber": subscriber.name},
                )
            await session.execute(
                update(OutboxDelivery).where(OutboxDelivery.id == delivery_id).values(**values)
            )

    async def drain(self, *, max_deliveries: int = 10_000) -> int:
        """Fan out and deliver until nothing is ready; returns deliveries attempted."""
        done = 0
        while done < max_deliveries:
            await self.fan_out()
            if not await self.deliver_one():
                break
            done += 1
        return done

    async def run(self, *, poll_interval: float, stop: asyncio.Event) -> None:
        """Relay forever (until `stop`), polling when idle; database errors are retried."""
        while not stop.is_set():
            try:
                worked = await self.drain(max_deliveries=200)
            except Exception:
                log.exception("outbox relay iteration failed")
                worked = 0
            if not worked:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(stop.wait(), timeout=poll_interval)
