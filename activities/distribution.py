"""Activities of the distribution workflows (allotment release, inbound channel webhooks)."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from temporalio import activity

from domain.db import AfterCommit, unit_of_work
from domain.distribution import release_rules, webhooks


class ReleaseCheckInput(BaseModel):
    """Release `target_id` if its rule's time passed `as_of` (the workflow's clock)."""

    target_id: str
    as_of: datetime


class ReleaseState(BaseModel):
    """released / expired / retained / closed (done), or waiting until `wake_at`."""

    state: str
    wake_at: datetime | None = None
    capacity_released: int = 0


class ReleaseSweepInput(BaseModel):
    """Release targets due by `as_of`, at most `limit` of them."""

    as_of: datetime
    limit: int = 200


class ReleaseSweepBatch(BaseModel):
    """The targets this batch released (fewer than `limit`: the sweep is done)."""

    target_ids: list[str]
    due: int


class WebhookInput(BaseModel):
    """Process one stored inbound webhook event."""

    event_id: str


class WebhookFailure(BaseModel):
    """Processing of `event_id` gave up with `error`."""

    event_id: str
    error: str


class WebhookOutcome(BaseModel):
    """processed / failed / ignored, with what happened."""

    status: str
    outcome: str | None = None
    error: str | None = None


class DistributionActivities:
    """Database work for distribution workflows; each call owns its transaction."""

    def __init__(
        self,
        factory: async_sessionmaker[AsyncSession],
        task_queue: str,
        after_commit: AfterCommit | None = None,
    ) -> None:
        self._factory = factory
        self._task_queue = task_queue
        self._after_commit = after_commit

    @activity.defn(name="distribution.release_if_due")
    async def release_if_due(self, params: ReleaseCheckInput) -> ReleaseState:
        """Apply the target's release rule when due; report what is left to wait for."""
        async with unit_of_work(self._factory) as session:
            check = await release_rules.release_if_due(
                session, target_id=params.target_id, as_of=params.as_of
            )
        return ReleaseState(
            state=check.state, wake_at=check.wake_at, capacity_released=check.capacity_released
        )

    @activity.defn(name="distribution.release_due_batch")
    async def release_due_batch(self, params: ReleaseSweepInput) -> ReleaseSweepBatch:
        """One page of the release sweep; each target in its own transaction."""
        async with self._factory() as session:
            due = len(
                await release_rules.due_target_ids(session, as_of=params.as_of, limit=params.limit)
            )
        released = await release_rules.sweep_due(
            self._factory, as_of=params.as_of, limit=params.limit
        )
        return ReleaseSweepBatch(target_ids=released, due=due)

    @activity.defn(name="distribution.process_webhook")
    async def process_webhook(self, params: WebhookInput) -> WebhookOutcome:
        """Apply an inbound channel event (idempotent: a processed event is left alone)."""
        result = await webhooks.process_event(
            self._factory,
            event_id=params.event_id,
            task_queue=self._task_queue,
            after_commit=self._after_commit,
        )
        return WebhookOutcome(status=result.status, outcome=result.outcome, error=result.error)

    @activity.defn(name="distribution.fail_webhook")
    async def fail_webhook(self, params: WebhookFailure) -> WebhookOutcome:
        """Mark a still-pending event failed once its processing gave up."""
        result = await webhooks.mark_failed(
            self._factory, event_id=params.event_id, error=params.error
        )
        return WebhookOutcome(status=result.status, outcome=result.outcome, error=result.error)

    def all(self) -> list[object]:
        """Every activity of this class, for the worker."""
        return [
            self.release_if_due,
            self.release_due_batch,
            self.process_webhook,
            self.fail_webhook,
        ]
