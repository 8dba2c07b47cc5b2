"""Pure checks on the instants and windows a dispatch carries."""

from __future__ import annotations

from datetime import UTC, datetime

from domain.errors import BadRequest

# Far enough for any real operation, near enough that every instant survives a round trip
# through PostgreSQL and back into Python's datetime (years 1..9999 only).
EARLIEST = datetime(1970, 1, 1, tzinfo=UTC)
LATEST = datetime(9000, 1, 1, tzinfo=UTC)


def check_instant(value: datetime, *, field: str) -> datetime:
    """Return `value` if it lies in the supported range, else raise 400 `invalid_time`."""
    if not EARLIEST <= value < LATEST:
        raise BadRequest("invalid_time", f"{field} must lie between 1970 and 9000", field=field)
    return value


def check_window(start: datetime, end: datetime, *, names: tuple[str, str]) -> None:
    """Both instants supported and `end` after `start`, else 400."""
    check_instant(start, field=names[0])
    check_instant(end, field=names[1])
    if end <= start:
        raise BadRequest("invalid_time_window", f"{names[1]} must be after {names[0]}")
