"""Activities of the intent sweeper."""

from __future__ import annotations

from datetime import timedelta

from pydantic import BaseModel
from temporalio import activity

from domain.intents.dispatcher import IntentDispatcher


class RedriveInput(BaseModel):
    """Re-drive pending intents older than `older_than_seconds`, at most `limit` of them."""

    older_than_seconds: float = 5.0
    limit: int = 500


class RedriveResult(BaseModel):
    """How many intents Temporal accepted in this sweep."""

    started: int


class IntentActivities:
    """Holds the dispatcher injected by worker.py."""

    def __init__(self, dispatcher: IntentDispatcher) -> None:
        self._dispatcher = dispatcher

    @activity.defn(name="intents.redrive")
    async def redrive(self, params: RedriveInput) -> RedriveResult:
        """Start or signal every stale pending intent's workflow."""
        started = await self._dispatcher.redrive(
            older_than=timedelta(seconds=params.older_than_seconds), limit=params.limit
        )
        return RedriveResult(started=started)
