"""OCTO response bodies as plain dicts: every schema key present, null where allowed."""

from __future__ import annotations

from datetime import date
from typing import Any

from domain.availability.models import AvailabilitySlot
from domain.catalog.models import OptionUnit
from domain.octo import rules
from domain.octo.catalog import OptionView, ProductView
from domain.octo.rules import Vacancy

PRICING = "octo/pricing"
CONTENT = "octo/content"
SUPPORTED = (CONTENT, PRICING)
LOCALE = "en"
CONTACT_FIELDS = ["firstName", "lastName", "emailAddress"]
UNIT_CONTACT_FIELDS: list[str] = []
# Cancellation is not refused close to departure (no cutoff rule yet), so none is advertised.
CANCELLATION_CUTOFF_HOURS = 0


def supplier(endpoint: str, caps: frozenset[str]) -> dict[str, Any]:
    body: dict[str, Any] = {
        "id": "tourflow",
        "name": "tourflow operator",
        "endpoint": endpoint,
        "contact": {"website": None, "email": None, "telephone": None, "address": None},
    }
    if CONTENT in caps:
        body |= {"shortDescription": None, "media": []}
    return body


def _content(title: str, short: str | None) -> dict[str, Any]:
    return {
        "title": title,
        "shortDescription": short,
        "description": None,
        "features": [],
        "faqs": [],
        "media": [],
        "locations": [],
        "categoryLabels": [],
        "durationMinutesFrom": 0,
        "durationMinutesTo": None,
        "commentary": [],
    }


def unit(u: OptionUnit, caps: frozenset[str]) -> dict[str, Any]:
    body: dict[str, Any] = {
        "id": u.id,
        "internalName": u.name,
        "reference": None,
        "type": rules.unit_type(u.category),
        "restrictions": {
            "minAge": 0,
            "maxAge": 100,
            "idRequired": False,
            "minQuantity": None,
            "maxQuantity": None,
            "paxCount": u.pax,
            "accompaniedBy": [],
        },
        "requiredContactFields": UNIT_CONTACT_FIELDS,
    }
    if PRICING in caps:
        price = [rules.pricing(u.price_minor or 0, u.currency)] if u.currency else []
        body |= {"pricingFrom": price, "pricing": price}
    if CONTENT in caps:
        body |= {"title": u.name, "shortDescription": u.name, "features": []}
    return body


def option(
    view: OptionView, product: ProductView, caps: frozenset[str], *, default: bool
) -> dict[str, Any]:
    # OPENING_HOURS options list no start times (OCTO's validator requires it empty, though
    # the OpenAPI file says minItems 1); START_TIME options list their slots' local times.
    starts: list[str] = []
    if product.availability_type == "START_TIME":
        starts = [rules.hhmm(t) for t in view.start_times] or ["00:00"]
    body: dict[str, Any] = {
        "id": view.option.id,
        "default": default,
        "internalName": view.option.name,
        "reference": None,
        "availabilityLocalStartTimes": starts,
        "cancellationCutoff": f"{CANCELLATION_CUTOFF_HOURS} hours",
        "cancellationCutoffAmount": CANCELLATION_CUTOFF_HOURS,
        "cancellationCutoffUnit": "hour",
        "requiredContactFields": CONTACT_FIELDS,
        "restrictions": {"minUnits": 1, "maxUnits": None},
        "units": [unit(u, caps) for u in view.units],
    }
    if PRICING in caps:
        # pricingPer is UNIT: the option's price is "from" its cheapest unit.
        body |= {"pricingFrom": from_price(view.units), "pricing": from_price(view.units)}
    if CONTENT in caps:
        body |= _content(view.option.name, None)
    return body


def from_price(units: list[OptionUnit]) -> list[dict[str, Any]]:
    """The cheapest priced unit as a one-element Pricing list (empty when none is priced)."""
    priced = [u for u in units if u.currency and u.price_minor is not None]
    if not priced:
        return []
    cheapest = min(priced, key=lambda u: u.price_minor or 0)
    return [rules.pricing(cheapest.price_minor or 0, cheapest.currency or "")]


