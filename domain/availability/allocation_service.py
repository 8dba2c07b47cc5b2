"""Allocation resources in the database: materialise, read the manifest, assign travellers."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Mapping, Sequence
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from domain.availability.allocation import (
    Manifest,
    ResourceLine,
    validate_slot_allocation_capacity,
)
from domain.availability.allocation_models import SlotResource, SlotResourceAssignment
from domain.availability.models import AvailabilitySlot
from domain.catalog.models import OptionResourceTemplate
from domain.errors import BadRequest, Conflict, NotFound
from domain.ids import new_id


async def materialize_slot_resources(
    session: AsyncSession, *, option_id: str, slot_ids: Sequence[str]
) -> int:
    """Seed each slot's resources from the option's templates; returns rows created.

    Idempotent: rows are keyed (slot_id, template_id, ordinal) and inserted with
    ON CONFLICT DO NOTHING, so custom inventory and earlier runs are never wiped.
    Templates with a NULL default_count are skipped.
    """
    if not slot_ids:
        return 0
    templates = (
        await session.scalars(
            select(OptionResourceTemplate).where(
                OptionResourceTemplate.option_id == option_id,
                OptionResourceTemplate.default_count.is_not(None),
            )
        )
    ).all()
    rows: list[dict[str, Any]] = [
        {
            "id": new_id(SlotResource.id_prefix),
            "slot_id": slot_id,
            "kind": t.kind,
            "label": f"{t.label_prefix or t.kind} {n}",
            "capacity": t.capacity_per_unit,
            "template_id": t.id,
            "ordinal": n,
        }
        for slot_id in slot_ids
        for t in templates
        for n in range(1, (t.default_count or 0) + 1)
    ]
    if not rows:
        return 0
    result = await session.execute(
        insert(SlotResource)
        .on_conflict_do_nothing(index_elements=["slot_id", "template_id", "ordinal"])
        .returning(SlotResource.id),
        rows,
    )
    return len(result.all())


async def slot_manifest(session: AsyncSession, *, slot_id: str) -> Manifest:
    """The slot's resources with their distinct assigned travellers; 404 if no slot."""
    if await session.get(AvailabilitySlot, slot_id) is None:
        raise NotFound("slot_not_found", f"no availability slot {slot_id}")
    resources = (
        await session.scalars(
            select(SlotResource)
            .where(SlotResource.slot_id == slot_id)
            .order_by(SlotResource.kind, SlotResource.ordinal, SlotResource.id)
        )
    ).all()
    assigned: dict[str, set[str]] = defaultdict(set)
    rows = await session.execute(
        select(SlotResourceAssignment.resource_id, SlotResourceAssignment.traveller_ref).where(
            SlotResourceAssignment.slot_id == slot_id
        )
    )
    for resource_id, traveller in rows:
        assigned[resource_id].add(traveller)
    return Manifest(
        slot_id=slot_id,
        resources=tuple(
            ResourceLine(r.id, r.kind, r.label, r.capacity, frozenset(assigned[r.id]))
            for r in resources
        ),
    )


async def add_custom_resource(
    session: AsyncSession, *, slot_id: str, kind: str, label: str, capacity: int
) -> SlotResource:
    """Add a hand-made resource to a slot (never touched by materialisation)."""
    if await session.get(AvailabilitySlot, slot_id) is None:
        raise NotFound("slot_not_found", f"no availability slot {slot_id}")
    if capacity < 1:
        raise BadRequest("invalid_capacity", "a resource holds at least 1 traveller")
    resource = SlotResource(slot_id=slot_id, kind=kind, label=label, capacity=capacity)
    session.add(resource)
    await session.flush()
    return resource


async def assign_travellers(
    session: AsyncSession,
    *,
    slot_id: str,
    plan: Mapping[str, Collection[str]],
    booking_ref: str | None = None,
) -> Manifest:
    """Place travellers on resources (moving any already placed on this slot).

    Locks the slot's resource rows first (in id order, so concurrent plans cannot
    deadlock), re-reads the manifest, and refuses with 409 `resource_capacity_exhausted`
    and the violations when any resource would be oversold.
    """
    await session.execute(
        select(SlotResource.id)
        .where(SlotResource.slot_id == slot_id)
        .order_by(SlotResource.id)
        .with_for_update(key_share=True)
    )
    manifest = await slot_manifest(session, slot_id=slot_id)
    violations = validate_slot_allocation_capacity(manifest, plan)
    if violations:
        first = violations[0]
        if first.code == "resource_not_on_slot":
            raise NotFound(
                "resource_not_on_slot", f"resource {first.resource_id} is not on slot {slot_id}"
            )
        raise Conflict(
            "resource_capacity_exhausted",
            f"{first.kind} {first.resource_id} holds {first.capacity} and has "
            f"{first.existing_assigned} assigned; {first.requested} more do not fit",
            violations=[v.as_dict() for v in violations],
        )
    travellers = sorted({t for ts in plan.values() for t in ts})
    await session.execute(
        delete(SlotResourceAssignment).where(
            SlotResourceAssignment.slot_id == slot_id,
            SlotResourceAssignment.traveller_ref.in_(travellers),
        )
    )
    rows = [
        {
            "id": new_id(SlotResourceAssignment.id_prefix),
            "slot_id": slot_id,
            "resource_id": resource_id,
            "traveller_ref": traveller,
            "booking_ref": booking_ref,
        }
        for resource_id, ts in sorted(plan.items())
        for traveller in sorted(set(ts))
    ]
    if rows:
        await session.execute(insert(SlotResourceAssignment), rows)
    return await slot_manifest(session, slot_id=slot_id)
