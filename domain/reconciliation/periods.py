"""Which period a scheduled run covers, pure: the last complete day, week or month."""

from __future__ import annotations

from datetime import date, timedelta


def previous_period(frequency: str, today: date) -> tuple[date, date]:
    """[start, end) of the last complete period before `today` (weeks start on Monday)."""
    if frequency == "daily":
        return today - timedelta(days=1), today
    if frequency == "weekly":
        this_monday = today - timedelta(days=today.weekday())
        return this_monday - timedelta(days=7), this_monday
    if frequency == "monthly":
        first = today.replace(day=1)
        return (first - timedelta(days=1)).replace(day=1), first
    raise ValueError(f"unknown frequency {frequency!r}")


CRON = {"daily": "0 3 * * *", "weekly": "0 3 * * 1", "monthly": "0 3 1 * *"}
