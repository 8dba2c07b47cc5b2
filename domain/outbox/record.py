"""Recording events inside the caller's transaction."""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from domain.outbox.models import OutboxEvent


def record_event(
    session: AsyncSession,
    *,
    aggregate_type: str,
    aggregate_id: str,
    event_type: str,
    payload: dict[str, Any],
) -> OutboxEvent:
    """Add an event to the session; it commits (or rolls back) with the caller's change.

    Callers must hold a lock on the aggregate (or have just inserted it) so that events
    of one aggregate get increasing `seq` values in commit order.
    """
    event = OutboxEvent(
        aggregate_type=aggregate_type,
        aggregate_id=aggregate_id,
        event_type=event_type,
        payload=payload,
    )
    session.add(event)
    return event
