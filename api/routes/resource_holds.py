"""Program resource holds: room and space blocks, their lifecycle and per-date pickups."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Literal, get_args

from fastapi import APIRouter, Body, Depends, Query, Response
from pydantic import AwareDatetime, BaseModel, ConfigDict, Field
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from api.deps import RuntimeDep, SessionDep, require
from domain.auth.service import AuthenticatedPrincipal
from domain.resources import holds
from domain.resources.hold_models import ResourceHold, ResourceHoldDate
from domain.resources.transitions import HOLD_STATUSES

router = APIRouter(prefix="/holds", tags=["resource holds"])
Reader = Annotated[AuthenticatedPrincipal, Depends(require("operations:read"))]
Writer = Annotated[AuthenticatedPrincipal, Depends(require("operations:write"))]
Status = Literal["inquiry", "held", "confirmed", "released", "cancelled", "expired"]
assert set(get_args(Status)) == set(HOLD_STATUSES)


class HoldDateIn(BaseModel):
    """Units held on one date."""

    date: date
    quantity: int = Field(ge=0, le=100_000)


class HoldIn(BaseModel):
    """A new hold: against a resource, or described (e.g. "Hilton Cairo, 20 doubles")."""

    kind: Literal["room", "space"]
    program_id: str = Field(min_length=1, max_length=120)
    resource_id: str | None = Field(default=None, max_length=90)
    description: str | None = Field(default=None, max_length=500)
    status: Literal["inquiry", "held"] = "inquiry"
    cutoff_at: AwareDatetime | None = None
    dates: list[HoldDateIn] = Field(min_length=1, max_length=400)


class HoldDateOut(BaseModel):
    """One date's counters; `remaining` = held - picked_up - released."""

    model_config = ConfigDict(from_attributes=True)
    date: date
    held: int
    picked_up: int
    released: int
    remaining: int


class HoldOut(BaseModel):
    """A hold with its dates."""

    id: str
    kind: str
    program_id: str
    resource_id: str | None
    description: str | None
    status: str
    cutoff_at: datetime | None
    cutoff_processed_at: datetime | None
    created_at: datetime
    dates: list[HoldDateOut]


class HoldAction(BaseModel):
    """Optional cutoff when a hold becomes held."""

    cutoff_at: AwareDatetime | None = None


class PickupIn(BaseModel):
    """Pick up units of one date; a retry with the same `session_key` changes nothing."""

    session_key: str = Field(min_length=1, max_length=200)
    quantity: int = Field(ge=1, le=100_000)


class PickupOut(BaseModel):
    """The pickup (the earlier one when `replayed`) and what remained after it."""

    id: str
    hold_id: str
    date: date
    session_key: str
    quantity: int
    remaining_after: int
    replayed: bool


def _date_out(row: ResourceHoldDate) -> HoldDateOut:
    q = holds.quantities(row)
    return HoldDateOut(
        date=row.date,
        held=q.held,
        picked_up=q.picked_up,
        released=q.released,
        remaining=q.remaining,
    )


async def _outs(session: AsyncSession, found: list[ResourceHold]) -> list[HoldOut]:
    ids = [hold.id for hold in found]
    rows = (
        await session.scalars(
            select(ResourceHoldDate)
            .where(ResourceHoldDate.hold_id.in_(ids))
            .order_by(ResourceHoldDate.date)
            .execution_options(populate_existing=True)
        )
    ).all()
    dates: dict[str, list[HoldDateOut]] = {hold_id: [] for hold_id in ids}
    for row in rows:
        dates[row.hold_id].append(_date_out(row))
    return [
        HoldOut(
            id=h.id,
            kind=h.kind,
            program_id=h.program_id,
            resource_id=h.resource_id,
            description=h.description,
            status=h.status,
            cutoff_at=h.cutoff_at,
            cutoff_processed_at=h.cutoff_processed_at,
            created_at=h.created_at,
            dates=dates[h.id],
        )
        for h in found
    ]


