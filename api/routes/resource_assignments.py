"""Option resource requirements and resource-to-slot assignments."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Query
from pydantic import BaseModel, ConfigDict, Field

from api.deps import SessionDep, require
from domain.auth.service import AuthenticatedPrincipal
from domain.resources import assignments, service
from domain.resources.models import ResourceRequirement, ResourceSlotAssignment

router = APIRouter(tags=["resources"])
Reader = Annotated[AuthenticatedPrincipal, Depends(require("operations:read"))]
Writer = Annotated[AuthenticatedPrincipal, Depends(require("operations:write"))]

Id = Annotated[str, Field(max_length=90)]


class RequirementIn(BaseModel):
    """Each slot of `option_id` needs `quantity` resources from `pool_id`."""

    option_id: Id
    pool_id: Id
    quantity: int = Field(default=1, ge=1, le=1000)


class RequirementOut(RequirementIn):
    """A requirement as the API shows it."""

    model_config = ConfigDict(from_attributes=True)
    id: str


class AssignmentIn(BaseModel):
    """Put a resource on a slot, optionally to fill one of the option's requirements."""

    resource_id: Id
    slot_id: Id
    requirement_id: Id | None = None


class AssignmentOut(BaseModel):
    """An assignment, with the slot's times it blocks."""

    model_config = ConfigDict(from_attributes=True)
    id: str
    resource_id: str
    slot_id: str
    requirement_id: str | None
    starts_at: datetime
    ends_at: datetime


@router.post(
    "/requirements", response_model=RequirementOut, status_code=201, summary="Add a requirement"
)
async def create_requirement(
    body: RequirementIn, session: SessionDep, _: Writer
) -> ResourceRequirement:
    """409 `requirement_exists` when the option already requires that pool."""
    return await service.create_requirement(
        session, option_id=body.option_id, pool_id=body.pool_id, quantity=body.quantity
    )


@router.get("/requirements", response_model=list[RequirementOut], summary="List requirements")
async def list_requirements(
    session: SessionDep, _: Reader, option_id: Annotated[str | None, Query(max_length=90)] = None
) -> list[ResourceRequirement]:
    """All requirements, or those of one product option."""
    return await service.list_requirements(session, option_id=option_id)


@router.delete("/requirements/{requirement_id}", status_code=204, summary="Drop a requirement")
async def delete_requirement(requirement_id: str, session: SessionDep, _: Writer) -> None:
    """Assignments made under it stay, without the link."""
    await service.delete_requirement(session, requirement_id=requirement_id)


@router.post(
    "/assignments", response_model=AssignmentOut, status_code=201, summary="Assign to a slot"
)
async def assign(body: AssignmentIn, session: SessionDep, _: Writer) -> ResourceSlotAssignment:
    """409 `resource_double_booked` on an overlapping slot, `resource_closed` in a closeout."""
    return await assignments.assign(
        session,
        resource_id=body.resource_id,
        slot_id=body.slot_id,
        requirement_id=body.requirement_id,
    )


@router.get("/assignments", response_model=list[AssignmentOut], summary="List assignments")
async def list_assignments(
    session: SessionDep,
    _: Reader,
    slot_id: Annotated[str | None, Query(max_length=90)] = None,
    resource_id: Annotated[str | None, Query(max_length=90)] = None,
) -> list[ResourceSlotAssignment]:
    """Assignments of a slot and/or a resource, earliest first."""
    return await assignments.list_assignments(session, slot_id=slot_id, resource_id=resource_id)


@router.delete("/assignments/{assignment_id}", status_code=204, summary="Unassign")
async def unassign(assignment_id: str, session: SessionDep, _: Writer) -> None:
    """404 `assignment_not_found` when it does not exist."""
    await assignments.unassign(session, assignment_id=assignment_id)
