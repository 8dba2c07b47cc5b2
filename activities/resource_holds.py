"""Activities of the resource-hold cutoff: releasing unpicked units in their own transaction."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from temporalio import activity

from domain.db import unit_of_work
from domain.errors import NotFound
from domain.resources.holds import release_at_cutoff


class HoldCutoffInput(BaseModel):
    """The hold whose unpicked units go back at `cutoff_at`."""

    hold_id: str
    cutoff_at: datetime


class ReleaseInput(BaseModel):
    """Release the unpicked units of one hold."""

    hold_id: str


class ReleaseResult(BaseModel):
    """The hold's status after the cutoff and how many units went back (0 for a no-op)."""

    hold_id: str
    status: str
    released_units: int
    noop: bool


class ResourceHoldActivities:
    """Holds the session factory injected by worker.py."""

    def __init__(self, factory: async_sessionmaker[AsyncSession]) -> None:
        self._factory = factory

    @activity.defn(name="resource_holds.release_at_cutoff")
    async def release_at_cutoff(self, params: ReleaseInput) -> ReleaseResult:
        """Release every unpicked unit and record the event, in one transaction (idempotent)."""
        try:
            async with unit_of_work(self._factory) as session:
                outcome = await release_at_cutoff(session, hold_id=params.hold_id)
        except NotFound:
            # The hold is gone (its program was purged): nothing is left to release.
            return ReleaseResult(
                hold_id=params.hold_id, status="missing", released_units=0, noop=True
            )
        return ReleaseResult(
            hold_id=params.hold_id,
            status=outcome.status,
            released_units=outcome.released_units,
            noop=outcome.noop,
        )
