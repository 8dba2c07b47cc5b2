"""Resources, pools, pool members and option requirements (services flush, never commit)."""

from __future__ import annotations

from collections.abc import Mapping

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from domain.base import Base
from domain.catalog.models import ProductOption
from domain.errors import BadRequest, Conflict, DomainError, NotFound
from domain.ids import parse_id
from domain.resources.days import zone
from domain.resources.models import (
    Resource,
    ResourcePool,
    ResourcePoolMember,
    ResourceRequirement,
)

MEMBER_UNIQUE = "uq_resource_pool_members_pool_id_resource_id"
REQUIREMENT_UNIQUE = "uq_resource_requirements_option_id_pool_id"


def constraint_of(exc: IntegrityError) -> str | None:
    """The name of the constraint a database error is about, if it says."""
    return getattr(getattr(exc.orig, "diag", None), "constraint_name", None)


async def add_guarded(
    session: AsyncSession, row: Base, *, errors: Mapping[str, DomainError]
) -> None:
    """Insert `row` in a savepoint; a violation of a constraint in `errors` raises its error.

    The constraint, not a prior SELECT, is the arbiter, so concurrent requests cannot both
    pass; the savepoint keeps the session usable for the caller's error handling.
    """
    try:
        async with session.begin_nested():
            session.add(row)
    except IntegrityError as exc:
        error = errors.get(constraint_of(exc) or "")
        if error is None:
            raise
        raise error from exc


async def create_resource(
    session: AsyncSession, *, name: str, type: str, active: bool = True
) -> Resource:
    """Add a resource of `type` (guide, driver, vehicle, room, equipment, ...)."""
    resource = Resource(name=name, type=type, active=active)
    session.add(resource)
    await session.flush()
    return resource


async def get_resource(session: AsyncSession, *, resource_id: str) -> Resource:
    """The resource, or 404 `resource_not_found`."""
    resource = await session.get(Resource, parse_id(resource_id, "res", field="resource_id"))
    if resource is None:
        raise NotFound("resource_not_found", f"no resource {resource_id}")
    return resource


async def list_resources(
    session: AsyncSession, *, type: str | None = None, limit: int = 100
) -> list[Resource]:
    """Resources by name, optionally of one type."""
    stmt = select(Resource).order_by(Resource.name, Resource.id).limit(limit)
    if type is not None:
        stmt = stmt.where(Resource.type == type)
    return list((await session.scalars(stmt)).all())


async def create_pool(
    session: AsyncSession,
    *,
    name: str,
    resource_type: str | None = None,
    timezone: str | None = None,
) -> ResourcePool:
    """Add a pool; `timezone` must be an IANA name (400 `invalid_timezone`)."""
    if timezone is not None:
        zone(timezone)
    pool = ResourcePool(name=name, resource_type=resource_type, timezone=timezone)
    session.add(pool)
    await session.flush()
    return pool


async def get_pool(session: AsyncSession, *, pool_id: str) -> ResourcePool:
    """The pool, or 404 `pool_not_found`."""
    pool = await session.get(ResourcePool, parse_id(pool_id, "rpool", field="pool_id"))
    if pool is None:
        raise NotFound("pool_not_found", f"no resource pool {pool_id}")
    return pool


async def list_pools(session: AsyncSession, *, limit: int = 100) -> list[ResourcePool]:
    """Pools by name."""
    stmt = select(ResourcePool).order_by(ResourcePool.name, ResourcePool.id).limit(limit)
    return list((await session.scalars(stmt)).all())


