"""Payment reminder rules, pure: which reminder a due schedule line gets on a given day.

- `due`: from `lead_days` before the due date until the due date; one per line (its day is
  the due date), so a missed daily run is caught up by the next one.
- `overdue`: after the due date, on day 1, 1 + every, 1 + 2 x every ... after it, at most
  `max_overdue` times; the day is the start of the current step, so a run that misses
  one day still sends that step's reminder once.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta


@dataclass(frozen=True, slots=True)
class ReminderDue:
    """A reminder to send: kind, and the day it is for (its idempotency day)."""

    kind: str
    day: date


def reminder_for(
    due_date: date,
    as_of: date,
    *,
    lead_days: int = 3,
    overdue_every: int = 7,
    max_overdue: int = 4,
) -> ReminderDue | None:
    """The reminder a still-due line should have had by `as_of`, or None."""
    if as_of < due_date - timedelta(days=lead_days):
        return None
    if as_of <= due_date:
        return ReminderDue("due", due_date)
    step = (as_of - due_date - timedelta(days=1)).days // overdue_every
    if step >= max_overdue:
        return None
    return ReminderDue("overdue", due_date + timedelta(days=1 + step * overdue_every))


def window_start(as_of: date, *, overdue_every: int = 7, max_overdue: int = 4) -> date:
    """The earliest due date that can still need a reminder on `as_of`."""
    return as_of - timedelta(days=overdue_every * max_overdue)
