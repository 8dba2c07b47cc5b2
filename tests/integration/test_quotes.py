import asyncio
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select, update

from activities.reserve import HoldStep, ReserveActivities
from domain.availability.models import AvailabilityHold, AvailabilitySlot
from domain.catalog.models import OptionUnit
from domain.db import unit_of_work
from domain.errors import BadRequest, Conflict
from domain.intents.models import WorkflowIntent
from domain.quotes import service
from domain.quotes.models import Quote, QuoteVersion
from domain.reservations import service as plans
from domain.reservations import steps
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


async def test_accepting_a_sent_version_closes_the_quote_won_and_writes_one_plan_and_one_start(
    session_factory,
):
    _, option = await product_with_option(session_factory)
    s = await future_slot(session_factory, option)
    adult = await unit(session_factory, option)
    version = await sent_version(session_factory, [catalog_line(s, adult), manual_line()])

    first = await accept(session_factory, version.id, task_queue="q")
    again = await accept(session_factory, version.id, task_queue="q")

    assert (first.accepted_now, again.accepted_now) == (True, False)
    assert first.plan.id == again.plan.id
    plan, lines = await plan_state(session_factory, version.id)
    assert [(ln.position, ln.kind, ln.status) for ln in lines] == [
        (0, "catalog", "pending"),
        (1, "manual", "pending"),
    ]
    assert lines[0].hold_token == f"reserve:{version.id}:{lines[0].version_line_id}"
    async with session_factory() as db:
        quote = await db.get_one(Quote, version.quote_id)
        stored = await db.get_one(QuoteVersion, version.id)
        starts = await db.scalar(
            select(func.count()).where(WorkflowIntent.workflow_id == f"reserve:{version.id}")
        )
    assert (quote.status, quote.won_version_id, stored.status) == ("won", version.id, "accepted")
    assert starts == 1
    assert plan.workflow_id == f"reserve:{version.id}"


async def test_two_concurrent_accepts_of_one_version_accept_it_once(session_factory):
    _, option = await product_with_option(session_factory)
    s = await future_slot(session_factory, option)
    adult = await unit(session_factory, option)
    version = await sent_version(session_factory, [catalog_line(s, adult)])

    results = await asyncio.gather(
        *(accept(session_factory, version.id, task_queue="q") for _ in range(4))
    )

    assert sorted(r.accepted_now for r in results) == [False, False, False, True]
    assert len({r.plan.id for r in results}) == 1


async def test_a_draft_version_cannot_be_accepted(session_factory):
    _, option = await product_with_option(session_factory)
    s = await future_slot(session_factory, option)
    adult = await unit(session_factory, option)
    async with unit_of_work(session_factory) as session:
        quote = await service.create_quote(session, service.QuoteSpec(title="T", currency="EUR"))
        draft = await service.create_version(
            session,
            quote_id=quote.id,
            spec=service.VersionSpec(lines=[catalog_line(s, adult)]),
        )
    with pytest.raises(Conflict) as err:
        await accept(session_factory, draft.id, task_queue="q")
    assert err.value.code == "invalid_transition"


async def test_a_catalog_line_needs_a_priced_unit_of_its_own_option(session_factory):
    _, option = await product_with_option(session_factory)
    _, other = await product_with_option(session_factory)
    elsewhere = await unit(session_factory, other)
    s = await future_slot(session_factory, option)
    line = catalog_line(s, await unit(session_factory, option))

    with pytest.raises(BadRequest) as missing:
        await sent_version(session_factory, [replace(line, unit_id=None)])
    with pytest.raises(BadRequest) as foreign:
        await sent_version(session_factory, [replace(line, unit_id=elsewhere.id)])

    assert (missing.value.code, foreign.value.code) == ("unit_required", "unit_option_mismatch")


async def test_a_catalog_line_whose_unit_lost_its_price_fails_the_recheck(session_factory):
    _, option = await product_with_option(session_factory)
    adult = await unit(session_factory, option)
    s = await future_slot(session_factory, option)
    version = await sent_version(session_factory, [catalog_line(s, adult)])
    accepted = await accept(session_factory, version.id, task_queue="q")
    async with unit_of_work(session_factory) as session:
        await session.execute(
            update(OptionUnit).where(OptionUnit.id == adult.id).values(price_minor=None)
        )

    async with unit_of_work(session_factory) as session:
        problem = await steps.recheck(session, plan_id=accepted.plan.id)

    _, lines = await plan_state(session_factory, version.id)
    assert problem is not None
    assert (problem.code, problem.reason, problem.line_id) == (
        "quote_unavailable",
        "price_missing",
        lines[0].id,
    )


