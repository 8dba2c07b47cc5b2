"""Slot assignments, closeouts and the free-resources query (services flush, never commit).

Lock order: requirement, then resource, both FOR UPDATE. Writes touching one resource run
one at a time: two conflicting inserts racing into an exclusion constraint can deadlock
each other, and a closeout must never pass an assignment unseen. The exclusion
constraints still decide every overlap, and guard writers that skip the lock.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import ColumnElement, exists, func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import InstrumentedAttribute

from domain.availability.models import AvailabilitySlot
from domain.errors import BadRequest, Conflict, NotFound
from domain.ids import parse_id
from domain.outbox.record import record_event
from domain.resources.days import local_day_bounds, zone
from domain.resources.models import (
    ASSIGNMENT_OVERLAP,
    CLOSEOUT_OVERLAP,
    Resource,
    ResourceCloseout,
    ResourcePoolMember,
    ResourceRequirement,
    ResourceSlotAssignment,
)
from domain.resources.service import add_guarded, get_pool, get_requirement, is_member

Interval = type[ResourceSlotAssignment] | type[ResourceCloseout]


def _overlaps(
    model: Interval,
    resource_id: str | InstrumentedAttribute[str],
    starts_at: datetime,
    ends_at: datetime,
) -> ColumnElement[bool]:
    # Half-open intervals [a, b) and [c, d) overlap iff a < d and c < b.
    return (
        (model.resource_id == resource_id)
        & (model.starts_at < ends_at)
        & (model.ends_at > starts_at)
    )


async def _lock_resource(session: AsyncSession, *, resource_id: str) -> Resource:
    rid = parse_id(resource_id, "res", field="resource_id")
    resource = await session.scalar(
        select(Resource)
        .where(Resource.id == rid)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    if resource is None:
        raise NotFound("resource_not_found", f"no resource {resource_id}")
    return resource


async def _lock_requirement(session: AsyncSession, *, requirement_id: str) -> ResourceRequirement:
    requirement = await get_requirement(session, requirement_id=requirement_id)
    await session.refresh(requirement, with_for_update=True)
    return requirement


async def assign(
    session: AsyncSession, *, resource_id: str, slot_id: str, requirement_id: str | None = None
) -> ResourceSlotAssignment:
    """Assign a resource to a slot; 409 `resource_double_booked` / `resource_closed` if busy."""
    sid = parse_id(slot_id, "avsl", field="slot_id")
    slot = await session.get(AvailabilitySlot, sid)
    if slot is None:
        raise NotFound("slot_not_found", f"no availability slot {slot_id}")
    if slot.status == "cancelled":
        raise Conflict("slot_cancelled", f"slot {sid} is cancelled", slot_id=sid)
    requirement = None
    if requirement_id is not None:
        requirement = await _lock_requirement(session, requirement_id=requirement_id)
        if requirement.option_id != slot.option_id:
            raise BadRequest(
                "requirement_not_for_slot",
                f"requirement {requirement.id} is for another product option than slot {sid}",
            )
    resource = await _lock_resource(session, resource_id=resource_id)
    if not resource.active:
        raise Conflict("resource_inactive", f"resource {resource.id} is inactive")
    if requirement is not None:
        await _check_requirement(session, requirement=requirement, resource=resource, slot_id=sid)
    closeout = await session.scalar(
        select(ResourceCloseout.id).where(
            _overlaps(ResourceCloseout, resource.id, slot.starts_at, slot.ends_at)
        )
    )
    if closeout is not None:
        raise Conflict(
            "resource_closed",
            f"resource {resource.id} is closed out during slot {sid}",
            closeout_id=closeout,
        )
    assignment = ResourceSlotAssignment(
        resource_id=resource.id,
        slot_id=sid,
        requirement_id=requirement.id if requirement else None,
        starts_at=slot.starts_at,
        ends_at=slot.ends_at,
    )
    double_booked = Conflict(
        "resource_double_booked",
        f"resource {resource.id} is already assigned to an overlapping slot",
        resource_id=resource.id,
        slot_id=sid,
    )
    await add_guarded(session, assignment, errors={ASSIGNMENT_OVERLAP: double_booked})
    record_event(
        session,
        aggregate_type="resource_slot_assignment",
        aggregate_id=assignment.id,
        event_type="resource.assigned",
        payload={"resource_id": resource.id, "slot_id": sid, "assignment_id": assignment.id},
    )
    return assignment


async def _check_requirement(
    session: AsyncSession, *, requirement: ResourceRequirement, resource: Resource, slot_id: str
) -> None:
    if not await is_member(session, pool_id=requirement.pool_id, resource_id=resource.id):
        raise BadRequest(
            "resource_not_in_pool",
            f"resource {resource.id} is not in pool {requirement.pool_id}",
            pool_id=requirement.pool_id,
        )
    filled = await session.scalar(
        select(func.count()).where(
            ResourceSlotAssignment.slot_id == slot_id,
            ResourceSlotAssignment.requirement_id == requirement.id,
        )
    )
    if (filled or 0) >= requirement.quantity:
        raise Conflict(
            "requirement_filled",
            f"slot {slot_id} already has {filled} of {requirement.quantity} resource(s)",
            requirement_id=requirement.id,
        )


async def unassign(session: AsyncSession, *, assignment_id: str) -> None:
    """Remove an assignment; 404 `assignment_not_found` if there is none."""
    aid = parse_id(assignment_id, "rsas", field="assignment_id")
    assignment = await session.scalar(
        select(ResourceSlotAssignment).where(ResourceSlotAssignment.id == aid).with_for_update()
    )
    if assignment is None:
        raise NotFound("assignment_not_found", f"no resource assignment {assignment_id}")
    record_event(
        session,
        aggregate_type="resource_slot_assignment",
        aggregate_id=aid,
        event_type="resource.unassigned",
        payload={"resource_id": assignment.resource_id, "slot_id": assignment.slot_id},
    )
    await session.delete(assignment)
    await session.flush()


async def list_assignments(
    session: AsyncSession, *, slot_id: str | None = None, resource_id: str | None = None
) -> list[ResourceSlotAssignment]:
    """Assignments of a slot and/or a resource, earliest first."""
    stmt = select(ResourceSlotAssignment).order_by(
        ResourceSlotAssignment.starts_at, ResourceSlotAssignment.id
    )
    if slot_id is not None:
        sid = parse_id(slot_id, "avsl", field="slot_id")
        stmt = stmt.where(ResourceSlotAssignment.slot_id == sid)
    if resource_id is not None:
        rid = parse_id(resource_id, "res", field="resource_id")
        stmt = stmt.where(ResourceSlotAssignment.resource_id == rid)
    return list((await session.scalars(stmt.limit(500))).all())


async def create_closeout(
    session: AsyncSession,
    *,
    resource_id: str,
    starts_at: datetime,
    ends_at: datetime,
    reason: str | None = None,
) -> ResourceCloseout:
    """Close a resource over [starts_at, ends_at); 409 if it overlaps a closeout or work."""
    if ends_at <= starts_at:
        raise BadRequest("invalid_interval", "ends_at must be after starts_at")
    resource = await _lock_resource(session, resource_id=resource_id)
    busy = (
        await session.scalars(
            select(ResourceSlotAssignment.id).where(
                _overlaps(ResourceSlotAssignment, resource.id, starts_at, ends_at)
            )
        )
    ).all()
    if busy:
        raise Conflict(
            "resource_assigned_in_closeout",
            f"resource {resource.id} is assigned during that interval; unassign it first",
            assignment_ids=list(busy),
        )
    closeout = ResourceCloseout(
        resource_id=resource.id, starts_at=starts_at, ends_at=ends_at, reason=reason
    )
    overlap = Conflict(
        "closeout_overlaps",
        f"resource {resource.id} already has a closeout overlapping that interval",
        resource_id=resource.id,
    )
    await add_guarded(session, closeout, errors={CLOSEOUT_OVERLAP: overlap})
    return closeout


async def list_closeouts(session: AsyncSession, *, resource_id: str) -> list[ResourceCloseout]:
    """A resource's closeouts, earliest first."""
    rid = parse_id(resource_id, "res", field="resource_id")
    if await session.get(Resource, rid) is None:
        raise NotFound("resource_not_found", f"no resource {resource_id}")
    stmt = (
        select(ResourceCloseout)
        .where(ResourceCloseout.resource_id == rid)
        .order_by(ResourceCloseout.starts_at)
    )
    return list((await session.scalars(stmt)).all())


