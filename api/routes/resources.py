"""Resources and their closeouts; mounts pools, assignments and holds under /v1/resources."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Query
from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from api.deps import SessionDep, require
from api.routes import resource_assignments, resource_holds, resource_pools
from api.routes.resource_assignments import AssignmentOut
from api.routes.resource_pools import TYPE_PATTERN, ResourceOut
from domain.auth.service import AuthenticatedPrincipal
from domain.resources import assignments, service
from domain.resources.models import Resource, ResourceCloseout, ResourceSlotAssignment

router = APIRouter(prefix="/v1/resources", tags=["resources"])
# Fixed paths (/pools, /holds, /assignments, /requirements) before /{resource_id}.
for sub in (resource_pools, resource_holds, resource_assignments):
    router.include_router(sub.router)

Reader = Annotated[AuthenticatedPrincipal, Depends(require("operations:read"))]
Writer = Annotated[AuthenticatedPrincipal, Depends(require("operations:write"))]


class ResourceIn(BaseModel):
    """A new resource."""

    name: str = Field(min_length=1, max_length=200, examples=["Amira Hassan"])
    type: str = Field(pattern=TYPE_PATTERN, examples=["guide"])
    active: bool = True


class CloseoutIn(BaseModel):
    """The resource is unavailable over [starts_at, ends_at)."""

    starts_at: AwareDatetime
    ends_at: AwareDatetime
    reason: str | None = Field(default=None, max_length=200)


class CloseoutOut(BaseModel):
    """A closeout as the API shows it."""

    model_config = ConfigDict(from_attributes=True)
    id: str
    resource_id: str
    starts_at: datetime
    ends_at: datetime
    reason: str | None


@router.post("", response_model=ResourceOut, status_code=201, summary="Create a resource")
async def create_resource(body: ResourceIn, session: SessionDep, _: Writer) -> Resource:
    """A guide, driver, vehicle, room, piece of equipment, ..."""
    return await service.create_resource(
        session, name=body.name, type=body.type, active=body.active
    )


@router.get("", response_model=list[ResourceOut], summary="List resources")
async def list_resources(
    session: SessionDep,
    _: Reader,
    type: Annotated[str | None, Query(pattern=TYPE_PATTERN)] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> list[Resource]:
    """By name, optionally of one type."""
    return await service.list_resources(session, type=type, limit=limit)


@router.get("/{resource_id}", response_model=ResourceOut, summary="One resource")
async def get_resource(resource_id: str, session: SessionDep, _: Reader) -> Resource:
    """404 `resource_not_found` when it does not exist."""
    return await service.get_resource(session, resource_id=resource_id)


@router.get(
    "/{resource_id}/assignments", response_model=list[AssignmentOut], summary="Its assignments"
)
async def resource_assignments_of(
    resource_id: str, session: SessionDep, _: Reader
) -> list[ResourceSlotAssignment]:
    """The slots this resource works, earliest first."""
    await service.get_resource(session, resource_id=resource_id)
    return await assignments.list_assignments(session, resource_id=resource_id)


@router.post(
    "/{resource_id}/closeouts", response_model=CloseoutOut, status_code=201, summary="Close out"
)
async def create_closeout(
    resource_id: str, body: CloseoutIn, session: SessionDep, _: Writer
) -> ResourceCloseout:
    """409 `closeout_overlaps` or `resource_assigned_in_closeout`; 400 `invalid_interval`."""
    return await assignments.create_closeout(
        session,
        resource_id=resource_id,
        starts_at=body.starts_at,
        ends_at=body.ends_at,
        reason=body.reason,
    )


@router.get("/{resource_id}/closeouts", response_model=list[CloseoutOut], summary="Closeouts")
async def list_closeouts(
    resource_id: str, session: SessionDep, _: Reader
) -> list[ResourceCloseout]:
    """Earliest first."""
    return await assignments.list_closeouts(session, resource_id=resource_id)


@router.delete(
    "/{resource_id}/closeouts/{closeout_id}", status_code=204, summary="Remove a closeout"
)
async def delete_closeout(
    resource_id: str, closeout_id: str, session: SessionDep, _: Writer
) -> None:
    """404 `closeout_not_found` unless the closeout belongs to the resource."""
    await assignments.delete_closeout(session, resource_id=resource_id, closeout_id=closeout_id)
