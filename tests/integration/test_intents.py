import pytest
from sqlalchemy import func, select

from domain.db import unit_of_work
from domain.intents.models import WorkflowIntent
from domain.intents.service import IntentSpec, write_intent


def spec(workflow_id="echo:1", **overrides):
    return IntentSpec(
        workflow_type="TestEcho",
        workflow_id=workflow_id,
        task_queue="q",
        input={"message": "hi"},
        **overrides,
    )


async def count(session_factory):
    async with session_factory() as s:
        return await s.scalar(select(func.count()).select_from(WorkflowIntent))


async def test_writing_the_same_start_intent_twice_keeps_one_row(session_factory):
    dispatched = []

    async def capture(ids):
        dispatched.append(ids)

    for _ in range(2):
        async with unit_of_work(session_factory, after_commit=capture) as session:
            await write_intent(session, spec())
    assert await count(session_factory) == 1
    assert dispatched[0] == dispatched[1]


async def test_an_intent_is_handed_to_the_dispatcher_only_after_commit(session_factory):
    dispatched = []

    async def capture(ids):
        async with session_factory() as s:  # visible to another connection = committed
            found = await s.scalar(select(WorkflowIntent.status).where(WorkflowIntent.id == ids[0]))
        dispatched.append(found)

    async with unit_of_work(session_factory, after_commit=capture) as session:
        await write_intent(session, spec())
        assert dispatched == []
    assert dispatched == ["pending"]


async def test_a_rolled_back_transaction_leaves_no_intent_and_dispatches_nothing(session_factory):
    dispatched = []

    async def capture(ids):
        dispatched.append(ids)

    with pytest.raises(ZeroDivisionError):
        async with unit_of_work(session_factory, after_commit=capture) as session:
            await write_intent(session, spec())
            1 / 0  # noqa: B018
    assert dispatched == []
    assert await count(session_factory) == 0
