import asyncio

import pytest
from sqlalchemy import func, select
from temporalio import activity
from temporalio.client import WorkflowFailureError
from temporalio.exceptions import CancelledError
from temporalio.worker import Worker

from activities.reserve import HoldStep, LineStatus, LineStep, ReserveActivities, StepResult
from domain.bookings.models import (
    BookingAllocation,
    BookingOrigin,
)
from domain.outbox.models import OutboxEvent
from tests.support.catalog import product_with_option
from tests.support.quotes import (
    accept,
    catalog_line,
    future_slot,
    manual_line,
    plan_state,
    sent_version,
    unit,
)
from tests.support.reserve import (
    answer,
    dispatcher_for,
    failure_of,
    holds,
    seats_left,
    supplier_asked,
)
from worker import build_worker
from workflows.reserve import ReserveInput, ReserveWorkflow, SupplierAnswered


async def test_a_worker_stopped_mid_plan_is_resumed_by_another_with_one_booking_and_no_leak(
    temporal_client, session_factory, task_queue
):
    _, option_a = await product_with_option(session_factory)
    _, option_b = await product_with_option(session_factory)
    a = await future_slot(session_factory, option_a, capacity=10)
    unit_a = await unit(session_factory, option_a)
    b = await future_slot(session_factory, option_b, capacity=10)
    unit_b = await unit(session_factory, option_b)
    version = await sent_version(
        session_factory,
        [catalog_line(a, unit_a, quantity=2), manual_line(), catalog_line(b, unit_b, quantity=3)],
    )
    dispatcher = dispatcher_for(temporal_client, session_factory)
    async with build_worker(temporal_client, session_factory, task_queue=task_queue):
        await accept(
            session_factory, version.id, task_queue=task_queue, after_commit=dispatcher.dispatch
        )
        plan, _, asked = await supplier_asked(session_factory, version.id)
    # The first worker is gone; the answer arrives while no worker runs.
    await answer(session_factory, dispatcher, plan, asked, "confirmed", "HRB-3", task_queue)
    async with build_worker(temporal_client, session_factory, task_queue=task_queue):
        result = await temporal_client.get_workflow_handle_for(
            ReserveWorkflow.run, f"reserve:{version.id}"
        ).result()
    async with session_factory() as db:
        origins = (
            await db.scalars(
                select(BookingOrigin).where(BookingOrigin.quote_version_id == version.id)
            )
        ).all()
        allocations = (
            await db.scalars(
                select(BookingAllocation)
                .where(BookingAllocation.booking_id == result.booking_id)
                .order_by(BookingAllocation.pax)
            )
        ).all()
    assert [o.booking_id for o in origins] == [result.booking_id]
    assert [(x.slot_id, x.pax) for x in allocations] == [(a.id, 2), (b.id, 3)]
    assert sorted(await holds(session_factory)) == sorted(
        [(a.id, 2, "converted"), (b.id, 3, "converted")]
    )
    assert await seats_left(session_factory, a, b) == [8, 7]


@activity.defn(name="reserve.release_line")
async def _release_that_fails_for_good(step: LineStep) -> LineStatus:
    raise RuntimeError("the hold table is corrupt")  # a bug: not retried


async def test_a_release_that_fails_for_good_ends_release_failed_and_raises_an_alert(
    temporal_client, session_factory, task_queue
):
    _, option = await product_with_option(session_factory)
    s = await future_slot(session_factory, option, capacity=6)
    adult = await unit(session_factory, option)
    version = await sent_version(
        session_factory, [catalog_line(s, adult, quantity=2), manual_line()]
    )
    dispatcher = dispatcher_for(temporal_client, session_factory)
    reserve = ReserveActivities(session_factory, task_queue, after_commit=dispatcher.dispatch)
    broken = [a for a in reserve.all() if a.__name__ != "release_line"]
    await accept(session_factory, version.id, task_queue=task_queue)  # started by hand below
    async with Worker(
        temporal_client,
        task_queue=task_queue,
        workflows=[ReserveWorkflow],
        activities=[*broken, _release_that_fails_for_good],
    ):
        handle = await temporal_client.start_workflow(
            ReserveWorkflow.run,
            ReserveInput(quote_version_id=version.id, release_alert_after=2),
            id=f"reserve:{version.id}",
            task_queue=task_queue,
        )
        plan, _, asked = await supplier_asked(session_factory, version.id)
        await answer(session_factory, dispatcher, plan, asked, "declined", task_queue=task_queue)
        failure = await failure_of(handle)
    plan, lines = await plan_state(session_factory, version.id)
    async with session_factory() as db:
        alerts = (
            await db.scalars(
                select(OutboxEvent).where(
                    OutboxEvent.event_type == "reservation_plan.release_failed"
                )
            )
        ).all()
    assert failure.type == "supplier_declined"
    assert [ln.status for ln in lines] == ["release_failed", "failed"]
    assert "corrupt" in (lines[0].detail or "")
    assert [(e.aggregate_id, e.payload["line_id"], e.payload["definitive"]) for e in alerts] == [
        (plan.id, lines[0].id, True)
    ]


