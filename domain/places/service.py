"""Creating, reading and updating places; validation of timezones and coordinates."""

from __future__ import annotations

import zoneinfo
from collections.abc import Mapping
from functools import cache
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from domain.errors import BadRequest, NotFound
from domain.ids import parse_id
from domain.places.models import PLACE_KINDS, Place

UPDATABLE = frozenset({"kind", "name", "address", "latitude", "longitude", "timezone"})


@cache
def _iana_zones() -> frozenset[str]:
    return frozenset(zoneinfo.available_timezones())


def check_timezone(name: str) -> str:
    """Return `name` if it is an IANA timezone, else raise 400 `invalid_timezone`."""
    if name not in _iana_zones():
        raise BadRequest(
            "invalid_timezone", f"'{name}' is not an IANA timezone like 'Europe/Paris'", value=name
        )
    return name


def check_coordinates(latitude: float | None, longitude: float | None) -> None:
    """Both or neither, within range; else raise 400 `invalid_coordinates`."""
    if (latitude is None) != (longitude is None):
        raise BadRequest("invalid_coordinates", "latitude and longitude go together")
    if latitude is not None and not -90 <= latitude <= 90:
        raise BadRequest(
            "invalid_coordinates", "latitude must be within -90..90", latitude=latitude
        )
    if longitude is not None and not -180 <= longitude <= 180:
        raise BadRequest(
            "invalid_coordinates", "longitude must be within -180..180", longitude=longitude
        )


def _check_kind(kind: str) -> None:
    if kind not in PLACE_KINDS:
        raise BadRequest("invalid_place_kind", f"kind must be one of {', '.join(PLACE_KINDS)}")


async def create_place(
    session: AsyncSession,
    *,
    kind: str,
    name: str,
    timezone: str,
    address: str | None = None,
    latitude: float | None = None,
    longitude: float | None = None,
) -> Place:
    """Validate and insert a place."""
    _check_kind(kind)
    check_timezone(timezone)
    check_coordinates(latitude, longitude)
    place = Place(
        kind=kind,
        name=name,
        timezone=timezone,
        address=address,
        latitude=latitude,
        longitude=longitude,
    )
    session.add(place)
    await session.flush()
    return place


async def get_place(session: AsyncSession, *, place_id: str, field: str = "place_id") -> Place:
    """The place, or 400 `invalid_id` / 404 `place_not_found`."""
    place = await session.get(Place, parse_id(place_id, Place.id_prefix, field=field))
    if place is None:
        raise NotFound("place_not_found", f"no place {place_id}", **{field: place_id})
    return place


async def list_places(
    session: AsyncSession, *, kind: str | None = None, limit: int = 100, offset: int = 0
) -> list[Place]:
    """Places by name, optionally of one kind."""
    stmt = select(Place).order_by(Place.name, Place.id).limit(limit).offset(offset)
    if kind is not None:
        stmt = stmt.where(Place.kind == kind)
    return list((await session.scalars(stmt)).all())


async def update_place(
    session: AsyncSession, *, place_id: str, changes: Mapping[str, Any]
) -> Place:
    """Apply a partial update (keys of UPDATABLE) with the same checks as creation."""
    place = await get_place(session, place_id=place_id)
    unknown = set(changes) - UPDATABLE
    if unknown:
        raise BadRequest("invalid_field", f"cannot update {', '.join(sorted(unknown))}")
    if "kind" in changes:
        _check_kind(changes["kind"])
    if "timezone" in changes:
        check_timezone(changes["timezone"])
    check_coordinates(
        changes.get("latitude", place.latitude), changes.get("longitude", place.longitude)
    )
    for key, value in changes.items():
        setattr(place, key, value)
    await session.flush()
    await session.refresh(place)  # reload the server-set updated_at
    return place
