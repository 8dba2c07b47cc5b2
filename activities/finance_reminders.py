"""Activities of the payment-reminder sweep."""

from __future__ import annotations

from datetime import UTC, date, datetime

from pydantic import BaseModel, Field
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from temporalio import activity

from adapters.notifications.base import Notifier
from adapters.notifications.file import default_notifier
from domain.db import unit_of_work
from domain.finance.guarantees import expire_due
from domain.finance.reminders import due_lines, remind_line
from tourflow.settings import Settings


class ReminderSweepInput(BaseModel):
    """Remind for lines due or overdue as of `as_of` (default: the workflow's today, UTC)."""

    as_of: date | None = None


class ReminderSweepResult(BaseModel):
    """How many reminders one sweep sent."""

    as_of: date
    sent: int


class ReminderPageInput(BaseModel):
    """One page of the sweep, by schedule line id."""

    as_of: date
    after_line_id: str | None = None
    limit: int = Field(default=50, ge=1, le=500)


class ReminderPageResult(BaseModel):
    """Reminder ids sent, and where the next page starts (None: the sweep is done)."""

    reminder_ids: list[str]
    last_line_id: str | None


class GuaranteeExpiryInput(BaseModel):
    """Expire pending guarantees whose `expires_at` is at or before `as_of` (default: now)."""

    as_of: datetime | None = None
    batch: int = Field(default=200, ge=1, le=1000)


class GuaranteeExpiryResult(BaseModel):
    """The guarantees this run expired."""

    guarantee_ids: list[str]


class ReminderActivities:
    """Sends reminders through a Notifier; each reminder commits on its own.

    The notifier defaults to the file notifier from settings, read when first needed.
    """

    def __init__(
        self, factory: async_sessionmaker[AsyncSession], notifier: Notifier | None = None
    ) -> None:
        self._factory = factory
        self._notifier = notifier

    @activity.defn(name="finance.send_reminder_page")
    async def send_reminder_page(self, params: ReminderPageInput) -> ReminderPageResult:
        """Send the reminders owed by one page of due lines, each in its own commit."""
        settings = Settings()
        notifier = self._notifier or default_notifier(settings)
        lead = settings.reminder_lead_days
        async with self._factory() as session:
            line_ids = await due_lines(
                session,
                as_of=params.as_of,
                after_line_id=params.after_line_id,
                limit=params.limit,
                lead_days=lead,
            )
        sent = []
        for line_id in line_ids:
            async with unit_of_work(self._factory) as session:
                reminder = await remind_line(
                    session, notifier, line_id, as_of=params.as_of, lead_days=lead
                )
            if reminder is not None:
                sent.append(reminder)
        last = line_ids[-1] if len(line_ids) == params.limit else None
        return ReminderPageResult(reminder_ids=sent, last_line_id=last)

    @activity.defn(name="finance.expire_guarantees")
    async def expire_guarantees(self, params: GuaranteeExpiryInput) -> GuaranteeExpiryResult:
        """Expire due pending guarantees in batches, each batch in its own commit."""
        as_of = params.as_of or datetime.now(UTC)
        done: list[str] = []
        while True:
            async with unit_of_work(self._factory) as session:
                ids = await expire_due(session, now=as_of, limit=params.batch)
            done.extend(ids)
            if len(ids) < params.batch:
                return GuaranteeExpiryResult(guarantee_ids=done)
