"""Adding and cancelling lines, and adding or editing travellers, on an existing booking."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from domain.bookings import status as rules
from domain.bookings.allocations import allocate_item, release_allocations
from domain.bookings.models import Booking, BookingItem, BookingTraveller
from domain.bookings.service import (
    Context,
    ItemSpec,
    TravellerSpec,
    check_item_refs,
    emit_booking_event,
    lock_booking,
    log_activity,
)
from domain.errors import BadRequest, Conflict, NotFound
from domain.money import check_currency

# Statuses whose items hold capacity: new lines pass the gates at once.
CAPACITY_HOLDING = frozenset({"on_hold", "awaiting_payment", "confirmed", "in_progress"})
EDITABLE = frozenset({"draft", "on_hold", "awaiting_payment", "confirmed"})


def _editable(booking: Booking) -> None:
    if booking.status not in EDITABLE:
        raise Conflict(
            "booking_not_editable",
            f"booking {booking.id} is {booking.status}",
            status=booking.status,
        )


async def _recompute_totals(session: AsyncSession, booking: Booking) -> None:
    totals = (
        await session.execute(
            select(
                func.coalesce(func.sum(BookingItem.sell_amount_minor * BookingItem.quantity), 0),
                func.coalesce(func.sum(BookingItem.cost_amount_minor * BookingItem.quantity), 0),
            ).where(BookingItem.booking_id == booking.id, BookingItem.status == "active")
        )
    ).one()
    booking.sell_total_minor, booking.cost_total_minor = int(totals[0]), int(totals[1])


async def add_item(
    session: AsyncSession, *, booking_id: str, spec: ItemSpec, ctx: Context
) -> BookingItem:
    """Add a line; on a capacity-holding booking it passes both gates in this transaction."""
    booking = await lock_booking(session, booking_id)
    _editable(booking)
    check_currency(spec.sell_currency)
    if spec.sell_currency != booking.currency:
        raise BadRequest("currency_mismatch", f"the booking sells in {booking.currency}")
    if spec.pax > 0 and spec.slot_id is None:
        raise BadRequest("slot_required", "a line with pax needs a slot")
    if spec.resources:
        raise BadRequest("resources_on_create_only", "assign resources when creating the booking")
    await check_item_refs(session, [spec])
    fields: dict[str, Any] = {
        k: v
        for k, v in spec.__dict__.items()
        if k not in ("pickup_id", "resources", "cost_currency")
    }
    item = BookingItem(
        booking_id=booking.id, cost_currency=spec.cost_currency or spec.sell_currency, **fields
    )
    session.add(item)
    await session.flush()
    if booking.status in CAPACITY_HOLDING:
        status = "held" if booking.status in rules.HELD else "confirmed"
        await allocate_item(
            session, booking_id=booking.id, item=item, status=status, pickup_id=spec.pickup_id
        )
    await _recompute_totals(session, booking)
    log_activity(session, booking.id, "item_added", ctx, item_id=item.id)
    emit_booking_event(session, booking, "booking.items_changed", item_id=item.id, change="added")
    return item


async def cancel_item(
    session: AsyncSession, *, booking_id: str, item_id: str, ctx: Context
) -> BookingItem:
    """Cancel one line and give its capacity back."""
    booking = await lock_booking(session, booking_id)
    _editable(booking)
    item = await session.get(BookingItem, item_id)
    if item is None or item.booking_id != booking.id:
        raise NotFound("item_not_found", f"no item {item_id} on booking {booking_id}")
    if item.status == "cancelled":
        return item
    await release_allocations(session, booking_id=booking.id, item_id=item.id)
    item.status = "cancelled"
    await session.flush()
    await _recompute_totals(session, booking)
    log_activity(session, booking.id, "item_cancelled", ctx, item_id=item.id)
    emit_booking_event(
        session, booking, "booking.items_changed", item_id=item.id, change="cancelled"
    )
    return item


async def add_traveller(
    session: AsyncSession, *, booking_id: str, spec: TravellerSpec, ctx: Context
) -> BookingTraveller:
    """Add a traveller (non-PII fields)."""
    booking = await lock_booking(session, booking_id)
    _editable(booking)
    traveller = BookingTraveller(booking_id=booking.id, **spec.__dict__)
    session.add(traveller)
    await session.flush()
    log_activity(session, booking.id, "traveller_added", ctx, traveller_id=traveller.id)
    return traveller


async def update_traveller(
    session: AsyncSession,
    *,
    booking_id: str,
    traveller_id: str,
    changes: dict[str, Any],
    ctx: Context,
) -> BookingTraveller:
    """Change a traveller's non-PII fields (only the keys given)."""
    traveller = await session.get(BookingTraveller, traveller_id, with_for_update=True)
    if traveller is None or traveller.booking_id != booking_id:
        raise NotFound(
            "traveller_not_found", f"no traveller {traveller_id} on booking {booking_id}"
        )
    for key, value in changes.items():
        setattr(traveller, key, value)
    await session.flush()
    log_activity(
        session,
        booking_id,
        "traveller_updated",
        ctx,
        traveller_id=traveller.id,
        fields=sorted(changes),
    )
    return traveller
