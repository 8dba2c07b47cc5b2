"""OCTO booking verbs on an existing reservation: extend, confirm, update, cancel."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from domain.bookings import lines, service
from domain.bookings import status as booking_rules
from domain.bookings.models import Booking, BookingItem
from domain.errors import Conflict
from domain.octo import channels, errors
from domain.octo.bookings import (
    Reservation,
    _check_vacancy,
    _gate_failed,
    _item_specs,
    _slot,
    _sync,
    _ttl,
    _unit_items,
    contact,
    find,
    pax_of,
)
from domain.octo.catalog import get_product
from domain.octo.models import OctoBooking

LIVE = frozenset({"on_hold", "awaiting_payment", "confirmed"})


async def _load(
    session: AsyncSession, *, channel_id: str, uuid: str
) -> tuple[OctoBooking, Booking]:
    row = await find(session, channel_id=channel_id, uuid=uuid, lock=True)
    booking = await service.lock_booking(session, row.booking_id)
    return row, booking


def _refuse(booking: Booking, verb: str) -> errors.OctoError:
    return errors.unprocessable(f"a booking that is {booking.status} cannot be {verb}")


async def extend(
    session: AsyncSession, *, channel_id: str, uuid: str, minutes: int | None, ctx: service.Context
) -> tuple[OctoBooking, Booking]:
    """Move the hold's expiry to now + minutes (default 30)."""
    row, booking = await _load(session, channel_id=channel_id, uuid=uuid)
    if booking.status not in booking_rules.HELD:
        raise _refuse(booking, "extended")
    booking = await service.extend_hold(session, booking_id=booking.id, ttl=_ttl(minutes), ctx=ctx)
    return row, booking


def _apply_simple(row: OctoBooking, booking: Booking, req: Reservation) -> None:
    if "reseller_reference" in req.fields_set:
        row.reseller_reference = req.reseller_reference
        booking.external_ref = req.reseller_reference
    if "notes" in req.fields_set:
        row.notes = req.notes
    if req.contact is not None:
        merged = {**row.contact, **{k: v for k, v in req.contact.items() if v is not None}}
        if req.contact.get("firstName") or req.contact.get("lastName"):
            merged["fullName"] = req.contact.get("fullName")
        row.contact = contact(merged)
        booking.buyer_name = row.contact["fullName"]
        booking.buyer_email = row.contact["emailAddress"]
        booking.buyer_phone = row.contact["phoneNumber"]


async def _rebook(
    session: AsyncSession,
    row: OctoBooking,
    booking: Booking,
    req: Reservation,
    ctx: service.Context,
) -> None:
    """Move the booking to another product, option, date or unit mix in this transaction.

    The old lines are cancelled first (their seats and allotment go back), then the new
    ones pass the gates; if they do not fit, the whole request rolls back.
    """
    product = await get_product(session, req.product_id or row.product_id)
    option = product.option(req.option_id or row.option_id)
    if req.availability_id is None and option.option.id != row.option_id:
        raise errors.invalid_availability("")
    slot = await _slot(session, option, req.availability_id or row.slot_id)
    if req.unit_items is not None:
        items = _unit_items(option, req.unit_items)
    else:
        items = row.unit_items
        if option.option.id != row.option_id:
            raise errors.unprocessable("send unitItems when changing the option")
    specs, currency, pax = _item_specs(product, option, slot, items)
    if currency != booking.currency:
        raise errors.unprocessable(f"the booking sells in {booking.currency}, not {currency}")
    old_pax = await pax_of(session, booking.id)
    active = await session.scalars(
        select(BookingItem.id).where(
            BookingItem.booking_id == booking.id, BookingItem.status == "active"
        )
    )
    try:
        for item_id in active.all():
            await lines.cancel_item(session, booking_id=booking.id, item_id=item_id, ctx=ctx)
        await channels.give_back(
            session, channel_id=row.channel_id, slot_id=row.slot_id, pax=old_pax
        )
        await _check_vacancy(session, channel_id=row.channel_id, slot=slot, pax=pax)
        await channels.draw(session, channel_id=row.channel_id, slot_id=slot.id, pax=pax)
        for spec in specs:
            await lines.add_item(session, booking_id=booking.id, spec=spec, ctx=ctx)
    except Conflict as exc:
        raise _gate_failed(exc) from exc
    row.product_id, row.option_id, row.slot_id, row.unit_items = (
        product.product.id, option.option.id, slot.id, items,
    )  # fmt: skip


async def update(
    session: AsyncSession, *, channel_id: str, uuid: str, req: Reservation, ctx: service.Context
) -> tuple[OctoBooking, Booking]:
    """PATCH: references, notes, contact, hold expiry, and product/option/date/units."""
    row, booking = await _load(session, channel_id=channel_id, uuid=uuid)
    if booking.status not in LIVE:
        raise _refuse(booking, "updated")
    _apply_simple(row, booking, req)
    if {"product_id", "option_id", "availability_id", "unit_items"} & req.fields_set:
        await _rebook(session, row, booking, req, ctx)
    if req.expiration_minutes is not None and booking.status in booking_rules.HELD:
        await service.extend_hold(
            session, booking_id=booking.id, ttl=_ttl(req.expiration_minutes), ctx=ctx
        )
    await session.flush()
    await _sync(session, row, booking)
    return row, booking


async def confirm(
    session: AsyncSession, *, channel_id: str, uuid: str, req: Reservation, ctx: service.Context
) -> tuple[OctoBooking, Booking]:
    """ON_HOLD -> CONFIRMED (contact and unit items may change); confirming twice is a no-op."""
    row, booking = await _load(session, channel_id=channel_id, uuid=uuid)
    if booking.status not in LIVE:
        raise _refuse(booking, "confirmed")
    _apply_simple(row, booking, req)
    if req.unit_items is not None:
        await _rebook(session, row, booking, req, ctx)
    if booking.status != "confirmed":
        booking = await service.apply_transition(session, booking, "confirmed", ctx)
    await _sync(session, row, booking)
    return row, booking


async def cancel(
    session: AsyncSession, *, channel_id: str, uuid: str, reason: str | None, ctx: service.Context
) -> tuple[OctoBooking, Booking]:
    """Cancel a reservation or booking; its seats and allotment go back. Idempotent."""
    row, booking = await _load(session, channel_id=channel_id, uuid=uuid)
    if booking.status == "cancelled":
        return row, booking
    if booking.status not in LIVE:
        raise _refuse(booking, "cancelled")
    # Seats return with the allocations; the allotment's sold count goes back through the
    # distribution subscriber on booking.cancelled (once, with its delivery mark).
    booking = await service.apply_transition(session, booking, "cancelled", ctx)
    row.cancellation_reason = reason
    await session.flush()
    await _sync(session, row, booking)
    return row, booking


def hold_ttl(minutes: int | None) -> timedelta:
    """The hold length an extend asks for (validated)."""
    return _ttl(minutes)
