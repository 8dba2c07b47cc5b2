"""Pure calendar helpers: IANA zones and the UTC bounds of a local day."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from domain.errors import BadRequest


def zone(name: str) -> ZoneInfo:
    """The IANA zone called `name`; 400 `invalid_timezone` when there is none."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise BadRequest(
            "invalid_timezone", f"'{name}' is not an IANA time zone", timezone=name
        ) from exc


def local_day_bounds(day: date, tz: ZoneInfo) -> tuple[datetime, datetime]:
    """The half-open UTC range [start, end) covering the local `day` in `tz` (DST-aware)."""
    try:
        start = datetime.combine(day, time(0), tzinfo=tz).astimezone(UTC)
        end = datetime.combine(day + timedelta(days=1), time(0), tzinfo=tz).astimezone(UTC)
    except OverflowError as exc:
        raise BadRequest("invalid_date", f"{day} is out of range", date=str(day)) from exc
    return start, end
