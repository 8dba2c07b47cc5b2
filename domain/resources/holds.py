"""Program resource holds: placing, transitions, pickups and the cutoff release.

Lock order: the hold row (FOR UPDATE, it is the events' aggregate), then its date rows.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from domain.errors import BadRequest, Conflict, NotFound
from domain.ids import parse_id
from domain.intents.service import IntentSpec, write_intent
from domain.outbox.record import record_event
from domain.resources.hold_models import ResourceHold, ResourceHoldDate, ResourceHoldPickup
from domain.resources.service import get_resource
from domain.resources.transitions import (
    HOLD_KINDS,
    DateQuantities,
    check_pickup,
    plan_cutoff,
    transition,
)

CUTOFF_WORKFLOW_TYPE = "ResourceHoldCutoff"
INITIAL_STATUSES = ("inquiry", "held")


def cutoff_workflow_id(hold_id: str) -> str:
    """The deterministic id of a hold's cutoff workflow."""
    return f"resource-hold-cutoff:{hold_id}"


def quantities(row: ResourceHoldDate) -> DateQuantities:
    """The pure counters of a date row."""
    return DateQuantities(held=row.held, picked_up=row.picked_up, released=row.released)


async def _schedule_cutoff(session: AsyncSession, *, hold: ResourceHold, task_queue: str) -> None:
    assert hold.cutoff_at is not None
    await write_intent(
        session,
        IntentSpec(
            workflow_type=CUTOFF_WORKFLOW_TYPE,
            workflow_id=cutoff_workflow_id(hold.id),
            task_queue=task_queue,
            input={"hold_id": hold.id, "cutoff_at": hold.cutoff_at.isoformat()},
        ),
    )


def _event(session: AsyncSession, hold: ResourceHold, event_type: str, **payload: object) -> None:
    record_event(
        session,
        aggregate_type="resource_hold",
        aggregate_id=hold.id,
        event_type=f"resource_hold.{event_type}",
        payload={"hold_id": hold.id, "program_id": hold.program_id, **payload},
    )


def _check_cutoff(cutoff_at: datetime) -> None:
    if cutoff_at <= datetime.now(UTC):
        raise BadRequest("cutoff_in_past", "cutoff_at must be in the future")


async def place_hold(
    session: AsyncSession,
    *,
    kind: str,
    program_id: str,
    dates: Sequence[tuple[date, int]],
    task_queue: str,
    resource_id: str | None = None,
    description: str | None = None,
    status: str = "inquiry",
    cutoff_at: datetime | None = None,
) -> ResourceHold:
    """Place a room or space hold with per-date quantities; a cutoff starts its workflow."""
    if kind not in HOLD_KINDS:
        raise BadRequest("invalid_hold_kind", f"kind must be one of {', '.join(HOLD_KINDS)}")
    if status not in INITIAL_STATUSES:
        raise BadRequest("invalid_initial_status", "a hold starts as 'inquiry' or 'held'")
    if resource_id is None and not description:
        raise BadRequest("hold_needs_resource", "give a resource_id or a description")
    days = [day for day, _ in dates]
    if not days:
        raise BadRequest("hold_needs_dates", "a hold needs at least one date")
    if len(set(days)) != len(days):
        raise BadRequest("duplicate_hold_date", "each date may appear once")
    if any(quantity < 0 for _, quantity in dates):
        raise BadRequest("invalid_quantity", "quantities cannot be negative")
    if cutoff_at is not None:
        _check_cutoff(cutoff_at)
    resource = None
    if resource_id is not None:
        resource = await get_resource(session, resource_id=resource_id)
    hold = ResourceHold(
        kind=kind,
        program_id=program_id,
        resource_id=resource.id if resource else None,
        description=description,
        status=status,
        cutoff_at=cutoff_at,
    )
    session.add(hold)
    session.add_all(ResourceHoldDate(hold_id=hold.id, date=d, held=q) for d, q in dates)
    await session.flush()
    _event(session, hold, "placed", status=status, kind=kind)
    if cutoff_at is not None:
        await _schedule_cutoff(session, hold=hold, task_queue=task_queue)
    return hold


async def get_hold(session: AsyncSession, *, hold_id: str, lock: bool = False) -> ResourceHold:
    """The hold (locked FOR UPDATE when asked), or 404 `hold_not_found`."""
    stmt = select(ResourceHold).where(ResourceHold.id == parse_id(hold_id, "rhld", field="hold_id"))
    if lock:
        stmt = stmt.with_for_update().execution_options(populate_existing=True)
    hold = await session.scalar(stmt)
    if hold is None:
        raise NotFound("hold_not_found", f"no resource hold {hold_id}")
    return hold


async def hold_dates(
    session: AsyncSession, *, hold_id: str, lock: bool = False
) -> list[ResourceHoldDate]:
    """The hold's date rows by date (locked FOR UPDATE when asked)."""
    stmt = (
        select(ResourceHoldDate)
        .where(ResourceHoldDate.hold_id == hold_id)
        .order_by(ResourceHoldDate.date)
    )
    if lock:
        stmt = stmt.with_for_update().execution_options(populate_existing=True)
    return list((await session.scalars(stmt)).all())