async def test_a_release_that_keeps_failing_raises_the_alert_and_is_retried_until_it_succeeds(
    temporal_client, session_factory, task_queue
):
    _, option = await product_with_option(session_factory)
    adult = await unit(session_factory, option)
    s = await future_slot(session_factory, option, capacity=6)
    version = await sent_version(
        session_factory, [catalog_line(s, adult, quantity=2), manual_line()]
    )
    dispatcher = dispatcher_for(temporal_client, session_factory)
    reserve = ReserveActivities(session_factory, task_queue, after_commit=dispatcher.dispatch)
    attempts = 0

    @activity.defn(name="reserve.release_line")
    async def release_after_an_outage(step: LineStep) -> LineStatus:
        nonlocal attempts
        attempts += 1
        if attempts <= 3:  # more failures than the alert threshold of 2
            raise ConnectionError("the availability database is unreachable")
        return await reserve.release_line(step)

    await accept(session_factory, version.id, task_queue=task_queue)  # started by hand below
    async with Worker(
        temporal_client,
        task_queue=task_queue,
        workflows=[ReserveWorkflow],
        activities=[
            *(a for a in reserve.all() if a.__name__ != "release_line"),
            release_after_an_outage,
        ],
    ):
        handle = await temporal_client.start_workflow(
            ReserveWorkflow.run,
            ReserveInput(quote_version_id=version.id, release_alert_after=2),
            id=f"reserve:{version.id}",
            task_queue=task_queue,
        )
        plan, _, asked = await supplier_asked(session_factory, version.id)
        await answer(session_factory, dispatcher, plan, asked, "declined", task_queue=task_queue)
        failure = await failure_of(handle)
    plan, lines = await plan_state(session_factory, version.id)
    async with session_factory() as db:
        alerts = (
            await db.scalars(
                select(OutboxEvent).where(
                    OutboxEvent.event_type == "reservation_plan.release_failed"
                )
            )
        ).all()
    assert failure.type == "supplier_declined"
    assert attempts == 4
    assert [ln.status for ln in lines] == ["released", "failed"]  # compensation went on
    assert [(e.payload["line_id"], e.payload["definitive"]) for e in alerts] == [
        (lines[0].id, False)
    ]
    assert await seats_left(session_factory, s) == [6]
    assert await holds(session_factory) == [(s.id, 2, "released")]


async def test_cancelling_the_run_releases_what_it_held_and_closes_the_plan(
    temporal_client, session_factory, task_queue
):
    _, option = await product_with_option(session_factory)
    adult = await unit(session_factory, option)
    s = await future_slot(session_factory, option, capacity=6)
    version = await sent_version(
        session_factory, [catalog_line(s, adult, quantity=2), manual_line()]
    )
    dispatcher = dispatcher_for(temporal_client, session_factory)
    async with build_worker(temporal_client, session_factory, task_queue=task_queue):
        await accept(
            session_factory, version.id, task_queue=task_queue, after_commit=dispatcher.dispatch
        )
        await supplier_asked(session_factory, version.id)
        assert await seats_left(session_factory, s) == [4]
        handle = temporal_client.get_workflow_handle(f"reserve:{version.id}")
        await handle.cancel()
        with pytest.raises(WorkflowFailureError) as err:
            await handle.result()
    assert isinstance(err.value.cause, CancelledError)
    plan, lines = await plan_state(session_factory, version.id)
    assert (plan.status, plan.failure_code) == ("failed", "reserve_cancelled")
    assert [(ln.status, ln.supplier_status) for ln in lines] == [
        ("released", None),
        ("released", "cancelled"),  # the open supplier request was called off
    ]
    assert await seats_left(session_factory, s) == [6]
    assert await holds(session_factory) == [(s.id, 2, "released")]


async def test_an_answer_that_lands_while_the_workflow_reads_the_database_is_not_lost(
    temporal_client, session_factory, task_queue
):
    version = await sent_version(session_factory, [manual_line(supplier_deadline_seconds=600)])
    dispatcher = dispatcher_for(temporal_client, session_factory)
    reserve = ReserveActivities(session_factory, task_queue, after_commit=dispatcher.dispatch)
    answered = asyncio.Event()

    @activity.defn(name="reserve.settle_supplier")
    async def answer_while_settling(step: LineStep) -> StepResult:
        result = await reserve.settle_supplier(step)  # read: still "requested" ...
        if not answered.is_set():  # ... and the real answer lands right after
            answered.set()
            plan, _, asked = await supplier_asked(session_factory, version.id)
            await answer(session_factory, dispatcher, plan, asked, "confirmed", "HRB-7", task_queue)
            await asyncio.sleep(1.5)  # its signal reaches the workflow before this returns
        return result

    async with Worker(
        temporal_client,
        task_queue=task_queue,
        workflows=[ReserveWorkflow],
        activities=[
            *(a for a in reserve.all() if a.__name__ != "settle_supplier"),
            answer_while_settling,
        ],
    ):
        await accept(
            session_factory, version.id, task_queue=task_queue, after_commit=dispatcher.dispatch
        )
        _, _, asked = await supplier_asked(session_factory, version.id)
        handle = temporal_client.get_workflow_handle_for(
            ReserveWorkflow.run, f"reserve:{version.id}"
        )
        # A wake-up whose answer is not in the database yet (e.g. a stale signal).
        await handle.signal(
            ReserveWorkflow.supplier_answered,
            SupplierAnswered(line_id=asked.id, status="confirmed", key="early"),
        )
        result = await asyncio.wait_for(handle.result(), timeout=30)  # not the 600 s deadline
    assert answered.is_set() and result.booking_number


