"""OCTO reservations become real tourflow bookings (on_hold, allocated, hold workflow).

Lock order: the OCTO row, then the booking (service.lock_booking), then slots (the pax
gate, in slot-id order); every verb follows it so concurrent calls cannot deadlock.
"""

from __future__ import annotations

import uuid as uuidlib
from collections import Counter
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from sqlalchemy import select, text
from sqlalchemy.ext.asyncio import AsyncSession

from domain.availability.models import AvailabilitySlot
from domain.bookings import service
from domain.bookings.models import Booking, BookingItem
from domain.distribution.channel_bookings import create_channel_booking
from domain.errors import Conflict, DomainError
from domain.octo import availability, channels, errors, rules
from domain.octo.catalog import OptionView, ProductView, get_product
from domain.octo.models import OctoBooking

DEFAULT_HOLD_MINUTES = 30
MAX_HOLD_MINUTES = 30 * 24 * 60
CONTACT_KEYS = ("fullName", "firstName", "lastName", "emailAddress", "phoneNumber",
                "postalCode", "country", "notes")  # fmt: skip


@dataclass
class UnitItemIn:
    """One unit the reseller books."""

    unit_id: str
    uuid: str | None = None
    reseller_reference: str | None = None
    contact: dict[str, Any] | None = None


@dataclass
class Reservation:
    """A reservation (or, with None fields, the parts of an update that change)."""

    product_id: str | None = None
    option_id: str | None = None
    availability_id: str | None = None
    unit_items: list[UnitItemIn] | None = None
    uuid: str | None = None
    reseller_reference: str | None = None
    notes: str | None = None
    contact: dict[str, Any] | None = None
    expiration_minutes: int | None = None
    fields_set: set[str] = field(default_factory=set)


def contact(raw: dict[str, Any] | None) -> dict[str, Any]:
    """A complete OCTO Contact: every key present, fullName derived when not sent."""
    raw = raw or {}
    out: dict[str, Any] = {k: raw.get(k) for k in CONTACT_KEYS}
    out["locales"] = list(raw.get("locales") or [])
    if not out["fullName"] and (out["firstName"] or out["lastName"]):
        out["fullName"] = " ".join(p for p in (out["firstName"], out["lastName"]) if p)
    return out


def _check_uuid(value: str) -> str:
    try:
        return str(uuidlib.UUID(value))
    except ValueError as exc:
        raise errors.bad_request("uuid must be a UUID") from exc


def _ttl(minutes: int | None) -> timedelta:
    minutes = DEFAULT_HOLD_MINUTES if minutes is None else minutes
    if not 1 <= minutes <= MAX_HOLD_MINUTES:
        raise errors.bad_request(f"expirationMinutes must be between 1 and {MAX_HOLD_MINUTES}")
    return timedelta(minutes=minutes)


def _unit_items(option: OptionView, items: list[UnitItemIn] | None) -> list[dict[str, Any]]:
    if not items:
        raise errors.unprocessable("unitItems must list at least one unit")
    known = {u.id for u in option.units}
    out = []
    for item in items:
        if item.unit_id not in known:
            raise errors.invalid_unit(item.unit_id)
        out.append(
            {
                "uuid": _check_uuid(item.uuid) if item.uuid else str(uuidlib.uuid4()),
                "unitId": item.unit_id,
                "resellerReference": item.reseller_reference,
                "contact": contact(item.contact),
            }
        )
    return out


async def _slot(
    session: AsyncSession, option: OptionView, availability_id: str | None
) -> AvailabilitySlot:
    if not availability_id:
        raise errors.invalid_availability(availability_id or "")
    found = await availability.slots_by_ids(
        session, option_id=option.option.id, ids=[availability_id]
    )
    if availability_id not in found:
        raise errors.invalid_availability(availability_id)
    return found[availability_id]


def _item_specs(
    product: ProductView, option: OptionView, slot: AvailabilitySlot, items: list[dict[str, Any]]
) -> tuple[list[service.ItemSpec], str, int]:
    units = {u.id: u for u in option.units}
    counts = Counter(i["unitId"] for i in items)
    currency = product.currency
    specs = []
    for unit_id, count in counts.items():
        unit = units[unit_id]
        if unit.currency and unit.currency != currency:
            raise errors.unprocessable(f"units sell in {unit.currency} and {currency}")
        specs.append(
            service.ItemSpec(
                kind="unit",
                description=f"{product.product.name}: {unit.name}"[:300],
                sell_amount_minor=unit.price_minor or 0,
                sell_currency=currency,
                product_id=product.product.id,
                option_id=option.option.id,
                unit_id=unit.id,
                slot_id=slot.id,
                quantity=count,
                pax=count * unit.pax,
            )
        )
    return specs, currency, sum(s.pax for s in specs)


