"""Creating bookings and moving them through their lifecycle."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import select, text, update
from sqlalchemy.ext.asyncio import AsyncSession

from domain.bookings import status as rules
from domain.bookings.allocations import allocate_item, release_allocations, set_allocation_status
from domain.bookings.models import (
    ORIGIN_KINDS,
    Booking,
    BookingActivity,
    BookingItem,
    BookingOrigin,
    BookingTraveller,
)
from domain.errors import BadRequest, Conflict, NotFound
from domain.intents.service import IntentSpec, write_intent
from domain.money import check_currency
from domain.outbox.record import record_event

HOLD_WORKFLOW = "BookingHold"
MAX_HOLD = timedelta(days=30)


def hold_workflow_id(booking_id: str) -> str:
    """Deterministic id of a booking's hold workflow."""
    return f"booking-hold:{booking_id}"


@dataclass
class ItemSpec:
    """One line to book. `traveller_keys` in `resources` index into the travellers list."""

    kind: str
    description: str
    sell_amount_minor: int
    sell_currency: str
    cost_amount_minor: int = 0
    cost_currency: str | None = None
    product_id: str | None = None
    option_id: str | None = None
    unit_id: str | None = None
    slot_id: str | None = None
    quantity: int = 1
    pax: int = 0
    pickup_id: str | None = None
    resources: dict[str, list[int]] = field(default_factory=dict)


@dataclass
class TravellerSpec:
    """A traveller's non-PII fields."""

    first_name: str
    last_name: str
    category: str = "adult"
    email: str | None = None
    phone: str | None = None
    is_lead: bool = False
    person_id: str | None = None


@dataclass
class BookingSpec:
    """Everything needed to create a booking in one transaction."""

    currency: str
    status: str = "on_hold"
    items: list[ItemSpec] = field(default_factory=list)
    travellers: list[TravellerSpec] = field(default_factory=list)
    origin_kind: str = "direct"
    origin_refs: dict[str, str] = field(default_factory=dict)
    buyer: dict[str, str | None] = field(default_factory=dict)
    channel_id: str | None = None
    external_ref: str | None = None
    hold_ttl: timedelta | None = None


@dataclass(frozen=True)
class Context:
    """Who acts, and where hold workflows run."""

    actor_id: str | None
    task_queue: str
    default_hold_ttl: timedelta = timedelta(minutes=30)


def emit_booking_event(
    session: AsyncSession, booking: Booking, event_type: str, **extra: Any
) -> None:
    record_event(
        session,
        aggregate_type="booking",
        aggregate_id=booking.id,
        event_type=event_type,
        payload={
            "booking_id": booking.id,
            "number": booking.number,
            "status": booking.status,
            "channel_id": booking.channel_id,
            "currency": booking.currency,
            "sell_total_minor": booking.sell_total_minor,
            **extra,
        },
    )


def log_activity(
    session: AsyncSession,
    booking_id: str,
    action: str,
    ctx: Context,
    *,
    reason: str | None = None,
    **details: Any,
) -> None:
    """Append to the booking's activity log."""
    session.add(
        BookingActivity(
            booking_id=booking_id,
            action=action,
            actor_id=ctx.actor_id,
            reason=reason,
            details=details,
        )
    )


