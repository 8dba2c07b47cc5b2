import pytest
from sqlalchemy import func, select, update
from temporalio.api.sdk.v1 import WorkflowMetadata
from temporalio.client import WorkflowExecutionStatus

from domain.bookings.models import (
    Booking,
    BookingAllocation,
    BookingOrigin,
    BookingSupplierStatus,
)
from domain.catalog.models import OptionUnit
from domain.db import unit_of_work
from domain.errors import Conflict
from tests.support.bookings import book, spec_for
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
from tourflow.temporal import SEARCH_ATTRIBUTES
from worker import build_worker
from workflows.reserve import ReserveWorkflow


async def test_an_accepted_version_is_rechecked_held_confirmed_and_booked(
    temporal_client, session_factory, task_queue
):
    _, option = await product_with_option(session_factory)
    adult = await unit(session_factory, option, price_minor=5000)
    s = await future_slot(session_factory, option, capacity=10)
    version = await sent_version(
        session_factory, [catalog_line(s, adult, quantity=2), manual_line()]
    )
    dispatcher = dispatcher_for(temporal_client, session_factory)
    async with build_worker(temporal_client, session_factory, task_queue=task_queue):
        await accept(
            session_factory, version.id, task_queue=task_queue, after_commit=dispatcher.dispatch
        )
        handle = temporal_client.get_workflow_handle_for(
            ReserveWorkflow.run, f"reserve:{version.id}"
        )
        plan, lines, asked = await supplier_asked(session_factory, version.id)
        assert lines[0].status == "held"
        assert await seats_left(session_factory, s) == [8]
        meta = await handle.query("__temporal_workflow_metadata", result_type=WorkflowMetadata)
        assert "supplier" in meta.current_details and asked.id in meta.current_details
        await answer(session_factory, dispatcher, plan, asked, "confirmed", "HRB-1", task_queue)
        result = await handle.result()
        desc = await handle.describe()

    async with session_factory() as db:
        booking = await db.get_one(Booking, result.booking_id)
        origin = await db.scalar(
            select(BookingOrigin).where(BookingOrigin.booking_id == booking.id)
        )
        allocations = (
            await db.scalars(
                select(BookingAllocation).where(BookingAllocation.booking_id == booking.id)
            )
        ).all()
        supplier = (
            await db.scalars(
                select(BookingSupplierStatus).where(BookingSupplierStatus.booking_id == booking.id)
            )
        ).all()
    plan, lines = await plan_state(session_factory, version.id)
    assert result.booking_number == booking.number
    assert booking.status == "on_hold" and booking.hold_expires_at is not None
    assert booking.sell_total_minor == 2 * 5000 + 8000
    assert (origin.kind, origin.quote_version_id, origin.reservation_plan_id) == (
        "accepted_quote_version",
        version.id,
        plan.id,
    )
    assert [(a.slot_id, a.pax, a.status) for a in allocations] == [(s.id, 2, "held")]
    assert [(r.supplier_ref, r.status, r.confirmation_ref) for r in supplier] == [
        ("supp_harbour_grill", "confirmed", "HRB-1")
    ]
    assert await seats_left(session_factory, s) == [8]  # held seats became the allocation
    assert await holds(session_factory) == [(s.id, 2, "converted")]
    assert (plan.status, plan.booking_id) == ("booked", booking.id)
    assert {ln.status for ln in lines} == {"converted"}
    attrs = desc.typed_search_attributes
    assert attrs.get(SEARCH_ATTRIBUTES["QuoteVersionId"]) == version.id
    assert attrs.get(SEARCH_ATTRIBUTES["BookingId"]) == booking.id
    hold = await temporal_client.get_workflow_handle(f"booking-hold:{booking.id}").describe()
    assert hold.status == WorkflowExecutionStatus.RUNNING  # the on_hold booking's timer runs


