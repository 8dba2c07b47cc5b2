"""Turning committed intents into workflow starts and signals."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import timedelta

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from temporalio.client import Client
from temporalio.common import (
    SearchAttributePair,
    TypedSearchAttributes,
    WorkflowIDConflictPolicy,
    WorkflowIDReusePolicy,
)
from temporalio.exceptions import WorkflowAlreadyStartedError

from domain.errors import Unavailable
from domain.intents.models import WorkflowIntent
from tourflow.temporal import SEARCH_ATTRIBUTES, TemporalClientProvider

log = logging.getLogger(__name__)

# Temporal refusing a start this many times is a bug (bad id, unknown namespace), not an
# outage: the intent is parked as `failed` for an operator. Outages never fail an intent.
MAX_DISPATCH_ATTEMPTS = 20


def _search_attributes(values: dict[str, str]) -> TypedSearchAttributes:
    pairs = [
        SearchAttributePair(SEARCH_ATTRIBUTES[name], value)
        for name, value in values.items()
        if name in SEARCH_ATTRIBUTES
    ]
    return TypedSearchAttributes(pairs)


class IntentDispatcher:
    """Starts or signals the workflow of each pending intent, then marks it started.

    The intent row is locked (`FOR UPDATE SKIP LOCKED`) while Temporal is called, so the
    API's after-commit dispatch and the sweeper never both send one signal. Starts use
    REJECT_DUPLICATE + USE_EXISTING: a second start of the same id is a no-op, never a
    second run (an intent with `id_reuse_policy="allow_duplicate"` may start a new run
    after a closed one: a long-running drainer woken by signal-with-start). A crash
    between the call and the commit re-sends: starts stay no-ops and workflows dedupe
    signals by the intent key carried in the signal input.
    """

    def __init__(
        self, factory: async_sessionmaker[AsyncSession], temporal: TemporalClientProvider
    ) -> None:
        self._factory = factory
        self._temporal = temporal

    async def dispatch(self, intent_ids: Sequence[str]) -> int:
        """Dispatch the given intents; returns how many were accepted by Temporal now."""
        accepted = 0
        for intent_id in intent_ids:
            if await self._dispatch_one(intent_id):
                accepted += 1
        return accepted

    async def redrive(self, *, older_than: timedelta, limit: int = 200) -> int:
        """Dispatch pending intents created more than `older_than` ago (the sweeper's job)."""
        async with self._factory() as session:
            ids = (
                await session.scalars(
                    select(WorkflowIntent.id)
                    .where(
                        WorkflowIntent.status == "pending",
                        WorkflowIntent.created_at <= func.now() - older_than,
                    )
                    .order_by(WorkflowIntent.created_at)
                    .limit(limit)
                )
            ).all()
        return await self.dispatch(ids)

    async def _dispatch_one(self, intent_id: str) -> bool:
        async with self._factory() as session:
            intent = await session.scalar(
                select(WorkflowIntent)
                .where(WorkflowIntent.id == intent_id, WorkflowIntent.status == "pending")
                .with_for_update(skip_locked=True)
            )
            if intent is None:  # already started, or another dispatcher holds it
                return False
            try:
                client = await self._temporal.get()
                run_id = await self._send(client, intent)
            except Exception as exc:
                outage = isinstance(exc, Unavailable)
                give_up = not outage and intent.attempts + 1 >= MAX_DISPATCH_ATTEMPTS
                await session.execute(
                    update(WorkflowIntent)
                    .where(WorkflowIntent.id == intent_id)
                    .values(
                        attempts=WorkflowIntent.attempts + 1,
                        last_error=f"{type(exc).__name__}: {exc}"[:2000],
                        status="failed" if give_up else "pending",
                    )
                )
                await session.commit()
                level = logging.WARNING if outage else logging.ERROR
                log.log(
                    level,
                    "intent dispatch failed; the sweeper will retry",
                    extra={
                        "intent_id": intent_id,
                        "workflow_id": intent.workflow_id,
                        "error": f"{type(exc).__name__}: {exc}",
                    },
                )
                return False
            await session.execute(
                update(WorkflowIntent)
                .where(WorkflowIntent.id == intent_id)
                .values(
                    status="started",
                    attempts=WorkflowIntent.attempts + 1,
                    started_at=func.now(),
                    run_id=run_id,
                    last_error=None,
                )
            )
            await session.commit()
            return True

    @staticmethod
    async def _send(client: Client, intent: WorkflowIntent) -> str | None:
        if intent.kind == "signal" and intent.input is None:
            handle = client.get_workflow_handle(intent.workflow_id)
            await handle.signal(intent.signal_name or "", intent.signal_input)
            return None
        # signal-with-start creates the workflow if needed; a plain start reuses a running one.
        signal = intent.kind == "signal"
        try:
            started = await client.start_workflow(
                intent.workflow_type,
                intent.input,
                id=intent.workflow_id,
                task_queue=intent.task_queue,
                id_reuse_policy=(
                    WorkflowIDReusePolicy.ALLOW_DUPLICATE
                    if intent.id_reuse_policy == "allow_duplicate"
                    else WorkflowIDReusePolicy.REJECT_DUPLICATE
                ),
                id_conflict_policy=(
                    WorkflowIDConflictPolicy.UNSPECIFIED
                    if signal
                    else WorkflowIDConflictPolicy.USE_EXISTING
                ),
                search_attributes=_search_attributes(intent.search_attributes),
                start_signal=intent.signal_name if signal else None,
                start_signal_args=[intent.signal_input] if signal else [],
            )
        except WorkflowAlreadyStartedError:
            return None  # the workflow ran before: a duplicate start is harmless
        run_id: str | None = started.result_run_id
        return run_id