async def lock_booking(session: AsyncSession, booking_id: str) -> Booking:
    """The booking row locked FOR UPDATE; 404 `booking_not_found`."""
    booking = await session.scalar(
        select(Booking)
        .where(Booking.id == booking_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    if booking is None:
        raise NotFound("booking_not_found", f"no booking {booking_id}")
    return booking


def _validate(spec: BookingSpec) -> None:
    check_currency(spec.currency)
    if spec.status not in ("draft", "on_hold", "awaiting_payment", "confirmed"):
        raise BadRequest(
            "invalid_status", "a booking starts as draft, on_hold, awaiting_payment or confirmed"
        )
    if spec.origin_kind not in ORIGIN_KINDS:
        raise BadRequest("invalid_origin", f"origin kind must be one of {', '.join(ORIGIN_KINDS)}")
    if spec.hold_ttl is not None and not timedelta(0) < spec.hold_ttl <= MAX_HOLD:
        raise BadRequest("invalid_ttl", f"a hold lasts between 1 second and {MAX_HOLD.days} days")
    for n, item in enumerate(spec.items):
        check_currency(item.sell_currency)
        if item.sell_currency != spec.currency:
            raise BadRequest(
                "currency_mismatch",
                f"item {n} sells in {item.sell_currency}, the booking in {spec.currency}",
            )
        if item.pax > 0 and item.slot_id is None:
            raise BadRequest("slot_required", f"item {n} has pax but no slot")
        for keys in item.resources.values():
            if any(not 0 <= k < len(spec.travellers) for k in keys):
                raise BadRequest(
                    "invalid_traveller_ref",
                    f"item {n} assigns a traveller that is not on the booking",
                )


_REFS = (
    ("product_id", "products", "product_not_found"),
    ("option_id", "product_options", "option_not_found"),
    ("unit_id", "option_units", "unit_not_found"),
    ("slot_id", "availability_slots", "slot_not_found"),
    ("pickup_id", "slot_pickups", "slot_pickup_not_found"),
)


async def check_item_refs(session: AsyncSession, items: list[ItemSpec]) -> None:
    """404 for any product, option, unit, slot or pickup an item names that does not exist."""
    for attr, table, code in _REFS:
        wanted = {getattr(i, attr) for i in items if getattr(i, attr)}
        if not wanted:
            continue
        found = set(
            (
                await session.scalars(
                    text(f"SELECT id FROM {table} WHERE id = ANY(:ids)"), {"ids": list(wanted)}
                )
            ).all()
        )
        missing = sorted(wanted - found)
        if missing:
            raise NotFound(code, f"{attr.removesuffix('_id')} {missing[0]} does not exist")


async def create_booking(session: AsyncSession, spec: BookingSpec, ctx: Context) -> Booking:
    """Write the booking, its lines, travellers and origin, and pass the capacity gates.

    All in the caller's transaction: if a gate refuses, nothing is written. A held booking
    gets `hold_expires_at` and an intent for its `booking-hold:{id}` workflow.
    """
    _validate(spec)
    await check_item_refs(session, spec.items)
    seq = await session.scalar(text("SELECT nextval('booking_number_seq')"))
    booking = Booking(
        number=f"TF-{seq:06d}",
        status="draft",
        currency=spec.currency,
        sell_total_minor=sum(i.sell_amount_minor * i.quantity for i in spec.items),
        cost_total_minor=sum(i.cost_amount_minor * i.quantity for i in spec.items),
        channel_id=spec.channel_id,
        external_ref=spec.external_ref,
        buyer_person_id=spec.buyer.get("person_id"),
        buyer_organization_id=spec.buyer.get("organization_id"),
        buyer_name=spec.buyer.get("name"),
        buyer_email=spec.buyer.get("email"),
        buyer_phone=spec.buyer.get("phone"),
    )
    session.add(booking)
    await session.flush()
    travellers = [BookingTraveller(booking_id=booking.id, **t.__dict__) for t in spec.travellers]
    items = [
        BookingItem(
            booking_id=booking.id,
            **{
                k: v
                for k, v in i.__dict__.items()
                if k not in ("pickup_id", "resources", "cost_currency")
            },
            cost_currency=i.cost_currency or i.sell_currency,
        )
        for i in spec.items
    ]
    session.add_all([*travellers, *items])
    session.add(
        BookingOrigin(
            booking_id=booking.id,
            kind=spec.origin_kind,
            channel_id=spec.channel_id,
            **spec.origin_refs,
        )
    )
    await session.flush()
    emit_booking_event(session, booking, "booking.created")
    log_activity(session, booking.id, "created", ctx, status=spec.status)
    if spec.status != "draft":
        await _allocate(
            session,
            booking,
            items,
            spec,
            status="confirmed" if spec.status == "confirmed" else "held",
        )
        await apply_transition(
            session, booking, spec.status, ctx, hold_ttl=spec.hold_ttl, allocate=False
        )
    return booking


async def _allocate(
    session: AsyncSession,
    booking: Booking,
    items: list[BookingItem],
    spec: BookingSpec | None,
    *,
    status: str,
) -> None:
    travellers: list[str] = []
    if spec is not None:
        travellers = list(
            (
                await session.scalars(
                    select(BookingTraveller.id)
                    .where(BookingTraveller.booking_id == booking.id)
                    .order_by(BookingTraveller.created_at, BookingTraveller.id)
                )
            ).all()
        )
    specs = spec.items if spec is not None else [None] * len(items)
    # Lock slots in id order across all items so concurrent bookings cannot deadlock.
    for item, item_spec in sorted(zip(items, specs, strict=True), key=lambda p: p[0].slot_id or ""):
        plan = None
        if item_spec is not None and item_spec.resources:
            plan = {rid: [travellers[k] for k in keys] for rid, keys in item_spec.resources.items()}
        await allocate_item(
            session,
            booking_id=booking.id,
            item=item,
            status=status,
            pickup_id=item_spec.pickup_id if item_spec is not None else None,
            resource_plan=plan,
        )


async def apply_transition(
    session: AsyncSession,
    booking: Booking,
    target: str,
    ctx: Context,
    *,
    hold_ttl: timedelta | None = None,
    allocate: bool = True,
    now: datetime | None = None,
) -> Booking:
    """Move a (locked) booking along the graph and cascade to holds, allocations and events."""
    now = now or datetime.now(UTC)
    previous = booking.status
    patch = rules.transition(previous, target, now)
    _apply(booking, patch, previous, ctx, hold_ttl=hold_ttl, now=now)
    await _cascade(session, booking, previous, target, ctx, allocate=allocate, now=now)
    await session.flush()
    log_activity(session, booking.id, f"status:{target}", ctx, previous=previous)
    _emit_status_event(session, booking, previous)
    return booking


def _apply(
    booking: Booking,
    patch: dict[str, object],
    previous: str,
    ctx: Context,
    *,
    hold_ttl: timedelta | None,
    now: datetime,
) -> None:
    # Status and hold expiry change together so the held-has-expiry check always holds.
    for key, value in patch.items():
        setattr(booking, key, value)
    if booking.status in rules.HELD and previous not in rules.HELD:
        booking.hold_expires_at = now + (hold_ttl or ctx.default_hold_ttl)
    elif booking.status not in rules.HELD:
        booking.hold_expires_at = None


def _emit_status_event(session: AsyncSession, booking: Booking, previous: str) -> None:
    names = {
        "confirmed": "booking.confirmed",
        "cancelled": "booking.cancelled",
        "expired": "booking.expired",
        "completed": "booking.completed",
        "in_progress": "booking.started",
        "on_hold": "booking.held",
        "awaiting_payment": "booking.awaiting_payment",
    }
    emit_booking_event(session, booking, names[booking.status], previous_status=previous)


async def _cascade(
    session: AsyncSession,
    booking: Booking,
    previous: str,
    target: str,
    ctx: Context,
    *,
    allocate: bool,
    now: datetime,
) -> None:
    if (
        allocate
        and previous in ("draft", "cancelled", "expired")
        and target in ("on_hold", "awaiting_payment", "confirmed", "in_progress")
    ):
        items = list(
            (
                await session.scalars(
                    select(BookingItem).where(
                        BookingItem.booking_id == booking.id, BookingItem.status == "active"
                    )
                )
            ).all()
        )
        await _allocate(
            session,
            booking,
            items,
            None,
            status="confirmed" if target not in rules.HELD else "held",
        )
    if target in rules.HELD and previous not in rules.HELD:
        await write_intent(
            session,
            IntentSpec(
                workflow_type=HOLD_WORKFLOW,
                workflow_id=hold_workflow_id(booking.id),
                task_queue=ctx.task_queue,
                input={"booking_id": booking.id},
                search_attributes={"BookingId": booking.id},
            ),
        )
    if target in rules.RELEASING:
        await release_allocations(session, booking_id=booking.id)
        await _revoke_issued_fulfillments(session, booking, target, ctx)
    elif target == "confirmed":
        await set_allocation_status(session, booking_id=booking.id, status="confirmed")
    elif target == "completed":
        await set_allocation_status(session, booking_id=booking.id, status="fulfilled")
    if target == "cancelled":
        await session.execute(
            update(BookingItem)
            .where(BookingItem.booking_id == booking.id)
            .values(status="cancelled")
        )
    if previous in rules.HELD and target not in rules.HELD:
        await write_intent(
            session,
            IntentSpec(
                kind="signal",
                key=f"settle:{booking.id}:{target}:{now.isoformat()}",
                workflow_type=HOLD_WORKFLOW,
                workflow_id=hold_workflow_id(booking.id),
                task_queue=ctx.task_queue,
                signal_name="settle",
                signal_input={"status": target},
            ),
        )


async def _revoke_issued_fulfillments(
    session: AsyncSession, booking: Booking, target: str, ctx: Context
) -> None:
    # Vouchers of a cancelled or expired booking must not stay valid at the gate.
    from domain.bookings.fulfillment_models import Fulfillment
    from domain.bookings.fulfillments import revoke_fulfillment

    issued = await session.scalars(
        select(Fulfillment.id)
        .where(Fulfillment.booking_id == booking.id, Fulfillment.status == "issued")
        .order_by(Fulfillment.id)
    )
    for fulfillment_id in issued.all():
        await revoke_fulfillment(
            session,
            booking_id=booking.id,
            fulfillment_id=fulfillment_id,
            reason=f"booking {target}",
            ctx=ctx,
        )


async def change_status(
    session: AsyncSession, *, booking_id: str, target: str, ctx: Context
) -> Booking:
    """A status verb (confirm, cancel, start, complete, expire) along the graph."""
    booking = await lock_booking(session, booking_id)
    return await apply_transition(session, booking, target, ctx)


async def override_status(
    session: AsyncSession, *, booking_id: str, target: str, reason: str, ctx: Context
) -> Booking:
    """Admin override outside the graph: reason required, audit-logged, cascades like a move."""
    booking = await lock_booking(session, booking_id)
    now = datetime.now(UTC)
    previous = booking.status
    patch = rules.override(previous, target, now, reason=reason)
    _apply(booking, patch, previous, ctx, hold_ttl=None, now=now)
    await _cascade(session, booking, previous, target, ctx, allocate=True, now=now)
    await session.flush()
    log_activity(
        session,
        booking.id,
        "status_overridden",
        ctx,
        reason=reason,
        previous=previous,
        target=target,
    )
    emit_booking_event(
        session,
        booking,
        "booking.status_overridden",
        previous_status=previous,
        reason=reason,
        actor_id=ctx.actor_id,
    )
    return booking


async def extend_hold(
    session: AsyncSession, *, booking_id: str, ttl: timedelta, ctx: Context
) -> Booking:
    """Move a held booking's expiry to now + ttl (never earlier than it was)."""
    if not timedelta(0) < ttl <= MAX_HOLD:
        raise BadRequest("invalid_ttl", f"a hold lasts between 1 second and {MAX_HOLD.days} days")
    booking = await lock_booking(session, booking_id)
    if booking.status not in rules.HELD:
        raise Conflict(
            "booking_not_held", f"booking {booking_id} is {booking.status}", status=booking.status
        )
    new_expiry = datetime.now(UTC) + ttl
    booking.hold_expires_at = max(booking.hold_expires_at or new_expiry, new_expiry)
    log_activity(
        session,
        booking.id,
        "hold_extended",
        ctx,
        hold_expires_at=booking.hold_expires_at.isoformat(),
    )
    await session.flush()
    return booking


async def expire_if_due(
    session: AsyncSession, *, booking_id: str, as_of: datetime, ctx: Context
) -> Booking | None:
    """Expire a held booking whose hold has passed `as_of` (the hold workflow's clock)."""
    booking = await session.scalar(
        select(Booking).where(Booking.id == booking_id).with_for_update()
    )
    if booking is None or booking.status not in rules.HELD or booking.hold_expires_at is None:
        return booking
    if booking.hold_expires_at > as_of:
        return booking
    return await apply_transition(session, booking, "expired", ctx, now=as_of)
