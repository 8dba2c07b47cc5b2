"""The OCTO Booking body of a tourflow booking."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from api.octo import serialize
from domain.availability.models import AvailabilitySlot
from domain.bookings import status as booking_rules
from domain.bookings.models import Booking, BookingItem
from domain.octo import availability, rules
from domain.octo.catalog import load_products
from domain.octo.models import OctoBooking


def _voucher(booking: Booking) -> dict[str, Any]:
    """The booking voucher (deliveryMethods is VOUCHER): its code once confirmed.

    Unit items carry no ticket of their own (ticket null), as TICKET is not offered.
    """
    issued = booking.status in ("confirmed", "in_progress", "completed")
    return {
        "redemptionMethod": "DIGITAL",
        "utcRedeemedAt": None,
        "deliveryOptions": [{"deliveryFormat": "QRCODE", "deliveryValue": booking.number}]
        if issued
        else [],
    }


async def booking_body(
    session: AsyncSession, row: OctoBooking, booking: Booking, caps: frozenset[str]
) -> dict[str, Any]:
    """Every Booking key, null where the spec allows it."""
    found = await load_products(session, row.product_id)
    product = found[0] if found else None
    slot = await session.get(AvailabilitySlot, row.slot_id)
    assert slot is not None  # octo_bookings.slot_id is a foreign key
    (view,) = await availability.views(session, channel_id=row.channel_id, slots=[slot])
    option_view = product.option(row.option_id) if product else None
    units = {u.id: u for u in option_view.units} if option_view else {}
    status = rules.booking_status(booking.status)
    prices = dict(
        (
            await session.execute(
                select(BookingItem.unit_id, BookingItem.sell_amount_minor).where(
                    BookingItem.booking_id == booking.id, BookingItem.status == "active"
                )
            )
        ).all()
    )
    unit_items = []
    for n, item in enumerate(row.unit_items, start=1):
        body: dict[str, Any] = {
            "uuid": item["uuid"],
            "resellerReference": item.get("resellerReference"),
            "supplierReference": f"{booking.number}-{n}",
            "unitId": item["unitId"],
            "status": status,
            "utcRedeemedAt": None,
            "contact": item.get("contact") or serialize_contact(None),
            "ticket": None,
        }
        if item["unitId"] in units:
            body["unit"] = serialize.unit(units[item["unitId"]], caps)
        if serialize.PRICING in caps:
            body["pricing"] = rules.pricing(int(prices.get(item["unitId"], 0)), booking.currency)
        unit_items.append(body)
    cancelled = booking.status == "cancelled"
    out: dict[str, Any] = {
        "id": booking.id,
        "uuid": row.uuid,
        "testMode": False,
        "resellerReference": row.reseller_reference,
        "supplierReference": booking.number,
        "status": status,
        "utcCreatedAt": rules.utc_iso(booking.created_at),
        "utcUpdatedAt": rules.utc_iso(booking.updated_at),
        "utcExpiresAt": rules.utc_iso(booking.hold_expires_at)
        if booking.status in booking_rules.HELD and booking.hold_expires_at
        else None,
        "utcRedeemedAt": None,
        "utcConfirmedAt": rules.utc_iso(booking.confirmed_at) if booking.confirmed_at else None,
        "productId": row.product_id,
        "optionId": row.option_id,
        "cancellable": booking.status in ("on_hold", "awaiting_payment", "confirmed"),
        "cancellation": {
            "refund": "FULL",
            "reason": row.cancellation_reason,
            "utcCancelledAt": rules.utc_iso(booking.cancelled_at or booking.updated_at),
        }
        if cancelled
        else None,
        "freesale": False,
        "availabilityId": slot.id,
        "availability": None,
        "contact": serialize_contact(row.contact),
        "notes": row.notes,
        "deliveryMethods": ["VOUCHER"],
        "voucher": _voucher(booking),
        "unitItems": unit_items,
    }
    if product is not None and option_view is not None:
        out["product"] = serialize.product(product, caps)
        out["option"] = serialize.option(
            option_view, product, caps, default=product.options[0] is option_view
        )
        out["availability"] = serialize.availability(slot, view.vacancy, product, option_view, caps)
    if serialize.PRICING in caps:
        out["pricing"] = rules.pricing(booking.sell_total_minor, booking.currency)
    return out


def serialize_contact(raw: dict[str, Any] | None) -> dict[str, Any]:
    from domain.octo.bookings import contact

    return contact(raw)
