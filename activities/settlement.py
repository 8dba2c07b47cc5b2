"""Activities of the channel settlement workflow; each call owns its transaction."""

from __future__ import annotations

from datetime import date
from typing import Any

from pydantic import BaseModel
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from temporalio import activity
from temporalio.exceptions import ApplicationError

from domain.db import unit_of_work
from domain.errors import DomainError
from domain.settlement import posting, service
from domain.settlement.models import SettlementRun


class SettlementPeriod(BaseModel):
    """The channel and period [period_start, period_end)."""

    channel_id: str
    period_start: date
    period_end: date


class RunInput(BaseModel):
    """Which run."""

    run_id: str


class DecideInput(BaseModel):
    """An approval or rejection by a principal."""

    run_id: str
    approve: bool
    principal_id: str
    note: str | None = None
    override_exceptions: bool = False


class SettlementState(BaseModel):
    """The run's status, totals and posted documents."""

    run_id: str
    status: str
    currency: str
    item_count: int
    gross_minor: int
    commission_minor: int
    net_minor: int
    balance_minor: int
    direction: str | None
    invoice_id: str | None
    payment_id: str | None


def state_of(run: SettlementRun) -> SettlementState:
    """The run as the workflow sees it."""
    return SettlementState(
        run_id=run.id,
        status=run.status,
        currency=run.currency,
        item_count=run.item_count,
        gross_minor=run.gross_minor,
        commission_minor=run.commission_minor,
        net_minor=run.net_minor,
        balance_minor=run.balance_minor,
        direction=run.direction,
        invoice_id=run.invoice_id,
        payment_id=run.payment_id,
    )


def _fail(err: DomainError) -> ApplicationError:
    # A domain refusal (409, 404) will not change on retry: fail the call for good.
    return ApplicationError(err.message, err.details, type=err.code, non_retryable=True)


class SettlementActivities:
    """Database work for settlement runs."""

    def __init__(self, factory: async_sessionmaker[AsyncSession]) -> None:
        self._factory = factory

    def all(self) -> list[Any]:
        """Every activity of this class."""
        return [self.open_and_compute, self.decide, self.post]

    @activity.defn(name="settlement.open_and_compute")
    async def open_and_compute(self, params: SettlementPeriod) -> SettlementState:
        """Create (or find) the run and compute its items and totals."""
        try:
            async with unit_of_work(self._factory) as session:
                run = await service.open_run(session, **params.model_dump())
                return state_of(await service.compute(session, run_id=run.id))
        except DomainError as err:
            raise _fail(err) from err

    @activity.defn(name="settlement.decide")
    async def decide(self, params: DecideInput) -> SettlementState:
        """Record an approval or rejection."""
        try:
            async with unit_of_work(self._factory) as session:
                return state_of(await service.decide(session, **params.model_dump()))
        except DomainError as err:
            raise _fail(err) from err

    @activity.defn(name="settlement.post")
    async def post(self, params: RunInput) -> SettlementState:
        """Create the approved run's finance documents."""
        try:
            async with unit_of_work(self._factory) as session:
                return state_of(await posting.post(session, run_id=params.run_id))
        except DomainError as err:
            raise _fail(err) from err
