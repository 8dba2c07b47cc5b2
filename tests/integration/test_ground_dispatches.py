from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import IntegrityError

from domain.db import unit_of_work
from domain.errors import BadRequest, Conflict, NotFound
from domain.ground import execution, fleet, service
from domain.ground.models import Dispatch, DispatchEvent
from domain.outbox.models import OutboxEvent
from tests.support import ground
from tests.support.ground import MAY_28, window


async def outbox(session_factory, dispatch_id):
    async with session_factory() as s:
        rows = await s.scalars(
            select(OutboxEvent)
            .where(OutboxEvent.aggregate_id == dispatch_id)
            .order_by(OutboxEvent.seq)
        )
        return [(e.event_type, e.payload) for e in rows]


async def reload(session_factory, dispatch_id):
    async with session_factory() as s:
        return await service.dispatch_detail(s, dispatch_id=dispatch_id)


async def test_a_vehicle_cannot_be_on_two_overlapping_dispatches(session_factory):
    van = await ground.vehicle(session_factory)
    await ground.dispatch(session_factory, vehicle_id=van.id)
    with pytest.raises(Conflict) as caught:
        await ground.dispatch(
            session_factory, vehicle_id=van.id, **window(MAY_28 + timedelta(hours=1))
        )
    assert caught.value.code == "vehicle_double_booked"
    assert caught.value.details["vehicle_id"] == van.id


async def test_a_driver_cannot_be_on_two_overlapping_dispatches(session_factory):
    person = await ground.driver(session_factory)
    await ground.dispatch(session_factory, driver_id=person.id)
    with pytest.raises(Conflict) as caught:
        await ground.dispatch(session_factory, driver_id=person.id, **window(hours=0.5))
    assert caught.value.code == "driver_double_booked"


async def test_back_to_back_dispatches_share_a_vehicle_and_driver(session_factory):
    van, person = await ground.vehicle(session_factory), await ground.driver(session_factory)
    first = await ground.dispatch(session_factory, vehicle_id=van.id, driver_id=person.id)
    second = await ground.dispatch(
        session_factory, vehicle_id=van.id, driver_id=person.id, **window(first.ends_at)
    )
    assert second.scheduled_at == first.ends_at


@pytest.mark.parametrize("release", ["cancelled", "no_show"])
async def test_a_cancelled_or_no_show_dispatch_frees_its_vehicle_and_driver(
    session_factory, release
):
    first = await ground.dispatch(session_factory, status="arrived")
    async with unit_of_work(session_factory) as session:
        await service.transition_dispatch(session, dispatch_id=first.id, to=release)
    again = await ground.dispatch(
        session_factory, vehicle_id=first.vehicle_id, driver_id=first.driver_id
    )
    assert again.vehicle_id == first.vehicle_id


async def test_the_database_itself_refuses_overlapping_rows(session_factory):
    van = await ground.vehicle(session_factory)
    await ground.dispatch(session_factory, vehicle_id=van.id)
    with pytest.raises(IntegrityError, match="ex_ground_dispatches_vehicle_overlap"):
        async with unit_of_work(session_factory) as session:
            session.add(Dispatch(vehicle_id=van.id, **window(MAY_28 + timedelta(minutes=90))))
            await session.flush()


async def test_a_status_change_is_logged_on_the_ground_and_in_the_outbox(session_factory):
    row = await ground.dispatch(session_factory, status="scheduled")
    detail = await reload(session_factory, row.id)
    assert detail.dispatch.status == "scheduled"
    assert [(e.sequence, e.kind, e.data) for e in detail.events] == [
        (1, "status_changed", {"from": "draft", "to": "scheduled"})
    ]
    [(event_type, payload)] = await outbox(session_factory, row.id)
    assert event_type == "ground.dispatch.status_changed"
    assert payload == {
        "dispatch_id": row.id,
        "booking_id": row.booking_id,
        "from": "draft",
        "to": "scheduled",
    }


async def test_an_invalid_transition_is_rejected_and_leaves_no_trace(session_factory):
    row = await ground.dispatch(session_factory)
    with pytest.raises(Conflict) as caught:
        async with unit_of_work(session_factory) as session:
            await service.transition_dispatch(session, dispatch_id=row.id, to="completed")
    assert caught.value.details["from"] == "draft" and caught.value.details["to"] == "completed"
    assert (await reload(session_factory, row.id)).events == []
    assert await outbox(session_factory, row.id) == []