async def list_holds(
    session: AsyncSession, *, program_id: str | None = None, status: str | None = None
) -> list[ResourceHold]:
    """Holds, newest first, optionally of one program and/or status."""
    stmt = select(ResourceHold).order_by(ResourceHold.id.desc()).limit(200)
    if program_id is not None:
        stmt = stmt.where(ResourceHold.program_id == program_id)
    if status is not None:
        stmt = stmt.where(ResourceHold.status == status)
    return list((await session.scalars(stmt)).all())


async def change_status(
    session: AsyncSession,
    *,
    hold_id: str,
    target: str,
    task_queue: str,
    cutoff_at: datetime | None = None,
) -> ResourceHold:
    """Move a hold along its lifecycle; 409 `invalid_transition` naming from and to.

    Releasing gives back every unpicked unit. Holding may set the cutoff (once).
    """
    if target == "expired":
        raise BadRequest("invalid_target_status", "holds expire only at their cutoff")
    if cutoff_at is not None and target != "held":
        raise BadRequest("cutoff_only_when_holding", "a cutoff is set when a hold is held")
    hold = await get_hold(session, hold_id=hold_id, lock=True)
    previous = hold.status
    hold.status = transition(previous, target)
    new_cutoff = cutoff_at is not None and cutoff_at != hold.cutoff_at
    if new_cutoff and hold.cutoff_at is not None:
        raise Conflict("cutoff_already_set", f"hold {hold.id} already has a cutoff")
    if cutoff_at is not None and new_cutoff:
        _check_cutoff(cutoff_at)
        hold.cutoff_at = cutoff_at
    released = 0
    if target == "released":
        for row in await hold_dates(session, hold_id=hold.id, lock=True):
            units = quantities(row).remaining
            row.released += units
            released += units
    await session.flush()
    _event(session, hold, target, **{"from": previous, "released_units": released})
    if new_cutoff:
        await _schedule_cutoff(session, hold=hold, task_queue=task_queue)
    return hold


@dataclass(frozen=True)
class PickupResult:
    """A pickup, whether it was a replay of an earlier one, and the date it was taken on."""

    pickup: ResourceHoldPickup
    date: ResourceHoldDate
    replayed: bool


async def pick_up(
    session: AsyncSession, *, hold_id: str, day: date, session_key: str, quantity: int
) -> PickupResult:
    """Take `quantity` units of one date, at most what remains; idempotent per session key."""
    if quantity < 1:
        raise BadRequest("invalid_quantity", "a pickup takes at least one unit")
    hold = await get_hold(session, hold_id=hold_id, lock=True)
    row = await session.scalar(
        select(ResourceHoldDate)
        .where(ResourceHoldDate.hold_id == hold.id, ResourceHoldDate.date == day)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    if row is None:
        raise NotFound("hold_date_not_found", f"hold {hold.id} holds nothing on {day}")
    # Under the row locks a retry always sees the first attempt's committed pickup.
    earlier = await session.scalar(
        select(ResourceHoldPickup).where(
            ResourceHoldPickup.hold_date_id == row.id,
            ResourceHoldPickup.session_key == session_key,
        )
    )
    if earlier is not None:
        if earlier.quantity != quantity:
            raise Conflict(
                "pickup_key_reused",
                f"session key '{session_key}' already picked up {earlier.quantity} unit(s)",
                quantity=earlier.quantity,
            )
        return PickupResult(pickup=earlier, date=row, replayed=True)
    after = check_pickup(status=hold.status, quantities=quantities(row), quantity=quantity)
    row.picked_up += quantity
    pickup = ResourceHoldPickup(
        hold_date_id=row.id, session_key=session_key, quantity=quantity, remaining_after=after
    )
    session.add(pickup)
    await session.flush()
    _event(session, hold, "picked_up", date=day.isoformat(), quantity=quantity, remaining=after)
    return PickupResult(pickup=pickup, date=row, replayed=False)


@dataclass(frozen=True)
class CutoffOutcome:
    """What the cutoff did: the hold's status afterwards and the units it released."""

    status: str
    released_units: int
    noop: bool


async def release_at_cutoff(session: AsyncSession, *, hold_id: str) -> CutoffOutcome:
    """Release every unpicked unit of the hold; a no-op when nothing is left to do."""
    hold = await get_hold(session, hold_id=hold_id, lock=True)
    rows = await hold_dates(session, hold_id=hold.id, lock=True)
    plan = plan_cutoff(status=hold.status, dates=[quantities(row) for row in rows])
    if plan.is_noop:
        return CutoffOutcome(status=hold.status, released_units=0, noop=True)
    for row, units in zip(rows, plan.releases, strict=True):
        row.released += units
    hold.status = plan.new_status
    hold.cutoff_processed_at = datetime.now(UTC)
    await session.flush()
    released = [
        {"date": row.date.isoformat(), "released": units}
        for row, units in zip(rows, plan.releases, strict=True)
        if units
    ]
    _event(
        session,
        hold,
        "cutoff_released",
        status=hold.status,
        previous=plan.old_status,
        dates=released,
    )
    return CutoffOutcome(status=hold.status, released_units=sum(plan.releases), noop=False)