async def add_member(session: AsyncSession, *, pool_id: str, resource_id: str) -> Resource:
    """Put a resource in a pool; 409 `pool_member_exists` if it is already there."""
    pool = await get_pool(session, pool_id=pool_id)
    resource = await get_resource(session, resource_id=resource_id)
    if pool.resource_type is not None and resource.type != pool.resource_type:
        raise BadRequest(
            "resource_type_mismatch",
            f"pool {pool.id} takes '{pool.resource_type}' resources, not '{resource.type}'",
            pool_type=pool.resource_type,
            resource_type=resource.type,
        )
    exists = Conflict(
        "pool_member_exists", f"{resource.id} is already in pool {pool.id}", resource_id=resource.id
    )
    member = ResourcePoolMember(pool_id=pool.id, resource_id=resource.id)
    await add_guarded(session, member, errors={MEMBER_UNIQUE: exists})
    return resource


async def remove_member(session: AsyncSession, *, pool_id: str, resource_id: str) -> None:
    """Take a resource out of a pool; 404 `pool_member_not_found` if it is not in it."""
    pool = await get_pool(session, pool_id=pool_id)
    rid = parse_id(resource_id, "res", field="resource_id")
    member = await session.scalar(
        select(ResourcePoolMember).where(
            ResourcePoolMember.pool_id == pool.id, ResourcePoolMember.resource_id == rid
        )
    )
    if member is None:
        raise NotFound("pool_member_not_found", f"{resource_id} is not in pool {pool_id}")
    await session.delete(member)
    await session.flush()


async def list_members(session: AsyncSession, *, pool_id: str) -> list[Resource]:
    """The resources of a pool, by name."""
    pool = await get_pool(session, pool_id=pool_id)
    stmt = (
        select(Resource)
        .join(ResourcePoolMember, ResourcePoolMember.resource_id == Resource.id)
        .where(ResourcePoolMember.pool_id == pool.id)
        .order_by(Resource.name, Resource.id)
    )
    return list((await session.scalars(stmt)).all())


async def is_member(session: AsyncSession, *, pool_id: str, resource_id: str) -> bool:
    """True when the resource belongs to the pool."""
    found = await session.scalar(
        select(ResourcePoolMember.id).where(
            ResourcePoolMember.pool_id == pool_id, ResourcePoolMember.resource_id == resource_id
        )
    )
    return found is not None


async def create_requirement(
    session: AsyncSession, *, option_id: str, pool_id: str, quantity: int = 1
) -> ResourceRequirement:
    """Declare that each slot of an option needs `quantity` resources from a pool."""
    oid = parse_id(option_id, "popt", field="option_id")
    if await session.get(ProductOption, oid) is None:
        raise NotFound("product_option_not_found", f"no product option {option_id}")
    pool = await get_pool(session, pool_id=pool_id)
    if quantity < 1:
        raise BadRequest("invalid_quantity", "a requirement needs at least one resource")
    exists = Conflict(
        "requirement_exists", f"option {oid} already requires pool {pool.id}", pool_id=pool.id
    )
    requirement = ResourceRequirement(option_id=oid, pool_id=pool.id, quantity=quantity)
    await add_guarded(session, requirement, errors={REQUIREMENT_UNIQUE: exists})
    return requirement


async def get_requirement(session: AsyncSession, *, requirement_id: str) -> ResourceRequirement:
    """The requirement, or 404 `requirement_not_found`."""
    rid = parse_id(requirement_id, "rreq", field="requirement_id")
    requirement = await session.get(ResourceRequirement, rid)
    if requirement is None:
        raise NotFound("requirement_not_found", f"no resource requirement {requirement_id}")
    return requirement


async def list_requirements(
    session: AsyncSession, *, option_id: str | None = None
) -> list[ResourceRequirement]:
    """Requirements, optionally of one product option."""
    stmt = select(ResourceRequirement).order_by(ResourceRequirement.id)
    if option_id is not None:
        oid = parse_id(option_id, "popt", field="option_id")
        stmt = stmt.where(ResourceRequirement.option_id == oid)
    return list((await session.scalars(stmt)).all())


async def delete_requirement(session: AsyncSession, *, requirement_id: str) -> None:
    """Remove a requirement; assignments made under it keep their resource."""
    await session.delete(await get_requirement(session, requirement_id=requirement_id))
    await session.flush()