async def test_a_step_that_fails_with_a_bug_is_not_retried_and_compensates(
    temporal_client, session_factory, task_queue
):
    _, option_a = await product_with_option(session_factory)
    _, option_b = await product_with_option(session_factory)
    unit_a = await unit(session_factory, option_a)
    unit_b = await unit(session_factory, option_b)
    a = await future_slot(session_factory, option_a, capacity=10)
    b = await future_slot(session_factory, option_b, capacity=10)
    version = await sent_version(
        session_factory, [catalog_line(a, unit_a, quantity=2), catalog_line(b, unit_b, quantity=3)]
    )
    dispatcher = dispatcher_for(temporal_client, session_factory)
    reserve = ReserveActivities(session_factory, task_queue, after_commit=dispatcher.dispatch)
    calls: list[str] = []

    @activity.defn(name="reserve.hold_line")
    async def hold_with_a_bug(step: HoldStep) -> StepResult:
        calls.append(step.line_id)
        if len(calls) > 1:
            raise AssertionError("a bug in the second hold")
        return await reserve.hold_line(step)

    async with Worker(
        temporal_client,
        task_queue=task_queue,
        workflows=[ReserveWorkflow],
        activities=[*(x for x in reserve.all() if x.__name__ != "hold_line"), hold_with_a_bug],
    ):
        await accept(
            session_factory, version.id, task_queue=task_queue, after_commit=dispatcher.dispatch
        )
        failure = await asyncio.wait_for(
            failure_of(temporal_client.get_workflow_handle(f"reserve:{version.id}")), timeout=30
        )
    plan, lines = await plan_state(session_factory, version.id)
    assert failure.type == "reserve_step_failed"
    assert len(calls) == 2  # the failing attempt was not retried
    assert (plan.status, plan.failure_line_id) == ("failed", lines[1].id)
    assert "a bug in the second hold" in (plan.failure_message or "")
    assert [ln.status for ln in lines] == ["released", "failed"]
    assert await seats_left(session_factory, a, b) == [10, 10]
    assert await holds(session_factory) == [(a.id, 2, "released")]


async def test_a_worker_killed_inside_a_hold_that_already_committed_re_finds_the_same_hold(
    temporal_client, session_factory, task_queue
):
    _, option_a = await product_with_option(session_factory)
    _, option_b = await product_with_option(session_factory)
    a = await future_slot(session_factory, option_a, capacity=10)
    unit_a = await unit(session_factory, option_a)
    b = await future_slot(session_factory, option_b, capacity=10)
    unit_b = await unit(session_factory, option_b)
    version = await sent_version(
        session_factory, [catalog_line(a, unit_a, quantity=2), catalog_line(b, unit_b, quantity=3)]
    )
    dispatcher = dispatcher_for(temporal_client, session_factory)
    reserve = ReserveActivities(session_factory, task_queue, after_commit=dispatcher.dispatch)
    committed = asyncio.Event()

    @activity.defn(name="reserve.hold_line")
    async def hold_then_hang(step: HoldStep) -> StepResult:
        result = await reserve.hold_line(step)  # the hold is committed ...
        committed.set()
        await asyncio.Event().wait()  # ... and the worker dies before reporting it
        return result

    first = Worker(
        temporal_client,
        task_queue=task_queue,
        workflows=[ReserveWorkflow],
        activities=[*(x for x in reserve.all() if x.__name__ != "hold_line"), hold_then_hang],
    )
    async with first:
        await accept(
            session_factory, version.id, task_queue=task_queue, after_commit=dispatcher.dispatch
        )
        await asyncio.wait_for(committed.wait(), timeout=30)
        assert await holds(session_factory) == [(a.id, 2, "held")]
    async with build_worker(temporal_client, session_factory, task_queue=task_queue):
        result = await temporal_client.get_workflow_handle_for(
            ReserveWorkflow.run, f"reserve:{version.id}"
        ).result()
    async with session_factory() as db:
        origins = await db.scalar(
            select(func.count()).where(BookingOrigin.quote_version_id == version.id)
        )
    assert origins == 1 and result.booking_number
    assert sorted(await holds(session_factory)) == sorted(
        [(a.id, 2, "converted"), (b.id, 3, "converted")]
    )
    assert await seats_left(session_factory, a, b) == [8, 7]
