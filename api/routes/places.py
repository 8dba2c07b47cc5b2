"""Places: shared physical locations, served as /v1/places and as /v1/facilities."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Query
from pydantic import BaseModel, ConfigDict, Field

from api.deps import SessionDep, require
from api.fields import LongText, Medium, Name, Patch
from domain.auth.service import AuthenticatedPrincipal
from domain.places import service
from domain.places.models import Place

Reader = Annotated[AuthenticatedPrincipal, Depends(require("operations:read"))]
Writer = Annotated[AuthenticatedPrincipal, Depends(require("operations:write"))]
PlaceKind = Literal[
    "meeting_point",
    "pickup",
    "dropoff",
    "airport",
    "station",
    "port",
    "attraction",
    "venue",
    "accommodation",
]
Latitude = Annotated[float, Field(ge=-90, le=90)]
Longitude = Annotated[float, Field(ge=-180, le=180)]


class PlaceIn(BaseModel):
    """A new place; `timezone` is an IANA name such as 'Africa/Cairo'."""

    kind: PlaceKind
    name: Name
    timezone: Medium
    address: LongText | None = None
    latitude: Latitude | None = None
    longitude: Longitude | None = None


class PlaceUpdate(Patch):
    """Any subset of a place's fields; latitude and longitude may be cleared together."""

    not_null = frozenset({"kind", "name", "timezone"})
    kind: PlaceKind | None = None
    name: Name | None = None
    timezone: Medium | None = None
    address: LongText | None = None
    latitude: Latitude | None = None
    longitude: Longitude | None = None


class PlaceOut(BaseModel):
    """A place as stored."""

    model_config = ConfigDict(from_attributes=True)
    id: str
    kind: str
    name: str
    timezone: str
    address: str | None
    latitude: float | None
    longitude: float | None
    created_at: datetime
    updated_at: datetime


routes = APIRouter()


@routes.post("", response_model=PlaceOut, status_code=201, summary="Create a place")
async def create_place(body: PlaceIn, session: SessionDep, _: Writer) -> Place:
    """400 `invalid_timezone` / `invalid_coordinates` for unacceptable values."""
    return await service.create_place(session, **body.model_dump())


@routes.get("", response_model=list[PlaceOut], summary="List places")
async def list_places(
    session: SessionDep,
    _: Reader,
    kind: PlaceKind | None = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
) -> list[Place]:
    """By name, optionally of one kind."""
    return await service.list_places(session, kind=kind, limit=limit, offset=offset)


@routes.get("/{place_id}", response_model=PlaceOut, summary="One place")
async def get_place(place_id: str, session: SessionDep, _: Reader) -> Place:
    """404 `place_not_found` when it does not exist."""
    return await service.get_place(session, place_id=place_id)


@routes.patch("/{place_id}", response_model=PlaceOut, summary="Update a place")
async def update_place(place_id: str, body: PlaceUpdate, session: SessionDep, _: Writer) -> Place:
    """Change any subset of fields, with the same checks as creation."""
    return await service.update_place(session, place_id=place_id, changes=body.changes())


router = APIRouter()
router.include_router(routes, prefix="/v1/places", tags=["places"])
# The v1 compatibility name: same handlers, same rows.
router.include_router(routes, prefix="/v1/facilities", tags=["places (facilities)"])
