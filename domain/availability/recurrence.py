"""Pure RFC 5545 expansion of availability rules into local dates and UTC instants.

DST policy (RFC 5545 section 3.3.5, implemented by zoneinfo with fold=0):
- an *ambiguous* local time (clocks go back, the time occurs twice) means its FIRST
  occurrence, i.e. the instant still on daylight time;
- a *nonexistent* local time (clocks go forward, the time is skipped) is read with the UTC
  offset in force before the gap, so 02:30 on a spring-forward night becomes 03:30 local
  time. The slot keeps its rule time (02:30) as identity; `starts_at` is the true instant.

Dates come from the recurrence; times come from the rule's `start_times`, so BYHOUR,
BYMINUTE and BYSECOND are refused. Sub-daily frequencies select the days on which an
occurrence falls. `UNTIL` may be a date or a date-time; a trailing `Z` is read as local.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from dateutil.rrule import rrulestr

from domain.errors import BadRequest

_FORBIDDEN_PARTS = ("BYHOUR", "BYMINUTE", "BYSECOND", "DTSTART", "TZID")
_UNTIL_Z = re.compile(r"(UNTIL=\d{8}T\d{6})Z", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class RuleSpec:
    """What a rule says, independent of storage."""

    rrule: str
    dtstart: date
    start_times: Sequence[time]
    timezone: str
    exdates: Sequence[date] = ()
    rdates: Sequence[date] = ()
    duration_minutes: int = 120


@dataclass(frozen=True, slots=True)
class Occurrence:
    """One slot to exist: local identity plus its true UTC start and end."""

    local_date: date
    local_time: time
    starts_at: datetime
    ends_at: datetime


def zone(name: str) -> ZoneInfo:
    """The IANA zone `name`, or a 400 `invalid_timezone`."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise BadRequest("invalid_timezone", f"unknown IANA timezone {name!r}") from exc


def normalise_rrule(text: str) -> str:
    """Validate an RRULE body and return it upper-cased without an `RRULE:` prefix."""
    body = text.strip()
    if body.upper().startswith("RRULE:"):
        body = body[6:]
    body = body.upper()
    parts = {p.split("=", 1)[0] for p in body.split(";") if p}
    bad = sorted(parts.intersection(_FORBIDDEN_PARTS))
    if bad:
        raise BadRequest(
            "invalid_rrule",
            f"{', '.join(bad)} cannot be used: times come from start_times, "
            "dtstart and timezone are separate fields",
        )
    if "FREQ" not in parts:
        raise BadRequest("invalid_rrule", "an RRULE needs FREQ")
    try:
        rrulestr(_UNTIL_Z.sub(r"\1", body), dtstart=datetime(2000, 1, 1))
    except (ValueError, TypeError) as exc:
        raise BadRequest("invalid_rrule", f"invalid RRULE: {exc}") from exc
    return body


def expand_dates(spec: RuleSpec, start: date, end: date) -> list[date]:
    """The rule's local dates within [start, end], RDATEs added and EXDATEs removed."""
    if end < start:
        return []
    rule = rrulestr(
        _UNTIL_Z.sub(r"\1", normalise_rrule(spec.rrule)),
        dtstart=datetime.combine(spec.dtstart, time()),
    )
    lo, hi = datetime.combine(start, time()), datetime.combine(end, time.max)
    dates = {d.date() for d in rule.between(lo, hi, inc=True)}
    dates.update(d for d in spec.rdates if start <= d <= end and d >= spec.dtstart)
    dates.difference_update(spec.exdates)
    return sorted(dates)


def to_instant(local_date: date, local_time: time, tz: ZoneInfo) -> datetime:
    """The UTC instant of a local wall time, under the module's DST policy."""
    return datetime.combine(local_date, local_time, tzinfo=tz).replace(fold=0).astimezone(UTC)


def occurrences(
    spec: RuleSpec, start: date, end: date, *, closed: Iterable[date] = ()
) -> list[Occurrence]:
    """Every (date, start time) of the rule in [start, end], skipping closed dates."""
    tz = zone(spec.timezone)
    closed_dates = set(closed)
    duration = timedelta(minutes=spec.duration_minutes)
    result = []
    for d in expand_dates(spec, start, end):
        if d in closed_dates:
            continue
        for t in sorted(set(spec.start_times)):
            starts_at = to_instant(d, t, tz)
            result.append(Occurrence(d, t, starts_at, starts_at + duration))
    return result


def closed_dates(ranges: Iterable[tuple[date, date]], start: date, end: date) -> set[date]:
    """The dates within [start, end] covered by any inclusive closeout range."""
    out: set[date] = set()
    for lo, hi in ranges:
        day = max(lo, start)
        while day <= min(hi, end):
            out.add(day)
            day += timedelta(days=1)
    return out