def product(view: ProductView, caps: frozenset[str]) -> dict[str, Any]:
    p = view.product
    body: dict[str, Any] = {
        "id": p.id,
        "internalName": p.name,
        "reference": None,
        "locale": LOCALE,
        "timeZone": p.timezone,
        "allowFreesale": False,
        "instantConfirmation": True,
        "instantDelivery": True,
        "availabilityRequired": True,
        "availabilityType": view.availability_type,
        "deliveryFormats": ["QRCODE"],
        "deliveryMethods": ["VOUCHER"],
        "redemptionMethod": "DIGITAL",
        "options": [option(o, view, caps, default=n == 0) for n, o in enumerate(view.options)],
    }
    if PRICING in caps:
        body |= {
            "defaultCurrency": view.currency,
            "availableCurrencies": [view.currency],
            "pricingPer": "UNIT",
        }
    if CONTENT in caps:
        short = view.settings.short_description if view.settings else None
        body |= _content(p.name, short)
    return body


def _unit_pricing(units: list[OptionUnit]) -> list[dict[str, Any]]:
    return [
        {"unitId": u.id, **rules.pricing(u.price_minor or 0, u.currency)}
        for u in units
        if u.currency
    ]


def availability(
    slot: AvailabilitySlot,
    v: Vacancy,
    product: ProductView,
    option_view: OptionView,
    caps: frozenset[str],
) -> dict[str, Any]:
    all_day = product.availability_type == "OPENING_HOURS"
    opening: list[dict[str, str]] = []
    if all_day:
        start, end = rules.day_bounds(slot.local_date, slot.timezone)
        s = product.settings
        if s is not None and s.opening_from and s.opening_to:
            opening = [{"from": rules.hhmm(s.opening_from), "to": rules.hhmm(s.opening_to)}]
    else:
        start, end = (
            rules.local_iso(slot.starts_at, slot.timezone),
            rules.local_iso(slot.ends_at, slot.timezone),
        )
    body: dict[str, Any] = {
        "id": slot.id,
        "localDateTimeStart": start,
        "localDateTimeEnd": end,
        "utcCutoffAt": rules.utc_iso(slot.starts_at),
        "allDay": all_day,
        "available": v.available,
        "status": v.status,
        "vacancies": v.vacancies,
        "capacity": v.capacity,
        "maxUnits": None,
        "openingHours": opening,
    }
    if PRICING in caps:
        cheapest = from_price(option_view.units)
        body |= {"unitPricing": _unit_pricing(option_view.units)}
        if cheapest:
            body["pricing"] = cheapest[0]
    if CONTENT in caps:
        body |= {"title": None, "shortDescription": ""}
    return body


def calendar_day(
    day: date, v: Vacancy, product: ProductView, option_view: OptionView, caps: frozenset[str]
) -> dict[str, Any]:
    opening: list[dict[str, str]] = []
    s = product.settings
    if product.availability_type == "OPENING_HOURS" and s and s.opening_from and s.opening_to:
        opening = [{"from": rules.hhmm(s.opening_from), "to": rules.hhmm(s.opening_to)}]
    body: dict[str, Any] = {
        "localDate": day.isoformat(),
        "available": v.available,
        "status": v.status,
        "vacancies": v.vacancies,
        "capacity": v.capacity,
        "openingHours": opening,
    }
    if PRICING in caps:
        cheapest = from_price(option_view.units)
        body |= {"unitPricingFrom": _unit_pricing(option_view.units)}
        if cheapest:
            body["pricingFrom"] = cheapest[0]
    return body


def capabilities() -> list[dict[str, Any]]:
    return [
        {"id": cap, "revision": 1, "required": False, "dependencies": [], "docs": None}
        for cap in SUPPORTED
    ]
