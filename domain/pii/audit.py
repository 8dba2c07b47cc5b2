"""The PII audit trail: who encrypted, decrypted or deleted which traveller's details, why."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from domain.db import unit_of_work
from domain.pii.models import PiiAuditEvent


@dataclass(frozen=True, slots=True)
class Actor:
    """The acting principal (None for system jobs such as key rotation)."""

    id: str | None
    kind: str | None


SYSTEM = Actor(id=None, kind="system")


def record(
    session: AsyncSession,
    *,
    action: str,
    traveller_id: str,
    booking_id: str | None,
    actor: Actor,
    reason: str | None,
    outcome: str = "success",
    **details: Any,
) -> PiiAuditEvent:
    """Add an audit row to the caller's transaction (it commits with the operation)."""
    event = PiiAuditEvent(
        action=action,
        traveller_id=traveller_id,
        booking_id=booking_id,
        principal_id=actor.id,
        principal_kind=actor.kind,
        reason=reason,
        outcome=outcome,
        details=details,
    )
    session.add(event)
    return event


async def record_detached(
    factory: async_sessionmaker[AsyncSession],
    *,
    action: str,
    traveller_id: str,
    booking_id: str | None,
    actor: Actor,
    reason: str | None,
    outcome: str,
    **details: Any,
) -> None:
    """Write an audit row in its own transaction, so it survives the request's rollback."""
    async with unit_of_work(factory) as session:
        record(
            session,
            action=action,
            traveller_id=traveller_id,
            booking_id=booking_id,
            actor=actor,
            reason=reason,
            outcome=outcome,
            **details,
        )


async def list_events(
    session: AsyncSession,
    *,
    traveller_id: str | None = None,
    booking_id: str | None = None,
    principal_id: str | None = None,
    action: str | None = None,
    outcome: str | None = None,
    limit: int = 100,
) -> list[PiiAuditEvent]:
    """Newest first, filtered by any of the given fields."""
    stmt = select(PiiAuditEvent).order_by(PiiAuditEvent.created_at.desc(), PiiAuditEvent.id.desc())
    filters = {
        PiiAuditEvent.traveller_id: traveller_id,
        PiiAuditEvent.booking_id: booking_id,
        PiiAuditEvent.principal_id: principal_id,
        PiiAuditEvent.action: action,
        PiiAuditEvent.outcome: outcome,
    }
    for column, value in filters.items():
        if value is not None:
            stmt = stmt.where(column == value)
    return list((await session.scalars(stmt.limit(limit))).all())
