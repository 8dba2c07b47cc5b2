"""Generating slots from a rule: idempotent, closeout-aware, resource-materialising."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any, cast

from sqlalchemy import Table, and_, or_, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from domain.availability.allocation_service import materialize_slot_resources
from domain.availability.models import AvailabilityCloseout, AvailabilityRule, AvailabilitySlot
from domain.availability.recurrence import RuleSpec, closed_dates, occurrences
from domain.availability.slots import SLOT_CHANGED
from domain.errors import BadRequest, NotFound
from domain.ids import new_id
from domain.outbox.models import OutboxEvent

MAX_WINDOW_DAYS = 1100


@dataclass(frozen=True, slots=True)
class GenerationResult:
    """What one generation run did."""

    rule_id: str
    created: int
    existing: int
    closed: int
    resources_created: int


def rule_spec(rule: AvailabilityRule) -> RuleSpec:
    """The pure view of a stored rule."""
    return RuleSpec(
        rrule=rule.rrule,
        dtstart=rule.dtstart,
        start_times=rule.start_times,
        timezone=rule.timezone,
        exdates=rule.exdates,
        rdates=rule.rdates,
        duration_minutes=rule.duration_minutes,
    )


async def closeout_ranges(
    session: AsyncSession, *, product_id: str, option_id: str, start: date, end: date
) -> list[tuple[date, date]]:
    """Closeouts of the product (all options) or of this option overlapping [start, end]."""
    rows = await session.execute(
        select(AvailabilityCloseout.start_date, AvailabilityCloseout.end_date).where(
            AvailabilityCloseout.product_id == product_id,
            or_(
                AvailabilityCloseout.option_id.is_(None),
                AvailabilityCloseout.option_id == option_id,
            ),
            and_(AvailabilityCloseout.start_date <= end, AvailabilityCloseout.end_date >= start),
        )
    )
    return [(r.start_date, r.end_date) for r in rows]


async def generate_availability_slots(
    session: AsyncSession, *, rule_id: str, start: date, end: date
) -> GenerationResult:
    """Create the rule's missing slots in [start, end]; existing slots are never touched.

    Idempotent through the unique (option_id, local_date, local_time) key and
    `ON CONFLICT DO NOTHING`: a re-run creates 0 slots and leaves edited slots alone.
    """
    if end < start:
        raise BadRequest("invalid_window", "the window ends before it starts")
    if (end - start).days > MAX_WINDOW_DAYS:
        raise BadRequest("invalid_window", f"a window spans at most {MAX_WINDOW_DAYS} days")
    rule = await session.get(AvailabilityRule, rule_id)
    if rule is None:
        raise NotFound("rule_not_found", f"no availability rule {rule_id}")
    ranges = await closeout_ranges(
        session, product_id=rule.product_id, option_id=rule.option_id, start=start, end=end
    )
    closed = closed_dates(ranges, start, end)
    planned = occurrences(rule_spec(rule), start, end) if rule.active else []
    wanted = [o for o in planned if o.local_date not in closed]
    rows: list[dict[str, Any]] = [
        {
            "id": new_id(AvailabilitySlot.id_prefix),
            "rule_id": rule.id,
            "product_id": rule.product_id,
            "option_id": rule.option_id,
            "local_date": o.local_date,
            "local_time": o.local_time,
            "timezone": rule.timezone,
            "starts_at": o.starts_at,
            "ends_at": o.ends_at,
            "capacity_initial": rule.capacity,
            "capacity_remaining": rule.capacity,
            "status": "open" if rule.capacity != 0 else "sold_out",
        }
        for o in wanted
    ]
    created: list[Any] = []
    if rows:
        # executemany form: one cached statement, batched by insertmanyvalues.
        # Core table (not the ORM bulk layer): no per-row mapper bookkeeping.
        slots = cast(Table, AvailabilitySlot.__table__)
        result = await session.execute(
            insert(slots)
            .on_conflict_do_nothing(index_elements=["option_id", "local_date", "local_time"])
            .returning(slots.c.id, slots.c.starts_at),
            rows,
        )
        created = [r for r in result.all() if r is not None]
    by_id = {r["id"]: r for r in rows}
    events = [
        {
            "id": new_id(OutboxEvent.id_prefix),
            "aggregate_type": "availability_slot",
            "aggregate_id": slot_id,
            "event_type": SLOT_CHANGED,
            "payload": {
                "slot_id": slot_id,
                "product_id": rule.product_id,
                "option_id": rule.option_id,
                "starts_at": starts_at.isoformat(),
                "capacity_initial": rule.capacity,
                "capacity_remaining": rule.capacity,
                "status": by_id[slot_id]["status"],
                "reason": "created",
            },
        }
        for slot_id, starts_at in created
    ]
    if events:
        await session.execute(insert(cast(Table, OutboxEvent.__table__)), events)
    resources = await materialize_slot_resources(
        session, option_id=rule.option_id, slot_ids=[slot_id for slot_id, _ in created]
    )
    return GenerationResult(
        rule_id=rule.id,
        created=len(created),
        existing=len(wanted) - len(created),
        closed=len(planned) - len(wanted),
        resources_created=resources,
    )
