"""Dispatches: create, read, list, assign a vehicle and driver, and move through states."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from domain.errors import BadRequest, Conflict
from domain.ground.fleet import get_driver, get_vehicle
from domain.ground.locks import load, next_sequence, violated_constraint
from domain.ground.models import (
    DRIVER_OVERLAP,
    VEHICLE_OVERLAP,
    Dispatch,
    DispatchCheckpoint,
    DispatchEvent,
    DispatchLeg,
    DispatchPassenger,
    Driver,
    Vehicle,
)
from domain.ground.timing import check_instant, check_window
from domain.ground.transitions import ASSIGNABLE, transition
from domain.outbox.record import record_event
from domain.places.service import check_timezone, get_place

STATUS_CHANGED = "ground.dispatch.status_changed"
ASSIGNED = "ground.dispatch.assigned"


@dataclass(frozen=True, slots=True)
class DispatchDetail:
    """A dispatch with everything that hangs off it, each list in its natural order."""

    dispatch: Dispatch
    legs: list[DispatchLeg]
    passengers: list[DispatchPassenger]
    checkpoints: list[DispatchCheckpoint]
    events: list[DispatchEvent]


async def get_dispatch(session: AsyncSession, *, dispatch_id: str, lock: bool = False) -> Dispatch:
    """The dispatch (FOR UPDATE when `lock`), or 400 `invalid_id` / 404 `dispatch_not_found`."""
    return await load(
        session,
        Dispatch,
        dispatch_id,
        field="dispatch_id",
        thing="dispatch",
        lock="update" if lock else None,
    )


async def _usable_vehicle(session: AsyncSession, vehicle_id: str, pax: int) -> Vehicle:
    # FOR UPDATE serialises assignments of one vehicle, so the exclusion constraint below
    # always judges against committed rows instead of deadlocking on in-flight ones.
    vehicle = await get_vehicle(session, vehicle_id=vehicle_id, lock="update")
    if not vehicle.active:
        raise BadRequest("vehicle_inactive", f"vehicle {vehicle_id} is not in service")
    if pax > vehicle.capacity:
        raise BadRequest(
            "vehicle_capacity_exceeded",
            f"{pax} passengers do not fit in {vehicle.capacity} seats",
            pax=pax,
            capacity=vehicle.capacity,
        )
    return vehicle


async def _usable_driver(session: AsyncSession, driver_id: str) -> Driver:
    driver = await get_driver(session, driver_id=driver_id, lock="update")
    if not driver.active:
        raise BadRequest("driver_inactive", f"driver {driver_id} is not on duty")
    return driver


async def _flush_or_double_booked(session: AsyncSession, dispatch: Dispatch) -> None:
    """Flush; an exclusion violation becomes 409 `vehicle_/driver_double_booked`."""
    window = {
        "vehicle_id": dispatch.vehicle_id,
        "driver_id": dispatch.driver_id,
        "scheduled_at": dispatch.scheduled_at.isoformat(),
        "ends_at": dispatch.ends_at.isoformat(),
    }
    try:
        await session.flush()
    except IntegrityError as exc:
        constraint = violated_constraint(exc)
        if constraint == VEHICLE_OVERLAP:
            raise Conflict(
                "vehicle_double_booked",
                "the vehicle is already on a dispatch overlapping this window",
                **window,
            ) from exc
        if constraint == DRIVER_OVERLAP:
            raise Conflict(
                "driver_double_booked",
                "the driver is already on a dispatch overlapping this window",
                **window,
            ) from exc
        raise


async def create_dispatch(
    session: AsyncSession,
    *,
    scheduled_at: datetime,
    ends_at: datetime,
    booking_id: str | None = None,
    vehicle_id: str | None = None,
    driver_id: str | None = None,
    pickup_place_id: str | None = None,
    dropoff_place_id: str | None = None,
    notes: str | None = None,
) -> Dispatch:
    """Insert a draft dispatch; vehicle and driver (optional) must be free in the window."""
    check_window(scheduled_at, ends_at, names=("scheduled_at", "ends_at"))
    dispatch = Dispatch(
        status="draft",
        scheduled_at=scheduled_at,
        ends_at=ends_at,
        booking_id=booking_id,
        pax_total=0,
        notes=notes,
    )
    if pickup_place_id is not None:
        place = await get_place(session, place_id=pickup_place_id, field="pickup_place_id")
        dispatch.pickup_place_id = place.id
    if dropoff_place_id is not None:
        place = await get_place(session, place_id=dropoff_place_id, field="dropoff_place_id")
        dispatch.dropoff_place_id = place.id
    if vehicle_id is not None:
        dispatch.vehicle_id = (await _usable_vehicle(session, vehicle_id, 0)).id
    if driver_id is not None:
        dispatch.driver_id = (await _usable_driver(session, driver_id)).id
    session.add(dispatch)
    await _flush_or_double_booked(session, dispatch)
    return dispatch


async def list_dispatches(
    session: AsyncSession,
    *,
    on_date: date | None = None,
    timezone: str = "UTC",
    vehicle_id: str | None = None,
    driver_id: str | None = None,
    status: str | None = None,
    limit: int = 100,
    offset: int = 0,
) -> list[Dispatch]:
    """Dispatches by start time; `on_date` is a calendar day in `timezone`."""
    stmt = select(Dispatch).order_by(Dispatch.scheduled_at, Dispatch.id)
    if on_date is not None:
        start = datetime.combine(on_date, time(), tzinfo=ZoneInfo(check_timezone(timezone)))
        end = check_instant(start, field="date") + timedelta(days=1)
        stmt = stmt.where(Dispatch.scheduled_at >= start, Dispatch.scheduled_at < end)
    if vehicle_id is not None:
        stmt = stmt.where(Dispatch.vehicle_id == vehicle_id)
    if driver_id is not None:
        stmt = stmt.where(Dispatch.driver_id == driver_id)
    if status is not None:
        stmt = stmt.where(Dispatch.status == status)
    return list((await session.scalars(stmt.limit(limit).offset(offset))).all())


async def change_status(session: AsyncSession, dispatch: Dispatch, to: str) -> None:
    """Move a locked dispatch to `to`: log it on the ground and in the outbox."""
    previous = dispatch.status
    sequence = await next_sequence(session, DispatchEvent, dispatch.id)
    dispatch.status = transition(previous, to)
    session.add(
        DispatchEvent(
            dispatch_id=dispatch.id,
            sequence=sequence,
            kind="status_changed",
            data={"from": previous, "to": to},
        )
    )
    record_event(
        session,
        aggregate_type="ground.dispatch",
        aggregate_id=dispatch.id,
        event_type=STATUS_CHANGED,
        payload={
            "dispatch_id": dispatch.id,
            "booking_id": dispatch.booking_id,
            "from": previous,
            "to": to,
        },
    )


async def transition_dispatch(session: AsyncSession, *, dispatch_id: str, to: str) -> Dispatch:
    """Move a dispatch along its state machine; 409 `invalid_transition` otherwise."""
    dispatch = await get_dispatch(session, dispatch_id=dispatch_id, lock=True)
    transition(dispatch.status, to)  # an impossible move is reported as such first
    if to == "assigned" and (dispatch.vehicle_id is None or dispatch.driver_id is None):
        raise Conflict(
            "dispatch_not_assigned",
            "assign a vehicle and a driver before marking the dispatch assigned",
            **{"from": dispatch.status, "to": to},
        )
    await change_status(session, dispatch, to)
    # Leaving cancelled/no_show never happens, so a status change cannot create an overlap.
    await session.flush()
    await session.refresh(dispatch)
    return dispatch


async def assign_dispatch(
    session: AsyncSession, *, dispatch_id: str, vehicle_id: str, driver_id: str
) -> Dispatch:
    """Put a vehicle and a driver on a dispatch; a scheduled dispatch becomes assigned."""
    dispatch = await get_dispatch(session, dispatch_id=dispatch_id, lock=True)
    if dispatch.status not in ASSIGNABLE:
        raise Conflict(
            "dispatch_not_assignable",
            f"a dispatch that is {dispatch.status} cannot be (re)assigned",
            status=dispatch.status,
        )
    vehicle = await _usable_vehicle(session, vehicle_id, dispatch.pax_total)
    driver = await _usable_driver(session, driver_id)
    dispatch.vehicle_id, dispatch.driver_id = vehicle.id, driver.id
    # Flush before any further query can autoflush: an overlap must surface here, mapped.
    await _flush_or_double_booked(session, dispatch)
    if dispatch.status == "scheduled":
        await change_status(session, dispatch, "assigned")
    record_event(
        session,
        aggregate_type="ground.dispatch",
        aggregate_id=dispatch.id,
        event_type=ASSIGNED,
        payload={
            "dispatch_id": dispatch.id,
            "vehicle_id": dispatch.vehicle_id,
            "driver_id": dispatch.driver_id,
        },
    )
    await session.flush()
    await session.refresh(dispatch)
    return dispatch


async def dispatch_detail(session: AsyncSession, *, dispatch_id: str) -> DispatchDetail:
    """The dispatch with its legs, passengers, checkpoints and execution events."""
    dispatch = await get_dispatch(session, dispatch_id=dispatch_id)
    legs = await session.scalars(
        select(DispatchLeg)
        .where(DispatchLeg.dispatch_id == dispatch.id)
        .order_by(DispatchLeg.sequence)
    )
    passengers = await session.scalars(
        select(DispatchPassenger)
        .where(DispatchPassenger.dispatch_id == dispatch.id)
        .order_by(DispatchPassenger.id)
    )
    checkpoints = await session.scalars(
        select(DispatchCheckpoint)
        .where(DispatchCheckpoint.dispatch_id == dispatch.id)
        .order_by(DispatchCheckpoint.sequence)
    )
    events = await session.scalars(
        select(DispatchEvent)
        .where(DispatchEvent.dispatch_id == dispatch.id)
        .order_by(DispatchEvent.sequence)
    )
    return DispatchDetail(
        dispatch=dispatch,
        legs=list(legs.all()),
        passengers=list(passengers.all()),
        checkpoints=list(checkpoints.all()),
        events=list(events.all()),
    )
