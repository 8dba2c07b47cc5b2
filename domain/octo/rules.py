"""Pure OCTO mapping rules: availability status, unit pricing, booking status, local times."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

# Below this share of capacity left, an availability is LIMITED (OCTO: "less than 50%").
LIMITED_SHARE = 0.5
ZERO_DECIMAL = frozenset({"BIF", "CLP", "DJF", "GNF", "ISK", "JPY", "KMF", "KRW", "PYG", "RWF",
                          "UGX", "VND", "VUV", "XAF", "XOF", "XPF"})  # fmt: skip
THREE_DECIMAL = frozenset({"BHD", "IQD", "JOD", "KWD", "LYD", "OMR", "TND"})
UNIT_TYPES = {
    "adult": "ADULT",
    "youth": "YOUTH",
    "child": "CHILD",
    "infant": "INFANT",
    "family": "FAMILY",
    "senior": "SENIOR",
    "student": "STUDENT",
    "military": "MILITARY",
}
BOOKING_STATUSES = {
    "draft": "PENDING",
    "on_hold": "ON_HOLD",
    "awaiting_payment": "ON_HOLD",
    "confirmed": "CONFIRMED",
    "in_progress": "CONFIRMED",
    "completed": "REDEEMED",
    "expired": "EXPIRED",
    "cancelled": "CANCELLED",
}


@dataclass(frozen=True)
class Vacancy:
    """What a reseller may sell on one slot: status, whether bookable, counts (None = free)."""

    status: str
    available: bool
    vacancies: int | None
    capacity: int | None


def allotment_remaining(*, guaranteed: int, sold: int, max_capacity: int) -> int:
    """Units a channel with an allotment target may still sell on a slot.

    Its unsold guaranteed units (guaranteed - sold), never beyond max_capacity - sold
    (the allotment's draw refuses past max_capacity).
    """
    return max(0, min(guaranteed - sold, max_capacity - sold))


def vacancy(
    *,
    slot_status: str,
    remaining: int | None,
    capacity: int | None,
    starts_at: datetime,
    now: datetime,
) -> Vacancy:
    """OCTO status of a slot: CLOSED, FREESALE, SOLD_OUT, LIMITED or AVAILABLE.

    `remaining`/`capacity` are what this reseller sees (its allotment when it has one);
    None means unlimited. A slot that has started, or is closed/cancelled, is CLOSED.
    """
    if slot_status in ("closed", "cancelled") or starts_at <= now:
        return Vacancy("CLOSED", False, 0, capacity)
    if remaining is None:
        return Vacancy("FREESALE", True, None, None)
    if remaining <= 0 or slot_status == "sold_out":
        return Vacancy("SOLD_OUT", False, 0, capacity)
    if capacity and remaining < capacity * LIMITED_SHARE:
        return Vacancy("LIMITED", True, remaining, capacity)
    return Vacancy("AVAILABLE", True, remaining, capacity)


def day_vacancy(slots: list[Vacancy]) -> Vacancy:
    """One calendar day from its slots' vacancies (no slots: CLOSED)."""
    if not slots:
        return Vacancy("CLOSED", False, 0, 0)
    open_ = [s for s in slots if s.available]
    if any(s.status == "FREESALE" for s in open_):
        return Vacancy("FREESALE", True, None, None)
    capacity = sum(s.capacity or 0 for s in slots)
    if open_:
        left = sum(s.vacancies or 0 for s in open_)
        limited = all(s.status == "LIMITED" for s in open_)
        return Vacancy("LIMITED" if limited else "AVAILABLE", True, left, capacity)
    status = "SOLD_OUT" if any(s.status == "SOLD_OUT" for s in slots) else "CLOSED"
    return Vacancy(status, False, 0, capacity)


def currency_precision(currency: str) -> int:
    """ISO-4217 minor-unit digits."""
    if currency in ZERO_DECIMAL:
        return 0
    return 3 if currency in THREE_DECIMAL else 2


def pricing(amount_minor: int, currency: str) -> dict[str, Any]:
    """An OCTO Pricing object: retail = original = tourflow's sell price; net unknown."""
    return {
        "original": amount_minor,
        "retail": amount_minor,
        "net": None,
        "currency": currency,
        "currencyPrecision": currency_precision(currency),
        "includedTaxes": [],
    }


def unit_type(category: str) -> str:
    """OCTO unit type of a tourflow unit category (OTHER when it has no match)."""
    return UNIT_TYPES.get(category, "OTHER")


def booking_status(status: str) -> str:
    """OCTO booking status of a tourflow booking status."""
    return BOOKING_STATUSES[status]


def local_iso(at: datetime, timezone: str) -> str:
    """`2026-06-01T09:00:00+02:00`: an instant in the product's zone, seconds precision."""
    return at.astimezone(ZoneInfo(timezone)).replace(microsecond=0).isoformat()


def utc_iso(at: datetime) -> str:
    """`2026-06-01T07:00:00Z`."""
    return at.astimezone(ZoneInfo("UTC")).replace(microsecond=0).isoformat().replace("+00:00", "Z")


def day_bounds(day: date, timezone: str) -> tuple[str, str]:
    """Local start and end (next midnight) of a day, as OCTO all-day availabilities show it."""
    zone = ZoneInfo(timezone)
    start = datetime.combine(day, time(0), tzinfo=zone)
    end = datetime.combine(day + timedelta(days=1), time(0), tzinfo=zone)
    return start.isoformat(), end.isoformat()


def hhmm(value: time) -> str:
    """`09:00`."""
    return value.strftime("%H:%M")


def parse_local_date(value: str) -> date | None:
    """A `YYYY-MM-DD` date, or None when malformed."""
    try:
        return date.fromisoformat(value) if len(value) == 10 else None
    except ValueError:
        return None
