"""Writing intents in the caller's transaction."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, Field
from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from domain.db import PENDING_INTENTS_KEY
from domain.ids import new_id
from domain.intents.models import WorkflowIntent


class IntentSpec(BaseModel):
    """What to start or signal. `workflow_id` must be deterministic (derived from business ids)."""

    kind: Literal["start", "signal"] = "start"
    workflow_type: str
    workflow_id: str
    task_queue: str
    input: dict[str, Any] | None = None
    signal_name: str | None = None
    signal_input: dict[str, Any] | None = None
    search_attributes: dict[str, str] = Field(default_factory=dict)
    key: str | None = None
    # "allow_duplicate": a closed (completed, failed, terminated) workflow with this id may
    # run again - for long-running workflows that a later start or signal must revive.
    id_reuse_policy: Literal["reject_duplicate", "allow_duplicate"] = "reject_duplicate"

    def idempotency_key(self) -> str:
        """The unique key: explicit, or `start:{workflow_id}` for a start."""
        if self.key:
            return self.key
        if self.kind == "start":
            return f"start:{self.workflow_id}"
        raise ValueError("signal intents need an explicit idempotency key")


async def write_intent(session: AsyncSession, spec: IntentSpec) -> str:
    """Insert the intent (or find the existing one with the same key); returns its id.

    The id is remembered on the session so the transaction owner dispatches it after
    commit. Nothing talks to Temporal here.
    """
    key = spec.idempotency_key()
    stmt = (
        insert(WorkflowIntent)
        .values(
            id=new_id(WorkflowIntent.id_prefix),
            key=key,
            kind=spec.kind,
            workflow_type=spec.workflow_type,
            workflow_id=spec.workflow_id,
            task_queue=spec.task_queue,
            input=spec.input,
            signal_name=spec.signal_name,
            signal_input=spec.signal_input,
            search_attributes=spec.search_attributes,
            id_reuse_policy=spec.id_reuse_policy,
        )
        .on_conflict_do_nothing(index_elements=["key"])
        .returning(WorkflowIntent.id)
    )
    intent_id = await session.scalar(stmt)
    if intent_id is None:
        intent_id = await session.scalar(select(WorkflowIntent.id).where(WorkflowIntent.key == key))
        assert intent_id is not None
    mark_for_dispatch(session, intent_id)
    return intent_id


def mark_for_dispatch(session: AsyncSession, intent_id: str) -> None:
    """Ask the transaction owner to dispatch `intent_id` once this transaction commits."""
    session.info.setdefault(PENDING_INTENTS_KEY, []).append(intent_id)