async def _check_vacancy(
    session: AsyncSession, *, channel_id: str, slot: AvailabilitySlot, pax: int
) -> None:
    """Refuse what this reseller cannot see as bookable (its allotment, when it has one)."""
    (view,) = await availability.views(session, channel_id=channel_id, slots=[slot])
    v = view.vacancy
    if not v.available or (v.vacancies is not None and v.vacancies < pax):
        raise errors.unprocessable(
            f"availability {slot.id} is {v.status}; {v.vacancies} left, {pax} requested"
        )


def _gate_failed(exc: DomainError) -> errors.OctoError:
    return errors.unprocessable(f"the booking cannot be made: {exc.message}")


async def reserve(
    session: AsyncSession, *, channel_id: str, req: Reservation, ctx: service.Context
) -> OctoBooking:
    """Create an on_hold booking with allocations; a replayed uuid returns the first one."""
    if req.uuid:
        req.uuid = _check_uuid(req.uuid)
        # Two concurrent reservations with one uuid: the second waits, then replays.
        await session.execute(
            text("SELECT pg_advisory_xact_lock(hashtext(:key))"), {"key": f"octo:{req.uuid}"}
        )
        existing = await session.scalar(select(OctoBooking).where(OctoBooking.uuid == req.uuid))
        if existing is not None:
            if existing.channel_id != channel_id:
                raise errors.bad_request(f"uuid {req.uuid} is already used")
            return existing
    product = await get_product(session, req.product_id or "")
    option = product.option(req.option_id or "")
    slot = await _slot(session, option, req.availability_id)
    items = _unit_items(option, req.unit_items)
    specs, currency, pax = _item_specs(product, option, slot, items)
    ttl = _ttl(req.expiration_minutes)
    buyer = contact(req.contact)
    await _check_vacancy(session, channel_id=channel_id, slot=slot, pax=pax)
    spec = service.BookingSpec(
        currency=currency,
        status="on_hold",
        items=specs,
        origin_kind="catalog_price_availability",
        buyer={
            "name": buyer["fullName"],
            "email": buyer["emailAddress"],
            "phone": buyer["phoneNumber"],
        },
        channel_id=channel_id,
        external_ref=req.reseller_reference,
        hold_ttl=ttl,
    )
    try:
        # Draws the channel's allotment, then the pax gate, then the source channel.
        booking = await create_channel_booking(session, spec, ctx, channel_id=channel_id)
    except Conflict as exc:
        raise _gate_failed(exc) from exc
    row = OctoBooking(
        uuid=req.uuid or str(uuidlib.uuid4()),
        booking_id=booking.id,
        channel_id=channel_id,
        product_id=product.product.id,
        option_id=option.option.id,
        slot_id=slot.id,
        reseller_reference=req.reseller_reference,
        notes=req.notes,
        contact=buyer,
        unit_items=items,
    )
    session.add(row)
    await session.flush()
    await channels.link_inbound(
        session,
        channel_id=channel_id,
        booking_id=booking.id,
        uuid=row.uuid,
        reseller_reference=req.reseller_reference,
        amount_minor=booking.sell_total_minor,
        currency=currency,
    )
    return row


async def find(
    session: AsyncSession, *, channel_id: str, uuid: str, lock: bool = False
) -> OctoBooking:
    """This channel's OCTO booking by uuid, or INVALID_BOOKING_UUID (never another channel's)."""
    query = select(OctoBooking).where(
        OctoBooking.uuid == uuid, OctoBooking.channel_id == channel_id
    )
    if lock:
        query = query.with_for_update().execution_options(populate_existing=True)
    row = await session.scalar(query)
    if row is None:
        raise errors.invalid_booking(uuid)
    return row


async def search(
    session: AsyncSession,
    *,
    channel_id: str,
    reseller_reference: str | None,
    supplier_reference: str | None,
) -> list[OctoBooking]:
    """This channel's bookings by reseller or supplier reference (one is required)."""
    if not reseller_reference and not supplier_reference:
        raise errors.bad_request("send resellerReference or supplierReference")
    query = select(OctoBooking).where(OctoBooking.channel_id == channel_id)
    if reseller_reference:
        query = query.where(OctoBooking.reseller_reference == reseller_reference)
    if supplier_reference:
        query = query.join(Booking, Booking.id == OctoBooking.booking_id).where(
            Booking.number == supplier_reference
        )
    return list((await session.scalars(query.order_by(OctoBooking.created_at))).all())


async def pax_of(session: AsyncSession, booking_id: str) -> int:
    """Travellers the booking's active items hold."""
    rows = await session.scalars(
        select(BookingItem.pax).where(
            BookingItem.booking_id == booking_id, BookingItem.status == "active"
        )
    )
    return sum(rows.all())


async def _sync(session: AsyncSession, row: OctoBooking, booking: Booking) -> None:
    await channels.sync_link(
        session,
        channel_id=row.channel_id,
        booking_id=booking.id,
        status=rules.booking_status(booking.status),
        reseller_reference=row.reseller_reference,
        amount_minor=booking.sell_total_minor,
    )