async def delete_closeout(session: AsyncSession, *, resource_id: str, closeout_id: str) -> None:
    """Reopen a resource; 404 `closeout_not_found` unless the closeout is this resource's."""
    rid = parse_id(resource_id, "res", field="resource_id")
    cid = parse_id(closeout_id, "rclo", field="closeout_id")
    closeout = await session.get(ResourceCloseout, cid)
    if closeout is None or closeout.resource_id != rid:
        raise NotFound("closeout_not_found", f"no closeout {closeout_id} on resource {rid}")
    await session.delete(closeout)
    await session.flush()


@dataclass(frozen=True)
class FreeResources:
    """The free members of a pool and the local day [starts_at, ends_at) they are free in."""

    pool_id: str
    timezone: str
    starts_at: datetime
    ends_at: datetime
    resources: list[Resource]


async def free_members(
    session: AsyncSession, *, pool_id: str, day: date, timezone: str | None = None
) -> FreeResources:
    """Active members of a pool with no assignment or closeout during the local `day`.

    The day is taken in `timezone`, else the pool's, else UTC.
    """
    pool = await get_pool(session, pool_id=pool_id)
    tz_name = timezone or pool.timezone or "UTC"
    starts_at, ends_at = local_day_bounds(day, zone(tz_name))
    busy = [
        exists().where(_overlaps(model, Resource.id, starts_at, ends_at))
        for model in (ResourceSlotAssignment, ResourceCloseout)
    ]
    stmt = (
        select(Resource)
        .join(ResourcePoolMember, ResourcePoolMember.resource_id == Resource.id)
        .where(ResourcePoolMember.pool_id == pool.id, Resource.active, ~busy[0], ~busy[1])
        .order_by(Resource.name, Resource.id)
    )
    free = list((await session.scalars(stmt)).all())
    return FreeResources(pool.id, tz_name, starts_at, ends_at, free)
