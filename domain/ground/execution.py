"""What hangs off a dispatch: legs, passengers, checkpoints and the execution-event log.

Every write here locks the dispatch row first; that lock orders the per-dispatch
`sequence` numbers and makes the passenger-count check against the vehicle race-free.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from domain.errors import BadRequest, Conflict, NotFound
from domain.ground.fleet import get_vehicle
from domain.ground.locks import load, next_sequence
from domain.ground.models import (
    EVENT_KINDS,
    Dispatch,
    DispatchCheckpoint,
    DispatchEvent,
    DispatchLeg,
    DispatchPassenger,
)
from domain.ground.service import get_dispatch
from domain.ground.timing import check_instant, check_window
from domain.ground.transitions import is_terminal
from domain.places.service import get_place

# status_changed entries are written by transitions only, never posted by hand.
RECORDABLE_KINDS = tuple(kind for kind in EVENT_KINDS if kind != "status_changed")


async def _open_dispatch(session: AsyncSession, dispatch_id: str) -> Dispatch:
    dispatch = await get_dispatch(session, dispatch_id=dispatch_id, lock=True)
    if is_terminal(dispatch.status):
        raise Conflict(
            "dispatch_closed",
            f"dispatch is {dispatch.status}; it takes no more changes",
            status=dispatch.status,
        )
    return dispatch


async def add_leg(
    session: AsyncSession,
    *,
    dispatch_id: str,
    from_place_id: str,
    to_place_id: str,
    departs_at: datetime | None = None,
    arrives_at: datetime | None = None,
) -> DispatchLeg:
    """Append an A-to-B leg to an open dispatch."""
    dispatch = await _open_dispatch(session, dispatch_id)
    origin = await get_place(session, place_id=from_place_id, field="from_place_id")
    destination = await get_place(session, place_id=to_place_id, field="to_place_id")
    if departs_at is not None and arrives_at is not None:
        check_window(departs_at, arrives_at, names=("departs_at", "arrives_at"))
    for instant, field in ((departs_at, "departs_at"), (arrives_at, "arrives_at")):
        if instant is not None:
            check_instant(instant, field=field)
    leg = DispatchLeg(
        dispatch_id=dispatch.id,
        sequence=await next_sequence(session, DispatchLeg, dispatch.id),
        from_place_id=origin.id,
        to_place_id=destination.id,
        departs_at=departs_at,
        arrives_at=arrives_at,
    )
    session.add(leg)
    await session.flush()
    return leg


async def add_passenger(
    session: AsyncSession,
    *,
    dispatch_id: str,
    name: str,
    pax: int = 1,
    booking_id: str | None = None,
    notes: str | None = None,
) -> DispatchPassenger:
    """Add a party; the dispatch's total must still fit the assigned vehicle's capacity."""
    if pax < 1:
        raise BadRequest("invalid_pax", "a passenger entry counts at least one person")
    dispatch = await _open_dispatch(session, dispatch_id)
    new_total = dispatch.pax_total + pax
    if dispatch.vehicle_id is not None:
        # FOR SHARE: a concurrent capacity cut on the vehicle waits for this transaction.
        vehicle = await get_vehicle(session, vehicle_id=dispatch.vehicle_id, lock="share")
        if new_total > vehicle.capacity:
            raise BadRequest(
                "vehicle_capacity_exceeded",
                f"{new_total} passengers do not fit in {vehicle.capacity} seats",
                pax=new_total,
                capacity=vehicle.capacity,
            )
    passenger = DispatchPassenger(
        dispatch_id=dispatch.id, name=name, pax=pax, booking_id=booking_id, notes=notes
    )
    dispatch.pax_total = new_total
    session.add(passenger)
    await session.flush()
    return passenger


async def add_checkpoint(
    session: AsyncSession,
    *,
    dispatch_id: str,
    name: str,
    place_id: str | None = None,
    planned_at: datetime | None = None,
) -> DispatchCheckpoint:
    """Append a planned waypoint to an open dispatch."""
    if planned_at is not None:
        check_instant(planned_at, field="planned_at")
    dispatch = await _open_dispatch(session, dispatch_id)
    place = await get_place(session, place_id=place_id) if place_id is not None else None
    checkpoint = DispatchCheckpoint(
        dispatch_id=dispatch.id,
        sequence=await next_sequence(session, DispatchCheckpoint, dispatch.id),
        name=name,
        place_id=place.id if place else None,
        planned_at=planned_at,
    )
    session.add(checkpoint)
    await session.flush()
    return checkpoint


async def _checkpoint_of(
    session: AsyncSession, dispatch: Dispatch, checkpoint_id: str
) -> DispatchCheckpoint:
    checkpoint = await load(
        session,
        DispatchCheckpoint,
        checkpoint_id,
        field="checkpoint_id",
        thing="checkpoint",
    )
    if checkpoint.dispatch_id != dispatch.id:
        raise NotFound(
            "checkpoint_not_found",
            f"no checkpoint {checkpoint_id} on this dispatch",
            checkpoint_id=checkpoint_id,
        )
    return checkpoint


async def record_execution_event(
    session: AsyncSession,
    *,
    dispatch_id: str,
    kind: str,
    occurred_at: datetime | None = None,
    note: str | None = None,
    data: dict[str, Any] | None = None,
    checkpoint_id: str | None = None,
) -> DispatchEvent:
    """Append to the dispatch's log; `checkpoint_reached` also stamps the checkpoint."""
    if kind not in RECORDABLE_KINDS:
        raise BadRequest("invalid_event_kind", f"kind must be one of {RECORDABLE_KINDS}")
    if occurred_at is not None:
        check_instant(occurred_at, field="occurred_at")
    if kind == "checkpoint_reached" and checkpoint_id is None:
        raise BadRequest("checkpoint_required", "a checkpoint_reached event names its checkpoint")
    # Events may still be recorded on a finished dispatch (a late incident report).
    dispatch = await get_dispatch(session, dispatch_id=dispatch_id, lock=True)
    checkpoint = None
    if checkpoint_id is not None:
        checkpoint = await _checkpoint_of(session, dispatch, checkpoint_id)
    if kind == "checkpoint_reached" and checkpoint is not None and checkpoint.reached_at:
        raise Conflict(
            "checkpoint_already_reached",
            f"checkpoint was reached at {checkpoint.reached_at.isoformat()}",
            checkpoint_id=checkpoint.id,
        )
    event = DispatchEvent(
        dispatch_id=dispatch.id,
        sequence=await next_sequence(session, DispatchEvent, dispatch.id),
        kind=kind,
        note=note,
        data=data or {},
        checkpoint_id=checkpoint.id if checkpoint else None,
    )
    if occurred_at is not None:
        event.occurred_at = occurred_at
    session.add(event)
    await session.flush()  # the database clock fills occurred_at when the caller did not
    if kind == "checkpoint_reached" and checkpoint is not None:
        checkpoint.reached_at = event.occurred_at
        await session.flush()
    return event
