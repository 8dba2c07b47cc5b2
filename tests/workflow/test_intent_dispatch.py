import uuid
from datetime import timedelta

from sqlalchemy import select

from activities.intents import RedriveInput
from domain.db import unit_of_work
from domain.intents.dispatcher import MAX_DISPATCH_ATTEMPTS, IntentDispatcher
from domain.intents.models import WorkflowIntent
from domain.intents.service import IntentSpec, write_intent
from tests.support.workflows import EchoWorkflow, Note
from tourflow.embedded import free_port
from tourflow.temporal import SEARCH_ATTRIBUTES, TemporalClientProvider
from worker import build_worker
from workflows.intent_sweeper import IntentSweeperWorkflow


def echo_spec(task_queue, message="hello", **overrides):
    wid = overrides.pop("workflow_id", f"echo:{uuid.uuid4().hex}")
    return IntentSpec(
        workflow_type="TestEcho",
        workflow_id=wid,
        task_queue=task_queue,
        input={"message": message},
        **overrides,
    )


async def intent_row(session_factory, intent_id):
    async with session_factory() as s:
        return await s.get_one(WorkflowIntent, intent_id)


def worker_for(temporal_client, session_factory, task_queue):
    return build_worker(
        temporal_client, session_factory, task_queue=task_queue, extra_workflows=[EchoWorkflow]
    )


async def test_a_committed_intent_starts_its_workflow_with_a_deterministic_id_and_search_attributes(
    temporal_client, session_factory, task_queue
):
    dispatcher = IntentDispatcher(session_factory, TemporalClientProvider.of(temporal_client))
    booking = f"book_{uuid.uuid4().hex}"
    spec = echo_spec(task_queue, search_attributes={"BookingId": booking})
    async with worker_for(temporal_client, session_factory, task_queue):
        async with unit_of_work(session_factory, after_commit=dispatcher.dispatch) as session:
            intent_id = await write_intent(session, spec)
        handle = temporal_client.get_workflow_handle(spec.workflow_id)
        assert await handle.result() == "hello"
    row = await intent_row(session_factory, intent_id)
    assert (row.status, row.attempts) == ("started", 1)
    desc = await handle.describe()
    assert desc.typed_search_attributes.get(SEARCH_ATTRIBUTES["BookingId"]) == booking


async def test_starting_the_same_intent_again_never_creates_a_second_run(
    temporal_client, session_factory, task_queue
):
    dispatcher = IntentDispatcher(session_factory, TemporalClientProvider.of(temporal_client))
    spec = echo_spec(task_queue)
    async with worker_for(temporal_client, session_factory, task_queue):
        for _ in range(2):  # a duplicate API request writes the same key
            async with unit_of_work(session_factory, after_commit=dispatcher.dispatch) as session:
                intent_id = await write_intent(session, spec)
        first_run = (await temporal_client.get_workflow_handle(spec.workflow_id).describe()).run_id
        await temporal_client.get_workflow_handle(spec.workflow_id).result()
        # Force a re-send as a crash between "started" and the status update would.
        async with unit_of_work(session_factory) as session:
            (await session.get_one(WorkflowIntent, intent_id)).status = "pending"
        assert await dispatcher.dispatch([intent_id]) == 1
    runs = [w async for w in temporal_client.list_workflows(f"WorkflowId = '{spec.workflow_id}'")]
    assert [r.run_id for r in runs] == [first_run]


async def test_an_intent_written_while_temporal_is_down_is_started_by_the_sweeper_once_it_is_back(
    temporal_client, session_factory, task_queue
):
    down = IntentDispatcher(
        session_factory, TemporalClientProvider(f"127.0.0.1:{free_port()}", "default")
    )
    spec = echo_spec(task_queue, message="survived")
    async with unit_of_work(session_factory, after_commit=down.dispatch) as session:
        intent_id = await write_intent(session, spec)
    row = await intent_row(session_factory, intent_id)
    assert (row.status, row.attempts) == ("pending", 1)
    assert "not reachable" in (row.last_error or "")

    async with worker_for(temporal_client, session_factory, task_queue):
        result = await temporal_client.execute_workflow(
            IntentSweeperWorkflow.run,
            RedriveInput(older_than_seconds=0),
            id=f"sweep-{uuid.uuid4().hex}",
            task_queue=task_queue,
            execution_timeout=timedelta(seconds=60),
        )
        assert result.started >= 1
        assert await temporal_client.get_workflow_handle(spec.workflow_id).result() == "survived"
    row = await intent_row(session_factory, intent_id)
    assert (row.status, row.attempts, row.last_error) == ("started", 2, None)


async def test_signal_intents_reach_a_running_workflow_and_signal_with_start_creates_one(
    temporal_client, session_factory, task_queue
):
    dispatcher = IntentDispatcher(session_factory, TemporalClientProvider.of(temporal_client))
    spec = echo_spec(task_queue, message="wait")
    async with worker_for(temporal_client, session_factory, task_queue):
        async with unit_of_work(session_factory, after_commit=dispatcher.dispatch) as session:
            await write_intent(session, spec)
            await write_intent(
                session,
                IntentSpec(
                    kind="signal",
                    key="note:a",
                    workflow_type="TestEcho",
                    workflow_id=spec.workflow_id,
                    task_queue=task_queue,
                    signal_name="note",
                    signal_input=Note(key="a", text="A").model_dump(),
                ),
            )
        # signal-with-start on a workflow that does not exist yet
        other = echo_spec(task_queue, message="wait")
        async with unit_of_work(session_factory, after_commit=dispatcher.dispatch) as session:
            await write_intent(
                session,
                other.model_copy(
                    update={
                        "kind": "signal",
                        "key": "note:b",
                        "signal_name": "note",
                        "signal_input": Note(key="b", text="B").model_dump(),
                    }
                ),
            )
        for wid in (spec.workflow_id, other.workflow_id):
            await temporal_client.get_workflow_handle(wid).signal("finish")
        assert await temporal_client.get_workflow_handle(spec.workflow_id).result() == "A"
        assert await temporal_client.get_workflow_handle(other.workflow_id).result() == "B"
    async with session_factory() as s:
        statuses = (await s.scalars(select(WorkflowIntent.status))).all()
    assert statuses == ["started"] * 3


async def test_a_start_that_temporal_keeps_refusing_is_marked_failed_after_its_last_attempt(
    temporal_client, session_factory
):
    dispatcher = IntentDispatcher(session_factory, TemporalClientProvider.of(temporal_client))
    spec = echo_spec("q").model_copy(update={"workflow_id": ""})  # Temporal rejects an empty id
    async with unit_of_work(session_factory, after_commit=dispatcher.dispatch) as session:
        intent_id = await write_intent(session, spec)
    row = await intent_row(session_factory, intent_id)
    assert (row.status, row.attempts) == ("pending", 1)
    assert "RPCError" in (row.last_error or "")
    async with unit_of_work(session_factory) as session:
        (await session.get_one(WorkflowIntent, intent_id)).attempts = MAX_DISPATCH_ATTEMPTS - 1
    await dispatcher.dispatch([intent_id])
    row = await intent_row(session_factory, intent_id)
    assert (row.status, row.attempts) == ("failed", MAX_DISPATCH_ATTEMPTS)
