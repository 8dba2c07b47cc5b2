"""Closeouts: dates that sell nothing. Closing dates closes their slots and emits events."""

from __future__ import annotations

from datetime import date

from sqlalchemy import and_, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from domain.availability.models import AvailabilityCloseout, AvailabilitySlot
from domain.availability.recurrence import closed_dates
from domain.availability.slots import emit_slot_changed
from domain.catalog.models import Product, ProductOption
from domain.errors import BadRequest, NotFound


def _slots_in(product_id: str, option_id: str | None, start: date, end: date):  # type: ignore[no-untyped-def]
    stmt = select(AvailabilitySlot).where(
        AvailabilitySlot.product_id == product_id,
        AvailabilitySlot.local_date.between(start, end),
    )
    if option_id is not None:
        stmt = stmt.where(AvailabilitySlot.option_id == option_id)
    return stmt.order_by(AvailabilitySlot.id).with_for_update(key_share=True)


async def create_closeout(
    session: AsyncSession,
    *,
    product_id: str,
    start_date: date,
    end_date: date,
    option_id: str | None = None,
    reason: str | None = None,
) -> tuple[AvailabilityCloseout, int]:
    """Close a date range; open and sold-out slots in it become closed. Returns (closeout, n)."""
    if end_date < start_date:
        raise BadRequest("invalid_range", "end_date is before start_date")
    if await session.get(Product, product_id) is None:
        raise NotFound("product_not_found", f"no product {product_id}")
    if option_id is not None:
        option = await session.get(ProductOption, option_id)
        if option is None or option.product_id != product_id:
            raise NotFound("option_not_found", f"no option {option_id} on product {product_id}")
    closeout = AvailabilityCloseout(
        product_id=product_id,
        option_id=option_id,
        start_date=start_date,
        end_date=end_date,
        reason=reason,
    )
    session.add(closeout)
    closed = 0
    for slot in (
        await session.scalars(_slots_in(product_id, option_id, start_date, end_date))
    ).all():
        if slot.status in ("open", "sold_out"):
            slot.status = "closed"
            closed += 1
            await session.flush()
            emit_slot_changed(session, slot, reason="closeout")
    await session.flush()
    return closeout, closed


async def delete_closeout(session: AsyncSession, *, closeout_id: str) -> int:
    """Remove a closeout and reopen the slots it closed; returns how many reopened.

    A slot reopens only if no other closeout still covers its date and nobody closed it
    by hand (`edited_at` set); it comes back open or sold_out by its remaining seats.
    """
    closeout = await session.get(AvailabilityCloseout, closeout_id, with_for_update=True)
    if closeout is None:
        raise NotFound("closeout_not_found", f"no closeout {closeout_id}")
    await session.delete(closeout)
    await session.flush()
    others = await session.execute(
        select(AvailabilityCloseout.start_date, AvailabilityCloseout.end_date).where(
            AvailabilityCloseout.product_id == closeout.product_id,
            or_(
                AvailabilityCloseout.option_id.is_(None),
                AvailabilityCloseout.option_id == closeout.option_id,
            ),
            and_(
                AvailabilityCloseout.start_date <= closeout.end_date,
                AvailabilityCloseout.end_date >= closeout.start_date,
            ),
        )
    )
    still_closed = closed_dates(
        [(r.start_date, r.end_date) for r in others], closeout.start_date, closeout.end_date
    )
    reopened = 0
    slots = await session.scalars(
        _slots_in(closeout.product_id, closeout.option_id, closeout.start_date, closeout.end_date)
    )
    for slot in slots.all():
        if slot.status != "closed" or slot.edited_at is not None:
            continue
        if slot.local_date in still_closed:
            continue
        slot.status = "sold_out" if slot.capacity_remaining == 0 else "open"
        reopened += 1
        await session.flush()
        emit_slot_changed(session, slot, reason="closeout_removed")
    return reopened