async def test_on_account_terms_book_straight_to_confirmed(
    temporal_client, session_factory, task_queue
):
    _, option = await product_with_option(session_factory)
    s = await future_slot(session_factory, option, capacity=4)
    adult = await unit(session_factory, option)
    version = await sent_version(
        session_factory, [catalog_line(s, adult, quantity=4)], payment_terms="on_account"
    )
    dispatcher = dispatcher_for(temporal_client, session_factory)
    async with build_worker(temporal_client, session_factory, task_queue=task_queue):
        await accept(
            session_factory, version.id, task_queue=task_queue, after_commit=dispatcher.dispatch
        )
        result = await temporal_client.get_workflow_handle_for(
            ReserveWorkflow.run, f"reserve:{version.id}"
        ).result()
    assert result.booking_status == "confirmed"
    assert await seats_left(session_factory, s) == [0]


async def test_a_price_change_fails_the_recheck_before_any_hold(
    temporal_client, session_factory, task_queue
):
    _, option = await product_with_option(session_factory)
    adult = await unit(session_factory, option, price_minor=5000)
    s = await future_slot(session_factory, option, capacity=10)
    version = await sent_version(
        session_factory, [manual_line(), catalog_line(s, adult, quantity=2)]
    )
    async with unit_of_work(session_factory) as session:
        await session.execute(
            update(OptionUnit).where(OptionUnit.id == adult.id).values(price_minor=5500)
        )
    dispatcher = dispatcher_for(temporal_client, session_factory)
    async with build_worker(temporal_client, session_factory, task_queue=task_queue):
        await accept(
            session_factory, version.id, task_queue=task_queue, after_commit=dispatcher.dispatch
        )
        failure = await failure_of(temporal_client.get_workflow_handle(f"reserve:{version.id}"))
    plan, lines = await plan_state(session_factory, version.id)
    assert failure.type == "price_changed"
    assert (plan.status, plan.failure_code, plan.failure_line_id) == (
        "failed",
        "price_changed",
        lines[1].id,
    )
    assert "5500" in (plan.failure_message or "")
    assert [ln.status for ln in lines] == ["skipped", "failed"]
    assert lines[0].supplier_status is None  # the supplier was never asked
    assert await holds(session_factory) == []
    assert await seats_left(session_factory, s) == [10]


async def test_a_cost_change_fails_the_recheck_naming_the_line_before_any_hold(
    temporal_client, session_factory, task_queue
):
    _, option = await product_with_option(session_factory)
    adult = await unit(session_factory, option, cost_minor=2500)
    s = await future_slot(session_factory, option, capacity=10)
    version = await sent_version(session_factory, [catalog_line(s, adult), manual_line()])
    async with unit_of_work(session_factory) as session:
        await session.execute(
            update(OptionUnit).where(OptionUnit.id == adult.id).values(cost_minor=2700)
        )
    dispatcher = dispatcher_for(temporal_client, session_factory)
    async with build_worker(temporal_client, session_factory, task_queue=task_queue):
        await accept(
            session_factory, version.id, task_queue=task_queue, after_commit=dispatcher.dispatch
        )
        failure = await failure_of(temporal_client.get_workflow_handle(f"reserve:{version.id}"))
    plan, lines = await plan_state(session_factory, version.id)
    assert failure.type == "price_changed"
    assert failure.details[0]["reason"] == "cost"
    assert (plan.failure_code, plan.failure_line_id) == ("price_changed", lines[0].id)
    assert "costed at 2500 EUR" in (plan.failure_message or "")
    assert "2700" in (plan.failure_message or "")
    assert [ln.status for ln in lines] == ["failed", "skipped"]
    assert await holds(session_factory) == []
    assert await seats_left(session_factory, s) == [10]


