"""Key rotation: re-wrap every envelope's data key under the current KMS key version.

Only the wrapped data keys change; ciphertexts stay as they are. Batches commit one by
one and skip rows a writer holds, so the API keeps serving during a rewrap; a row
written meanwhile is sealed under the current version anyway.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import ColumnElement, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from adapters.kms.base import KeyRef, KmsProvider
from domain.db import unit_of_work
from domain.pii import audit
from domain.pii.envelope import Envelope, rewrap
from domain.pii.models import TravellerTravelDetails as Row
from domain.pii.service import context_for


@dataclass(frozen=True, slots=True)
class RewrapReport:
    """How many envelopes moved to `current`, and how many still wait (locked meanwhile)."""

    current: KeyRef
    rewrapped: int
    remaining: int


def _stale(current: KeyRef) -> ColumnElement[bool]:
    return or_(Row.key_id != current.key_id, Row.key_version != current.key_version)


async def rewrap_batch(session: AsyncSession, kms: KmsProvider, *, limit: int) -> int:
    """Re-wrap up to `limit` envelopes not on the current key version; returns how many."""
    current = await kms.current_key()
    rows = (
        await session.scalars(
            select(Row)
            .where(_stale(current))
            .order_by(Row.id)
            .limit(limit)
            .with_for_update(skip_locked=True)
        )
    ).all()
    for row in rows:
        old = Envelope.from_json(row.envelope)
        new = await rewrap(kms, old, context=context_for(row.traveller_id))
        row.envelope = new.to_json()
        row.key_id, row.key_version = new.key_id, new.key_version
        audit.record(
            session,
            action="rewrap",
            traveller_id=row.traveller_id,
            booking_id=row.booking_id,
            actor=audit.SYSTEM,
            reason="key rotation",
            from_key=f"{old.key_id}/{old.key_version}",
            to_key=f"{new.key_id}/{new.key_version}",
        )
    await session.flush()
    return len(rows)


async def rewrap_all(
    factory: async_sessionmaker[AsyncSession], kms: KmsProvider, *, batch_size: int = 200
) -> RewrapReport:
    """Re-wrap everything stale, one committed batch at a time."""
    total = 0
    while True:
        async with unit_of_work(factory) as session:
            done = await rewrap_batch(session, kms, limit=batch_size)
        total += done
        if done < batch_size:
            break
    current = await kms.current_key()
    async with factory() as session:
        remaining = await session.scalar(
            select(func.count()).select_from(Row).where(_stale(current))
        )
    return RewrapReport(current=current, rewrapped=total, remaining=int(remaining or 0))
