"""Resource pools, their members and "who in pool P is free on date D"."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Query
from pydantic import BaseModel, ConfigDict, Field

from api.deps import SessionDep, require
from domain.auth.service import AuthenticatedPrincipal
from domain.resources import assignments, service
from domain.resources.models import Resource, ResourcePool

router = APIRouter(prefix="/pools", tags=["resources"])
Reader = Annotated[AuthenticatedPrincipal, Depends(require("operations:read"))]
Writer = Annotated[AuthenticatedPrincipal, Depends(require("operations:write"))]

TYPE_PATTERN = r"^[a-z][a-z0-9_]{0,31}$"


class ResourceOut(BaseModel):
    """A resource as the API shows it."""

    model_config = ConfigDict(from_attributes=True)
    id: str
    name: str
    type: str
    active: bool
    created_at: datetime


class PoolIn(BaseModel):
    """A new pool; `resource_type` restricts its members, `timezone` sets its local day."""

    name: str = Field(min_length=1, max_length=200, examples=["French-speaking guides, Cairo"])
    resource_type: str | None = Field(default=None, pattern=TYPE_PATTERN, examples=["guide"])
    timezone: str | None = Field(default=None, max_length=64, examples=["Africa/Cairo"])


class PoolOut(PoolIn):
    """A pool as the API shows it."""

    model_config = ConfigDict(from_attributes=True)
    id: str
    created_at: datetime


class MemberIn(BaseModel):
    """The resource to put in the pool."""

    resource_id: str = Field(max_length=90)


class FreeOut(BaseModel):
    """The pool's members free during the local day [starts_at, ends_at)."""

    pool_id: str
    date: date
    timezone: str
    starts_at: datetime
    ends_at: datetime
    resources: list[ResourceOut]


@router.post("", response_model=PoolOut, status_code=201, summary="Create a resource pool")
async def create_pool(body: PoolIn, session: SessionDep, _: Writer) -> ResourcePool:
    """400 `invalid_timezone` for a zone that is not IANA."""
    return await service.create_pool(
        session, name=body.name, resource_type=body.resource_type, timezone=body.timezone
    )


@router.get("", response_model=list[PoolOut], summary="List resource pools")
async def list_pools(
    session: SessionDep, _: Reader, limit: Annotated[int, Query(ge=1, le=500)] = 100
) -> list[ResourcePool]:
    """Pools by name."""
    return await service.list_pools(session, limit=limit)


@router.get("/{pool_id}", response_model=PoolOut, summary="One resource pool")
async def get_pool(pool_id: str, session: SessionDep, _: Reader) -> ResourcePool:
    """404 `pool_not_found` when it does not exist."""
    return await service.get_pool(session, pool_id=pool_id)


@router.get("/{pool_id}/members", response_model=list[ResourceOut], summary="Pool members")
async def list_members(pool_id: str, session: SessionDep, _: Reader) -> list[Resource]:
    """The resources in the pool, by name."""
    return await service.list_members(session, pool_id=pool_id)


@router.post(
    "/{pool_id}/members", response_model=ResourceOut, status_code=201, summary="Add a member"
)
async def add_member(pool_id: str, body: MemberIn, session: SessionDep, _: Writer) -> Resource:
    """409 `pool_member_exists` when the resource is already in the pool."""
    return await service.add_member(session, pool_id=pool_id, resource_id=body.resource_id)


@router.delete("/{pool_id}/members/{resource_id}", status_code=204, summary="Remove a member")
async def remove_member(pool_id: str, resource_id: str, session: SessionDep, _: Writer) -> None:
    """404 `pool_member_not_found` when the resource is not in the pool."""
    await service.remove_member(session, pool_id=pool_id, resource_id=resource_id)


@router.get("/{pool_id}/free", response_model=FreeOut, summary="Members free on a date")
async def free_members(
    pool_id: str,
    session: SessionDep,
    _: Reader,
    day: Annotated[date, Query(alias="date", description="YYYY-MM-DD, a local date")],
    tz: Annotated[str | None, Query(max_length=64, description="IANA zone")] = None,
) -> FreeOut:
    """Members with no slot assignment and no closeout overlapping the local day.

    The day is taken in `tz`, else the pool's timezone, else UTC.
    """
    free = await assignments.free_members(session, pool_id=pool_id, day=day, timezone=tz)
    return FreeOut(
        pool_id=free.pool_id,
        date=day,
        timezone=free.timezone,
        starts_at=free.starts_at,
        ends_at=free.ends_at,
        resources=[ResourceOut.model_validate(r) for r in free.resources],
    )