async def test_marking_assigned_needs_a_vehicle_and_a_driver(session_factory):
    row = await ground.dispatch(session_factory, status="scheduled")
    with pytest.raises(Conflict) as caught:
        async with unit_of_work(session_factory) as session:
            await service.transition_dispatch(session, dispatch_id=row.id, to="assigned")
    assert caught.value.code == "dispatch_not_assigned"


async def test_assigning_a_scheduled_dispatch_makes_it_assigned_and_announces_both(
    session_factory,
):
    row = await ground.dispatch(session_factory, status="assigned")
    assert row.status == "assigned" and row.vehicle_id and row.driver_id
    types = [event_type for event_type, _ in await outbox(session_factory, row.id)]
    assert types == [
        "ground.dispatch.status_changed",
        "ground.dispatch.status_changed",
        "ground.dispatch.assigned",
    ]


async def test_a_dispatch_on_the_road_cannot_be_reassigned(session_factory):
    row = await ground.dispatch(session_factory, status="en_route")
    van, person = await ground.vehicle(session_factory), await ground.driver(session_factory)
    with pytest.raises(Conflict) as caught:
        async with unit_of_work(session_factory) as session:
            await service.assign_dispatch(
                session, dispatch_id=row.id, vehicle_id=van.id, driver_id=person.id
            )
    assert caught.value.code == "dispatch_not_assignable"


async def test_a_failed_assignment_leaves_the_dispatch_untouched(session_factory):
    busy = await ground.driver(session_factory)
    await ground.dispatch(session_factory, driver_id=busy.id)
    row = await ground.dispatch(session_factory, status="scheduled")
    van = await ground.vehicle(session_factory)
    with pytest.raises(Conflict, match="driver"):
        async with unit_of_work(session_factory) as session:
            await service.assign_dispatch(
                session, dispatch_id=row.id, vehicle_id=van.id, driver_id=busy.id
            )
    detail = await reload(session_factory, row.id)
    assert (detail.dispatch.status, detail.dispatch.vehicle_id) == ("scheduled", None)
    assert [e.data["to"] for e in detail.events] == ["scheduled"]


async def test_passengers_beyond_the_vehicle_capacity_are_refused(session_factory):
    van = await ground.vehicle(session_factory, capacity=4)
    row = await ground.dispatch(session_factory, vehicle_id=van.id)
    await ground.passenger(session_factory, row, pax=3)
    with pytest.raises(BadRequest) as caught:
        await ground.passenger(session_factory, row, pax=2)
    assert caught.value.code == "vehicle_capacity_exceeded"
    assert caught.value.details == {"pax": 5, "capacity": 4}
    assert (await reload(session_factory, row.id)).dispatch.pax_total == 3


async def test_a_vehicle_too_small_for_the_passengers_cannot_be_assigned(session_factory):
    row = await ground.dispatch(session_factory, status="scheduled")
    await ground.passenger(session_factory, row, pax=5)
    car, person = (
        await ground.vehicle(session_factory, capacity=4),
        await ground.driver(session_factory),
    )
    with pytest.raises(BadRequest, match="do not fit"):
        async with unit_of_work(session_factory) as session:
            await service.assign_dispatch(
                session, dispatch_id=row.id, vehicle_id=car.id, driver_id=person.id
            )


async def test_a_vehicle_cannot_shrink_below_the_passengers_it_carries(session_factory):
    van = await ground.vehicle(session_factory, capacity=8)
    row = await ground.dispatch(session_factory, vehicle_id=van.id)
    await ground.passenger(session_factory, row, pax=6)
    with pytest.raises(Conflict) as caught:
        async with unit_of_work(session_factory) as session:
            await fleet.update_vehicle(session, vehicle_id=van.id, changes={"capacity": 5})
    assert caught.value.code == "vehicle_capacity_in_use"
    async with unit_of_work(session_factory) as session:
        shrunk = await fleet.update_vehicle(session, vehicle_id=van.id, changes={"capacity": 6})
    assert shrunk.capacity == 6


async def test_an_inactive_vehicle_cannot_be_put_on_a_dispatch(session_factory):
    van = await ground.vehicle(session_factory, active=False)
    with pytest.raises(BadRequest) as caught:
        await ground.dispatch(session_factory, vehicle_id=van.id)
    assert caught.value.code == "vehicle_inactive"


