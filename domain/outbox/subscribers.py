"""Subscriber declarations: a name, the event types it wants, and an async handler."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession


@dataclass(frozen=True, slots=True)
class Event:
    """An outbox event as handlers see it."""

    id: str
    seq: int
    aggregate_type: str
    aggregate_id: str
    event_type: str
    payload: dict[str, Any]
    occurred_at: datetime


Handler = Callable[[AsyncSession, Event], Awaitable[None]]


@dataclass(frozen=True, slots=True)
class Subscriber:
    """A named consumer. `event_types` entries match exactly, or by prefix when ending in '*'.

    The handler runs inside the transaction that marks its delivery done: database
    effects it makes happen exactly once. Non-database effects (starting workflows)
    must go through `write_intent`, which the relay dispatches after commit.
    """

    name: str
    event_types: tuple[str, ...]
    handler: Handler
    max_attempts: int = 10

    def wants(self, event_type: str) -> bool:
        """True when this subscriber takes events of `event_type`."""
        for pattern in self.event_types:
            if pattern.endswith("*") and event_type.startswith(pattern[:-1]):
                return True
            if pattern == event_type:
                return True
        return False