async def test_a_line_sold_out_mid_plan_releases_the_earlier_holds(
    temporal_client, session_factory, task_queue
):
    _, option_a = await product_with_option(session_factory)
    _, option_b = await product_with_option(session_factory)
    a = await future_slot(session_factory, option_a, capacity=10)
    unit_a = await unit(session_factory, option_a)
    b = await future_slot(session_factory, option_b, capacity=3)
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
        plan, lines, asked = await supplier_asked(session_factory, version.id)
        await book(session_factory, spec_for(b, pax=3))  # someone else takes departure B
        await answer(session_factory, dispatcher, plan, asked, "confirmed", "HRB-2", task_queue)
        failure = await failure_of(temporal_client.get_workflow_handle(f"reserve:{version.id}"))
    plan, lines = await plan_state(session_factory, version.id)
    assert failure.type == "quote_unavailable"
    assert (plan.status, plan.failure_line_id) == ("failed", lines[2].id)
    assert [ln.status for ln in lines] == ["released", "release_not_configured", "failed"]
    assert await seats_left(session_factory, a, b) == [10, 0]
    assert await holds(session_factory) == [(a.id, 2, "released")]
    async with session_factory() as db:
        origins = await db.scalar(
            select(func.count()).where(BookingOrigin.quote_version_id == version.id)
        )
    assert origins == 0


async def test_a_declined_manual_line_releases_the_held_seats(
    temporal_client, session_factory, task_queue
):
    _, option = await product_with_option(session_factory)
    s = await future_slot(session_factory, option, capacity=6)
    adult = await unit(session_factory, option)
    version = await sent_version(
        session_factory, [catalog_line(s, adult, quantity=2), manual_line()]
    )
    dispatcher = dispatcher_for(temporal_client, session_factory)
    async with build_worker(temporal_client, session_factory, task_queue=task_queue):
        await accept(
            session_factory, version.id, task_queue=task_queue, after_commit=dispatcher.dispatch
        )
        plan, _, asked = await supplier_asked(session_factory, version.id)
        assert await seats_left(session_factory, s) == [4]
        await answer(session_factory, dispatcher, plan, asked, "declined", task_queue=task_queue)
        failure = await failure_of(temporal_client.get_workflow_handle(f"reserve:{version.id}"))
    plan, lines = await plan_state(session_factory, version.id)
    assert failure.type == "supplier_declined"
    assert (plan.failure_code, plan.failure_line_id) == ("supplier_declined", asked.id)
    assert [(ln.status, ln.supplier_status) for ln in lines] == [
        ("released", None),
        ("failed", "declined"),
    ]
    assert await seats_left(session_factory, s) == [6]
    assert await holds(session_factory) == [(s.id, 2, "released")]


async def test_a_manual_line_nobody_answers_times_out_and_is_called_off(
    temporal_client, session_factory, task_queue
):
    _, option = await product_with_option(session_factory)
    s = await future_slot(session_factory, option, capacity=6)
    adult = await unit(session_factory, option)
    version = await sent_version(
        session_factory,
        [catalog_line(s, adult, quantity=2), manual_line(supplier_deadline_seconds=1)],
    )
    dispatcher = dispatcher_for(temporal_client, session_factory)
    async with build_worker(temporal_client, session_factory, task_queue=task_queue):
        await accept(
            session_factory, version.id, task_queue=task_queue, after_commit=dispatcher.dispatch
        )
        failure = await failure_of(temporal_client.get_workflow_handle(f"reserve:{version.id}"))
    plan, lines = await plan_state(session_factory, version.id)
    assert failure.type == "supplier_timeout"
    assert (plan.failure_code, plan.failure_line_id) == ("supplier_timeout", lines[1].id)
    assert [(ln.status, ln.supplier_status) for ln in lines] == [
        ("released", None),
        ("failed", "cancelled"),
    ]
    assert await seats_left(session_factory, s) == [6]
    with pytest.raises(Conflict) as late:  # a confirmation after the deadline is refused
        await answer(session_factory, dispatcher, plan, lines[1], "confirmed", "TOO-LATE")
    assert late.value.code == "invalid_transition"
