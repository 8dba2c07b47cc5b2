"""Activities of the availability workflows (hold expiry, rolling slot horizon)."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from pydantic import BaseModel
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from temporalio import activity

from domain.availability.generation import generate_availability_slots
from domain.availability.holds import expire_hold_if_due
from domain.availability.models import AvailabilityRule
from domain.availability.recurrence import zone
from domain.db import unit_of_work


class HoldRef(BaseModel):
    """Which hold."""

    hold_id: str


class HoldState(BaseModel):
    """A hold's status and when it expires (None when it no longer exists)."""

    status: str
    expires_at: datetime | None


class HorizonInput(BaseModel):
    """Keep `rule_id` generated from its local today to today + its horizon."""

    rule_id: str


class HorizonResult(BaseModel):
    """What one horizon run did."""

    rule_id: str
    start: date | None
    end: date | None
    created: int


class ActiveRules(BaseModel):
    """Ids of active rules."""

    rule_ids: list[str]


class AvailabilityActivities:
    """Database work for availability workflows; each call is its own transaction."""

    def __init__(self, factory: async_sessionmaker[AsyncSession]) -> None:
        self._factory = factory

    @activity.defn(name="availability.expire_hold_if_due")
    async def expire_hold_if_due(self, ref: HoldRef) -> HoldState:
        """Expire the hold if due; report its state either way."""
        async with unit_of_work(self._factory) as session:
            hold = await expire_hold_if_due(session, hold_id=ref.hold_id)
            if hold is None:
                return HoldState(status="missing", expires_at=None)
            return HoldState(status=hold.status, expires_at=hold.expires_at)

    @activity.defn(name="availability.generate_horizon")
    async def generate_horizon(self, params: HorizonInput) -> HorizonResult:
        """Generate the rule's slots for [local today, local today + horizon_days]."""
        async with unit_of_work(self._factory) as session:
            rule = await session.get(AvailabilityRule, params.rule_id)
            if rule is None or not rule.active:
                return HorizonResult(rule_id=params.rule_id, start=None, end=None, created=0)
            today = datetime.now(zone(rule.timezone)).date()
            start = max(today, rule.dtstart)
            end = today + timedelta(days=rule.horizon_days)
            result = await generate_availability_slots(
                session, rule_id=rule.id, start=start, end=end
            )
        return HorizonResult(rule_id=rule.id, start=start, end=end, created=result.created)

    @activity.defn(name="availability.list_active_rules")
    async def list_active_rules(self) -> ActiveRules:
        """Every active rule id."""
        async with self._factory() as session:
            ids = await session.scalars(
                select(AvailabilityRule.id)
                .where(AvailabilityRule.active.is_(True))
                .order_by(AvailabilityRule.id)
            )
            return ActiveRules(rule_ids=list(ids))