@router.post("", response_model=HoldOut, status_code=201, summary="Place a hold")
async def place_hold(body: HoldIn, session: SessionDep, runtime: RuntimeDep, _: Writer) -> HoldOut:
    """A cutoff starts `resource-hold-cutoff:{holdId}`, which releases unpicked units then."""
    hold = await holds.place_hold(
        session,
        kind=body.kind,
        program_id=body.program_id,
        dates=[(d.date, d.quantity) for d in body.dates],
        resource_id=body.resource_id,
        description=body.description,
        status=body.status,
        cutoff_at=body.cutoff_at,
        task_queue=runtime.settings.temporal_task_queue,
    )
    await session.refresh(hold)
    return (await _outs(session, [hold]))[0]


@router.get("", response_model=list[HoldOut], summary="List holds")
async def list_holds(
    session: SessionDep,
    _: Reader,
    program_id: Annotated[str | None, Query(max_length=120)] = None,
    status: Status | None = None,
) -> list[HoldOut]:
    """Newest first, optionally of one program and/or status."""
    return await _outs(
        session, await holds.list_holds(session, program_id=program_id, status=status)
    )


@router.get("/{hold_id}", response_model=HoldOut, summary="One hold")
async def get_hold(hold_id: str, session: SessionDep, _: Reader) -> HoldOut:
    """404 `hold_not_found` when it does not exist."""
    return (await _outs(session, [await holds.get_hold(session, hold_id=hold_id)]))[0]


async def _move(
    session: AsyncSession, runtime: RuntimeDep, hold_id: str, target: str, cutoff: datetime | None
) -> HoldOut:
    hold = await holds.change_status(
        session,
        hold_id=hold_id,
        target=target,
        cutoff_at=cutoff,
        task_queue=runtime.settings.temporal_task_queue,
    )
    await session.refresh(hold)
    return (await _outs(session, [hold]))[0]


@router.post("/{hold_id}/hold", response_model=HoldOut, summary="inquiry -> held")
async def hold_hold(
    hold_id: str,
    session: SessionDep,
    runtime: RuntimeDep,
    _: Writer,
    body: Annotated[HoldAction | None, Body()] = None,
) -> HoldOut:
    """Optionally set the cutoff (once); 409 `invalid_transition` from other states."""
    return await _move(session, runtime, hold_id, "held", body.cutoff_at if body else None)


@router.post("/{hold_id}/confirm", response_model=HoldOut, summary="held -> confirmed")
async def confirm_hold(
    hold_id: str, session: SessionDep, runtime: RuntimeDep, _: Writer
) -> HoldOut:
    """The booking firmed up; unpicked units still go back at the cutoff."""
    return await _move(session, runtime, hold_id, "confirmed", None)


@router.post("/{hold_id}/release", response_model=HoldOut, summary="Release the hold")
async def release_hold(
    hold_id: str, session: SessionDep, runtime: RuntimeDep, _: Writer
) -> HoldOut:
    """Give every unpicked unit back now."""
    return await _move(session, runtime, hold_id, "released", None)


@router.post("/{hold_id}/cancel", response_model=HoldOut, summary="Cancel the hold")
async def cancel_hold(hold_id: str, session: SessionDep, runtime: RuntimeDep, _: Writer) -> HoldOut:
    """Call the hold off; its cutoff then does nothing."""
    return await _move(session, runtime, hold_id, "cancelled", None)


@router.post(
    "/{hold_id}/dates/{day}/pickups",
    response_model=PickupOut,
    status_code=201,
    summary="Pick up units of one date",
)
async def pick_up(
    hold_id: str, day: date, body: PickupIn, session: SessionDep, response: Response, _: Writer
) -> PickupOut:
    """400 `pickup_exceeds_remaining` past what remains; a replayed session key answers 200."""
    result = await holds.pick_up(
        session, hold_id=hold_id, day=day, session_key=body.session_key, quantity=body.quantity
    )
    if result.replayed:
        response.status_code = 200
    return PickupOut(
        id=result.pickup.id,
        hold_id=result.date.hold_id,
        date=result.date.date,
        session_key=result.pickup.session_key,
        quantity=result.pickup.quantity,
        remaining_after=result.pickup.remaining_after,
        replayed=result.replayed,
    )
