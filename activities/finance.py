"""Activities of the finance workflows (the overdue sweep)."""

from __future__ import annotations

from datetime import date

from pydantic import BaseModel, Field
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from temporalio import activity

from domain.db import unit_of_work
from domain.finance.invoices import mark_overdue


class OverdueSweepInput(BaseModel):
    """Mark invoices due before `as_of` overdue (default: the workflow's today, UTC)."""

    as_of: date | None = None


class OverdueSweepResult(BaseModel):
    """How many invoices one sweep marked overdue."""

    as_of: date
    marked: int


class OverdueBatchInput(BaseModel):
    """One batch of the sweep."""

    as_of: date
    limit: int = Field(default=200, ge=1, le=1000)


class OverdueBatch(BaseModel):
    """Ids of the invoices this batch marked overdue."""

    invoice_ids: list[str]


class FinanceActivities:
    """Database work for finance workflows; each call owns its transaction."""

    def __init__(self, factory: async_sessionmaker[AsyncSession]) -> None:
        self._factory = factory

    @activity.defn(name="finance.mark_overdue_batch")
    async def mark_overdue_batch(self, params: OverdueBatchInput) -> OverdueBatch:
        """Mark up to `limit` past-due invoices overdue, with their events, in one commit."""
        async with unit_of_work(self._factory) as session:
            ids = await mark_overdue(session, as_of=params.as_of, limit=params.limit)
        return OverdueBatch(invoice_ids=ids)
