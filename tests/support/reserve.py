"""Helpers for reserve workflow tests: answer suppliers, read seats and holds, catch failures."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from temporalio.client import Client, WorkflowFailureError, WorkflowHandle
from temporalio.exceptions import ApplicationError

from domain.availability.models import AvailabilityHold, AvailabilitySlot
from domain.db import unit_of_work
from domain.intents.dispatcher import IntentDispatcher
from domain.reservations import service as plans
from domain.reservations.models import ReservationPlan, ReservationPlanLine
from tests.support.quotes import eventually, plan_state
from tourflow.temporal import TemporalClientProvider

Factory = async_sessionmaker[AsyncSession]


def dispatcher_for(temporal_client: Client, session_factory: Factory) -> IntentDispatcher:
    return IntentDispatcher(session_factory, TemporalClientProvider.of(temporal_client))


async def supplier_asked(
    session_factory: Factory, version_id: str
) -> tuple[ReservationPlan, list[ReservationPlanLine], ReservationPlanLine]:
    """Wait until the workflow has asked a supplier; the plan, its lines and the asked line."""

    async def check() -> (
        tuple[ReservationPlan, list[ReservationPlanLine], ReservationPlanLine] | None
    ):
        plan, lines = await plan_state(session_factory, version_id)
        asked = [ln for ln in lines if ln.supplier_status == "requested"]
        return (plan, lines, asked[0]) if asked else None

    return await eventually(check)


async def answer(
    session_factory: Factory,
    dispatcher: IntentDispatcher,
    plan: ReservationPlan,
    line: ReservationPlanLine,
    to: str,
    ref: str | None = None,
    task_queue: str = "q",
) -> None:
    """Staff record the supplier's answer; the signal goes out after commit."""
    async with unit_of_work(session_factory, after_commit=dispatcher.dispatch) as session:
        await plans.answer_supplier(
            session,
            plan_id=plan.id,
            line_id=line.id,
            to=to,
            confirmation_ref=ref,
            actor_id="prin_staff",
            source="staff",
            task_queue=task_queue,
        )


async def seats_left(session_factory: Factory, *slots: AvailabilitySlot) -> list[int | None]:
    async with session_factory() as db:
        return [(await db.get_one(AvailabilitySlot, s.id)).capacity_remaining for s in slots]


async def holds(session_factory: Factory) -> list[tuple[str, int, str]]:
    async with session_factory() as db:
        rows = (await db.scalars(select(AvailabilityHold).order_by(AvailabilityHold.id))).all()
        return [(h.slot_id, h.pax, h.status) for h in rows]


async def failure_of(handle: WorkflowHandle[Any, Any]) -> ApplicationError:
    """The ApplicationError the workflow failed with (fails the test if it succeeded)."""
    with pytest.raises(WorkflowFailureError) as err:
        await handle.result()
    cause = err.value.cause
    assert isinstance(cause, ApplicationError)
    return cause
