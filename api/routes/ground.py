"""Ground routes: dispatches and what hangs off them; vehicles and drivers via ground_fleet."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query
from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from api.deps import SessionDep, require
from api.fields import JsonObject, LongText, Medium, Name, Ref
from api.routes import ground_fleet
from domain.auth.service import AuthenticatedPrincipal
from domain.ground import execution, service
from domain.ground.models import (
    Dispatch,
    DispatchCheckpoint,
    DispatchEvent,
    DispatchLeg,
    DispatchPassenger,
)
from domain.ids import parse_id

router = APIRouter(prefix="/v1/ground", tags=["ground"])
Reader = Annotated[AuthenticatedPrincipal, Depends(require("operations:read"))]
Writer = Annotated[AuthenticatedPrincipal, Depends(require("operations:write"))]
Status = Literal[
    "draft",
    "scheduled",
    "assigned",
    "en_route",
    "arrived",
    "picked_up",
    "completed",
    "cancelled",
    "no_show",
]
EventKind = Literal["checkpoint_reached", "delay", "incident", "location", "note"]


class Orm(BaseModel):
    model_config = ConfigDict(from_attributes=True)


class DispatchIn(BaseModel):
    """A new (draft) dispatch; vehicle and driver may be given now or assigned later."""

    scheduled_at: AwareDatetime
    ends_at: AwareDatetime
    booking_id: Ref | None = None
    vehicle_id: Ref | None = None
    driver_id: Ref | None = None
    pickup_place_id: Ref | None = None
    dropoff_place_id: Ref | None = None
    notes: LongText | None = None


class DispatchOut(Orm):
    """A dispatch as stored; `pax_total` sums its passengers."""

    id: str
    status: str
    scheduled_at: datetime
    ends_at: datetime
    booking_id: str | None
    vehicle_id: str | None
    driver_id: str | None
    pickup_place_id: str | None
    dropoff_place_id: str | None
    pax_total: int
    notes: str | None
    created_at: datetime
    updated_at: datetime


class LegIn(BaseModel):
    """One A-to-B segment."""

    from_place_id: Ref
    to_place_id: Ref
    departs_at: AwareDatetime | None = None
    arrives_at: AwareDatetime | None = None


class LegOut(Orm, LegIn):
    """A leg with its position in the dispatch."""

    id: str
    dispatch_id: str
    sequence: int


class PassengerIn(BaseModel):
    """A party of `pax` people travelling under one name."""

    name: Name
    pax: Annotated[int, Field(ge=1, le=1000)] = 1
    booking_id: Ref | None = None
    notes: LongText | None = None


class PassengerOut(Orm, PassengerIn):
    """A passenger entry."""

    id: str
    dispatch_id: str


class CheckpointIn(BaseModel):
    """A planned waypoint."""

    name: Name
    place_id: Ref | None = None
    planned_at: AwareDatetime | None = None


class CheckpointOut(Orm, CheckpointIn):
    """A checkpoint; `reached_at` is set by a `checkpoint_reached` event."""

    id: str
    dispatch_id: str
    sequence: int
    reached_at: datetime | None


class EventIn(BaseModel):
    """Something that happened on the ground; `occurred_at` defaults to now."""

    kind: EventKind
    occurred_at: AwareDatetime | None = None
    note: LongText | None = None
    data: JsonObject = Field(default_factory=dict)
    checkpoint_id: Ref | None = None


class EventOut(Orm):
    """An entry of the append-only execution log."""

    id: str
    dispatch_id: str
    sequence: int
    kind: str
    occurred_at: datetime
    note: str | None
    data: dict[str, Any]
    checkpoint_id: str | None


class DispatchDetailOut(DispatchOut):
    """A dispatch with its legs, passengers, checkpoints and execution log."""

    legs: list[LegOut]
    passengers: list[PassengerOut]
    checkpoints: list[CheckpointOut]
    events: list[EventOut]


class TransitionIn(BaseModel):
    """The status to move to."""

    to: Status


class AssignIn(BaseModel):
    """The vehicle and driver to put on the dispatch."""

    vehicle_id: Ref
    driver_id: Ref


@router.post("/dispatches", response_model=DispatchOut, status_code=201, summary="Create")
async def create_dispatch(body: DispatchIn, session: SessionDep, _: Writer) -> Dispatch:
    """409 `vehicle_double_booked` / `driver_double_booked` when an asset is taken."""
    return await service.create_dispatch(session, **body.model_dump())


@router.get("/dispatches", response_model=list[DispatchOut], summary="List dispatches")
async def list_dispatches(
    session: SessionDep,
    _: Reader,
    on_date: Annotated[date | None, Query(alias="date")] = None,
    timezone: Annotated[Medium, Query()] = "UTC",
    vehicle_id: str | None = None,
    driver_id: str | None = None,
    status: Status | None = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
) -> list[Dispatch]:
    """By start time; `date` is a calendar day in `timezone` (IANA, default UTC)."""
    return await service.list_dispatches(
        session,
        on_date=on_date,
        timezone=timezone,
        vehicle_id=parse_id(vehicle_id, "gveh", field="vehicle_id") if vehicle_id else None,
        driver_id=parse_id(driver_id, "gdrv", field="driver_id") if driver_id else None,
        status=status,
        limit=limit,
        offset=offset,
    )


@router.get("/dispatches/{dispatch_id}", response_model=DispatchDetailOut, summary="One")
async def get_dispatch(dispatch_id: str, session: SessionDep, _: Reader) -> DispatchDetailOut:
    """The dispatch with everything that hangs off it."""
    detail = await service.dispatch_detail(session, dispatch_id=dispatch_id)
    return DispatchDetailOut.model_validate(
        {
            **DispatchOut.model_validate(detail.dispatch).model_dump(),
            "legs": detail.legs,
            "passengers": detail.passengers,
            "checkpoints": detail.checkpoints,
            "events": detail.events,
        }
    )


@router.post(
    "/dispatches/{dispatch_id}/transition", response_model=DispatchOut, summary="Change status"
)
async def transition_dispatch(
    dispatch_id: str, body: TransitionIn, session: SessionDep, _: Writer
) -> Dispatch:
    """409 `invalid_transition` (details name from/to) when the move is not allowed."""
    return await service.transition_dispatch(session, dispatch_id=dispatch_id, to=body.to)


@router.post(
    "/dispatches/{dispatch_id}/assign", response_model=DispatchOut, summary="Assign assets"
)
async def assign_dispatch(
    dispatch_id: str, body: AssignIn, session: SessionDep, _: Writer
) -> Dispatch:
    """Put a vehicle and driver on it; a scheduled dispatch becomes assigned."""
    return await service.assign_dispatch(session, dispatch_id=dispatch_id, **body.model_dump())


@router.post(
    "/dispatches/{dispatch_id}/legs", response_model=LegOut, status_code=201, summary="Add leg"
)
async def add_leg(dispatch_id: str, body: LegIn, session: SessionDep, _: Writer) -> DispatchLeg:
    """Appended after the existing legs."""
    return await execution.add_leg(session, dispatch_id=dispatch_id, **body.model_dump())


@router.post(
    "/dispatches/{dispatch_id}/passengers",
    response_model=PassengerOut,
    status_code=201,
    summary="Add passengers",
)
async def add_passenger(
    dispatch_id: str, body: PassengerIn, session: SessionDep, _: Writer
) -> DispatchPassenger:
    """400 `vehicle_capacity_exceeded` when the assigned vehicle would overflow."""
    return await execution.add_passenger(session, dispatch_id=dispatch_id, **body.model_dump())


@router.post(
    "/dispatches/{dispatch_id}/checkpoints",
    response_model=CheckpointOut,
    status_code=201,
    summary="Add checkpoint",
)
async def add_checkpoint(
    dispatch_id: str, body: CheckpointIn, session: SessionDep, _: Writer
) -> DispatchCheckpoint:
    """Appended after the existing checkpoints."""
    return await execution.add_checkpoint(session, dispatch_id=dispatch_id, **body.model_dump())


@router.post(
    "/dispatches/{dispatch_id}/events",
    response_model=EventOut,
    status_code=201,
    summary="Record an execution event",
)
async def record_event(
    dispatch_id: str, body: EventIn, session: SessionDep, _: Writer
) -> DispatchEvent:
    """Append-only; `checkpoint_reached` needs `checkpoint_id` and stamps that checkpoint."""
    return await execution.record_execution_event(
        session, dispatch_id=dispatch_id, **body.model_dump()
    )


router.include_router(ground_fleet.router)
