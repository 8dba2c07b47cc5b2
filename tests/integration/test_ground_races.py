"""Concurrent attempts in separate sessions: the database decides, exactly one wins."""

import asyncio
from collections import Counter
from datetime import timedelta

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from domain.db import unit_of_work
from domain.errors import DomainError
from domain.ground import execution, service
from domain.ground.models import Dispatch, DispatchEvent
from tests.support import ground
from tests.support.ground import MAY_28, window

ATTEMPTS = 12


async def outcome(session_factory, action):
    """Run `action(session)` in its own transaction; 'ok' or the domain error's code."""
    try:
        async with unit_of_work(session_factory) as session:
            await action(session)
    except DomainError as exc:
        return exc.code
    return "ok"


async def overlapping_drafts(session_factory, count, **overrides):
    # Each starts 10 minutes after the previous and lasts 2 hours: every pair overlaps.
    return [
        await ground.dispatch(
            session_factory, **window(MAY_28 + timedelta(minutes=10 * i)), **overrides
        )
        for i in range(count)
    ]


async def test_many_concurrent_assignments_of_one_vehicle_to_overlapping_dispatches_one_wins(
    session_factory,
):
    van = await ground.vehicle(session_factory)
    drafts = await overlapping_drafts(session_factory, ATTEMPTS)
    drivers = [await ground.driver(session_factory) for _ in drafts]

    def assign(dispatch, person):
        return lambda s: service.assign_dispatch(
            s, dispatch_id=dispatch.id, vehicle_id=van.id, driver_id=person.id
        )

    results = await asyncio.gather(
        *(outcome(session_factory, assign(d, p)) for d, p in zip(drafts, drivers, strict=True))
    )
    assert Counter(results) == {"ok": 1, "vehicle_double_booked": ATTEMPTS - 1}
    async with session_factory() as s:
        holders = await s.scalar(select(func.count()).where(Dispatch.vehicle_id == van.id))
    assert holders == 1


async def test_many_concurrent_assignments_of_one_driver_to_overlapping_dispatches_one_wins(
    session_factory,
):
    person = await ground.driver(session_factory)
    drafts = await overlapping_drafts(session_factory, ATTEMPTS)
    vans = [await ground.vehicle(session_factory) for _ in drafts]

    def assign(dispatch, van):
        return lambda s: service.assign_dispatch(
            s, dispatch_id=dispatch.id, vehicle_id=van.id, driver_id=person.id
        )

    results = await asyncio.gather(
        *(outcome(session_factory, assign(d, v)) for d, v in zip(drafts, vans, strict=True))
    )
    assert Counter(results) == {"ok": 1, "driver_double_booked": ATTEMPTS - 1}


async def test_concurrent_raw_inserts_are_refused_by_the_exclusion_constraint_alone(
    session_factory,
):
    # No service, no row locks: only the constraint stands between these writers.
    van = await ground.vehicle(session_factory)

    async def insert(i):
        try:
            async with unit_of_work(session_factory) as session:
                start = MAY_28 + timedelta(minutes=10 * i)
                session.add(Dispatch(status="draft", vehicle_id=van.id, **window(start)))
                await session.flush()
        except IntegrityError as exc:
            return type(exc.orig).__name__
        return "ok"

    results = await asyncio.gather(*(insert(i) for i in range(ATTEMPTS)))
    assert Counter(results) == {"ok": 1, "ExclusionViolation": ATTEMPTS - 1}


async def test_concurrent_passenger_adds_never_overfill_the_vehicle(session_factory):
    van = await ground.vehicle(session_factory, capacity=8)
    row = await ground.dispatch(session_factory, vehicle_id=van.id)

    def add_three(s):
        return execution.add_passenger(s, dispatch_id=row.id, name="Party of three", pax=3)

    results = await asyncio.gather(*(outcome(session_factory, add_three) for _ in range(6)))
    assert Counter(results) == {"ok": 2, "vehicle_capacity_exceeded": 4}
    async with session_factory() as s:
        assert (await s.get(Dispatch, row.id)).pax_total == 6


async def test_concurrent_transitions_of_one_dispatch_apply_exactly_one(session_factory):
    row = await ground.dispatch(session_factory, status="arrived")

    def move(to):
        return lambda s: service.transition_dispatch(s, dispatch_id=row.id, to=to)

    # From arrived either is allowed, and each rules the other out.
    targets = ["picked_up", "no_show"] * (ATTEMPTS // 2)
    results = await asyncio.gather(*(outcome(session_factory, move(to)) for to in targets))
    assert Counter(results) == {"ok": 1, "invalid_transition": ATTEMPTS - 1}
    async with session_factory() as s:
        logged = await s.scalar(
            select(func.count()).where(
                DispatchEvent.dispatch_id == row.id,
                DispatchEvent.data["from"].astext == "arrived",
            )
        )
    assert logged == 1
