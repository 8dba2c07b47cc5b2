import time
import uuid
from datetime import date, timedelta

from sqlalchemy import select

from activities.resource_holds import HoldCutoffInput
from domain.db import unit_of_work
from domain.intents.dispatcher import IntentDispatcher
from domain.outbox.models import OutboxEvent
from domain.resources import holds
from domain.resources.hold_models import ResourceHoldDate
from tests.support import resources as make
from tourflow.temporal import TemporalClientProvider
from worker import build_worker
from workflows.resource_hold_cutoff import HoldCutoffResult, ResourceHoldCutoffWorkflow


async def hold_state(session_factory, hold):
    async with session_factory() as s:
        row = await holds.get_hold(s, hold_id=hold.id)
        dates = await s.scalars(
            select(ResourceHoldDate)
            .where(ResourceHoldDate.hold_id == hold.id)
            .order_by(ResourceHoldDate.date)
        )
        events = await s.scalars(
            select(OutboxEvent.payload).where(
                OutboxEvent.aggregate_id == hold.id,
                OutboxEvent.event_type == "resource_hold.cutoff_released",
            )
        )
        return row.status, [(d.picked_up, d.released) for d in dates], list(events)


async def pick(session_factory, hold, quantity, key="s1"):
    async with unit_of_work(session_factory) as session:
        await holds.pick_up(
            session, hold_id=hold.id, day=date(2026, 9, 1), session_key=key, quantity=quantity
        )


async def days_ahead(env, days):
    """A cutoff `days` after the test server's clock, which earlier tests may have advanced."""
    return await env.get_current_time() + timedelta(days=days)


async def run_cutoff(env, queue, hold):
    return await env.client.execute_workflow(
        ResourceHoldCutoffWorkflow.run,
        HoldCutoffInput(hold_id=hold.id, cutoff_at=hold.cutoff_at),
        id=holds.cutoff_workflow_id(hold.id),
        task_queue=queue,
        result_type=HoldCutoffResult,
    )


async def test_a_hold_placed_with_a_cutoff_days_away_releases_unpicked_units_at_the_cutoff(
    time_skipping_env, session_factory
):
    env, queue = time_skipping_env, f"tq-{uuid.uuid4().hex}"
    dispatcher = IntentDispatcher(session_factory, TemporalClientProvider.of(env.client))
    began = time.monotonic()
    async with build_worker(env.client, session_factory, task_queue=queue):
        # The real path: the hold's transaction writes the intent, the commit starts the workflow.
        async with unit_of_work(session_factory, after_commit=dispatcher.dispatch) as session:
            hold = await holds.place_hold(
                session,
                kind="room",
                program_id="prog_congress",
                description="Sofitel, 10 doubles",
                dates=[(date(2026, 9, 1), 10), (date(2026, 9, 2), 5)],
                status="held",
                cutoff_at=await days_ahead(env, 5),
                task_queue=queue,
            )
        await pick(session_factory, hold, quantity=4)
        assert (await hold_state(session_factory, hold))[0] == "held"
        # The dispatcher started the workflow, so skip the virtual clock past the cutoff
        # by hand (only handles returned by the env's own start skip time on result()).
        await env.sleep(timedelta(days=5, minutes=1))
        handle = env.client.get_workflow_handle(
            holds.cutoff_workflow_id(hold.id), result_type=HoldCutoffResult
        )
        result = await handle.result()
    assert time.monotonic() - began < 60
    assert result.ran_at >= hold.cutoff_at
    assert (result.release.status, result.release.released_units) == ("expired", 11)
    status, dates, events = await hold_state(session_factory, hold)
    assert (status, dates) == ("expired", [(4, 6), (0, 5)])
    assert [e["dates"] for e in events] == [
        [{"date": "2026-09-01", "released": 6}, {"date": "2026-09-02", "released": 5}]
    ]


async def test_the_cutoff_of_a_confirmed_fully_picked_hold_is_a_noop(
    time_skipping_env, session_factory
):
    queue = f"tq-{uuid.uuid4().hex}"
    hold = await make.hold(
        session_factory,
        dates=[(date(2026, 9, 1), 2)],
        cutoff_at=await days_ahead(time_skipping_env, 3),
    )
    async with unit_of_work(session_factory) as session:
        await holds.change_status(session, hold_id=hold.id, target="confirmed", task_queue=queue)
    await pick(session_factory, hold, quantity=2)
    async with build_worker(time_skipping_env.client, session_factory, task_queue=queue):
        result = await run_cutoff(time_skipping_env, queue, hold)
    assert (result.release.noop, result.release.status) == (True, "confirmed")
    assert await hold_state(session_factory, hold) == ("confirmed", [(2, 0)], [])


async def test_the_cutoff_of_a_hold_cancelled_before_it_is_a_noop(
    time_skipping_env, session_factory
):
    queue = f"tq-{uuid.uuid4().hex}"
    hold = await make.hold(session_factory, cutoff_at=await days_ahead(time_skipping_env, 10))
    async with unit_of_work(session_factory) as session:
        await holds.change_status(session, hold_id=hold.id, target="cancelled", task_queue=queue)
    async with build_worker(time_skipping_env.client, session_factory, task_queue=queue):
        result = await run_cutoff(time_skipping_env, queue, hold)
    assert (result.release.noop, result.release.released_units) == (True, 0)
    assert await hold_state(session_factory, hold) == ("cancelled", [(0, 0), (0, 0)], [])


async def test_a_confirmed_hold_keeps_its_status_and_gives_back_only_the_unpicked_rest(
    time_skipping_env, session_factory
):
    queue = f"tq-{uuid.uuid4().hex}"
    hold = await make.hold(session_factory, cutoff_at=await days_ahead(time_skipping_env, 2))
    async with unit_of_work(session_factory) as session:
        await holds.change_status(session, hold_id=hold.id, target="confirmed", task_queue=queue)
    await pick(session_factory, hold, quantity=9)
    async with build_worker(time_skipping_env.client, session_factory, task_queue=queue):
        result = await run_cutoff(time_skipping_env, queue, hold)
    assert (result.release.status, result.release.released_units) == ("confirmed", 11)
    status, dates, _ = await hold_state(session_factory, hold)
    assert (status, dates) == ("confirmed", [(9, 1), (0, 10)])