async def test_a_domain_refusal_inside_a_step_comes_back_as_a_failed_step(session_factory):
    activities = ReserveActivities(session_factory, "q")

    held = await activities.hold_line(HoldStep(line_id="rspn_missing", ttl_seconds=60))

    assert (held.ok, held.code, held.line_id) == (
        False,
        "reservation_line_not_found",
        "rspn_missing",
    )


async def test_a_cancelled_run_closes_a_pending_line_so_a_late_hold_places_nothing(
    session_factory,
):
    _, option = await product_with_option(session_factory)
    adult = await unit(session_factory, option)
    s = await future_slot(session_factory, option, capacity=5)
    version = await sent_version(session_factory, [catalog_line(s, adult, quantity=3)])
    await accept(session_factory, version.id, task_queue="q")
    _, lines = await plan_state(session_factory, version.id)

    async with unit_of_work(session_factory) as session:  # the cancel's compensation ...
        status = await steps.release_line(session, line_id=lines[0].id, close_pending=True)
    async with unit_of_work(session_factory) as session:  # ... beat the hold in flight
        late = await steps.hold_line(
            session, line_id=lines[0].id, ttl=timedelta(minutes=5), task_queue="q"
        )

    assert status == "skipped"
    assert late is not None and late.code == "reserve_cancelled"
    async with session_factory() as db:
        assert (await db.scalars(select(AvailabilityHold))).all() == []
        assert (await db.get_one(AvailabilitySlot, s.id)).capacity_remaining == 5


async def test_a_manual_line_without_a_supplier_is_refused(session_factory):
    with pytest.raises(BadRequest) as err:
        await sent_version(session_factory, [manual_line(supplier_ref=None)])
    assert err.value.code == "supplier_required"


async def test_holding_a_line_again_re_finds_the_same_hold_and_takes_the_seats_once(
    session_factory,
):
    _, option = await product_with_option(session_factory)
    s = await future_slot(session_factory, option, capacity=5)
    adult = await unit(session_factory, option)
    version = await sent_version(session_factory, [catalog_line(s, adult, quantity=3)])
    await accept(session_factory, version.id, task_queue="q")
    _, lines = await plan_state(session_factory, version.id)

    for _ in range(2):  # the activity ran, then ran again after a worker crash
        async with unit_of_work(session_factory) as session:
            failure = await steps.hold_line(
                session, line_id=lines[0].id, ttl=timedelta(minutes=5), task_queue="q"
            )
        assert failure is None

    async with session_factory() as db:
        holds = (await db.scalars(select(AvailabilityHold))).all()
        slot = await db.get_one(AvailabilitySlot, s.id)
    assert [(h.token, h.pax, h.status) for h in holds] == [(lines[0].hold_token, 3, "held")]
    assert slot.capacity_remaining == 2


async def test_a_confirm_and_a_decline_racing_on_one_manual_line_have_exactly_one_winner(
    session_factory,
):
    version = await sent_version(session_factory, [manual_line()])
    accepted = await accept(session_factory, version.id, task_queue="q")
    _, lines = await plan_state(session_factory, version.id)
    async with unit_of_work(session_factory) as session:
        await steps.request_supplier(session, line_id=lines[0].id, as_of=datetime.now(UTC))

    async def answer(to: str) -> str:
        try:
            async with unit_of_work(session_factory) as session:
                await plans.answer_supplier(
                    session,
                    plan_id=accepted.plan.id,
                    line_id=lines[0].id,
                    to=to,
                    confirmation_ref="C-1" if to == "confirmed" else None,
                    actor_id="prin_staff",
                    source="staff",
                    task_queue="q",
                )
        except Conflict as exc:
            return exc.code
        return to

    outcomes = await asyncio.gather(answer("confirmed"), answer("declined"))

    _, lines = await plan_state(session_factory, version.id)
    assert sorted(outcomes) == sorted([lines[0].supplier_status or "", "invalid_transition"])
    async with session_factory() as db:
        signals = await db.scalar(
            select(func.count()).where(
                WorkflowIntent.kind == "signal",
                WorkflowIntent.workflow_id == f"reserve:{version.id}",
            )
        )
    assert signals == 1