async def test_legs_and_checkpoints_are_numbered_in_the_order_they_are_added(session_factory):
    row = await ground.dispatch(session_factory)
    airport, hotel = (
        await ground.place(session_factory),
        await ground.place(session_factory, kind="accommodation"),
    )
    async with unit_of_work(session_factory) as session:
        await execution.add_leg(
            session, dispatch_id=row.id, from_place_id=airport.id, to_place_id=hotel.id
        )
        await execution.add_leg(
            session, dispatch_id=row.id, from_place_id=hotel.id, to_place_id=airport.id
        )
        await execution.add_checkpoint(
            session, dispatch_id=row.id, name="Gate", place_id=airport.id
        )
    detail = await reload(session_factory, row.id)
    assert [(leg.sequence, leg.from_place_id) for leg in detail.legs] == [
        (1, airport.id),
        (2, hotel.id),
    ]
    assert [(c.sequence, c.name) for c in detail.checkpoints] == [(1, "Gate")]


async def test_reaching_a_checkpoint_is_logged_and_stamps_it_once(session_factory):
    row = await ground.dispatch(session_factory, status="en_route")
    async with unit_of_work(session_factory) as session:
        gate = await execution.add_checkpoint(session, dispatch_id=row.id, name="Gate")
    at = datetime(2026, 5, 28, 8, 5, tzinfo=UTC)
    async with unit_of_work(session_factory) as session:
        await execution.record_execution_event(
            session,
            dispatch_id=row.id,
            kind="checkpoint_reached",
            checkpoint_id=gate.id,
            occurred_at=at,
        )
    with pytest.raises(Conflict) as caught:
        async with unit_of_work(session_factory) as session:
            await execution.record_execution_event(
                session, dispatch_id=row.id, kind="checkpoint_reached", checkpoint_id=gate.id
            )
    assert caught.value.code == "checkpoint_already_reached"
    detail = await reload(session_factory, row.id)
    assert detail.checkpoints[0].reached_at == at
    assert [e.kind for e in detail.events][-1] == "checkpoint_reached"


async def test_a_checkpoint_of_another_dispatch_is_not_found(session_factory):
    mine, other = (
        await ground.dispatch(session_factory),
        await ground.dispatch(session_factory, **window(MAY_28 + timedelta(days=1))),
    )
    async with unit_of_work(session_factory) as session:
        theirs = await execution.add_checkpoint(session, dispatch_id=other.id, name="Gate")
    with pytest.raises(NotFound) as caught:
        async with unit_of_work(session_factory) as session:
            await execution.record_execution_event(
                session, dispatch_id=mine.id, kind="checkpoint_reached", checkpoint_id=theirs.id
            )
    assert caught.value.code == "checkpoint_not_found"


async def test_execution_events_default_to_the_database_clock_and_keep_their_order(
    session_factory,
):
    row = await ground.dispatch(session_factory)
    async with unit_of_work(session_factory) as session:
        for kind in ("delay", "note", "incident"):
            await execution.record_execution_event(session, dispatch_id=row.id, kind=kind)
    async with session_factory() as s:
        now = await s.scalar(text("SELECT now()"))
        events = (await s.scalars(select(DispatchEvent).order_by(DispatchEvent.sequence))).all()
    assert [e.kind for e in events] == ["delay", "note", "incident"]
    assert all(abs(now - e.occurred_at) < timedelta(minutes=1) for e in events)


async def test_a_closed_dispatch_takes_no_more_passengers(session_factory):
    row = await ground.dispatch(session_factory)
    async with unit_of_work(session_factory) as session:
        await service.transition_dispatch(session, dispatch_id=row.id, to="cancelled")
    with pytest.raises(Conflict) as caught:
        await ground.passenger(session_factory, row)
    assert caught.value.code == "dispatch_closed"


async def test_dispatches_are_listed_by_local_day_vehicle_and_status(session_factory):
    van = await ground.vehicle(session_factory)
    # 23:30 UTC on May 27 is already May 28 in Cairo (UTC+3 in summer).
    late = await ground.dispatch(
        session_factory, vehicle_id=van.id, **window(datetime(2026, 5, 27, 23, 30, tzinfo=UTC))
    )
    morning = await ground.dispatch(session_factory, status="scheduled")
    async with session_factory() as s:
        in_cairo = await service.list_dispatches(
            s, on_date=date(2026, 5, 28), timezone="Africa/Cairo"
        )
        in_utc = await service.list_dispatches(s, on_date=date(2026, 5, 28))
        by_van = await service.list_dispatches(s, vehicle_id=van.id)
        scheduled = await service.list_dispatches(s, status="scheduled")
    assert [d.id for d in in_cairo] == [late.id, morning.id]
    assert [d.id for d in in_utc] == [morning.id]
    assert [d.id for d in by_van] == [late.id]
    assert [d.id for d in scheduled] == [morning.id]
