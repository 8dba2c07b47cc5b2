"""Remittance exceptions: money-affecting reconciliation issues raised against a run.

Every exception affects money (only `MONEY_ISSUES` raise one), so an open exception blocks
a plain approval: the decision must say `override_exceptions` (recorded on the run), or
the exceptions are resolved first (`resolve`, who, when and why recorded). Services flush,
never commit; the caller holds the run's lock.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import cast

from sqlalchemy import Table, func, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from domain.errors import NotFound
from domain.ids import new_id
from domain.reconciliation.compare import MONEY_ISSUES
from domain.reconciliation.models import ReconciliationItem, ReconciliationRun
from domain.settlement.models import RemittanceException, SettlementRun


async def raise_exceptions(session: AsyncSession, run: SettlementRun) -> None:
    """One remittance exception per open money-affecting reconciliation issue of the
    channel found by a reconciliation of an overlapping period."""
    found = await session.scalars(
        select(ReconciliationItem)
        .join(ReconciliationRun, ReconciliationRun.id == ReconciliationItem.run_id)
        .where(
            ReconciliationItem.channel_id == run.channel_id,
            ReconciliationItem.resolution == "open",
            ReconciliationItem.issue_type.in_(sorted(MONEY_ISSUES)),
            ReconciliationRun.period_start < run.period_end,
            ReconciliationRun.period_end > run.period_start,
        )
    )
    values = [
        {
            "id": new_id(RemittanceException.id_prefix),
            "settlement_run_id": run.id,
            "reconciliation_item_id": item.id,
            "issue_type": item.issue_type,
            "booking_ref": item.booking_ref,
            # Signed: what the channel says minus what we say.
            "amount_minor": (item.channel_amount_minor or 0) - (item.local_amount_minor or 0),
            "status": "open",
        }
        for item in found.all()
    ]
    if values:
        await session.execute(
            insert(cast(Table, RemittanceException.__table__)).on_conflict_do_nothing(
                index_elements=["settlement_run_id", "reconciliation_item_id"]
            ),
            values,
        )


async def open_count(session: AsyncSession, run_id: str) -> int:
    """How many of the run's remittance exceptions are open."""
    count = await session.scalar(
        select(func.count()).where(
            RemittanceException.settlement_run_id == run_id,
            RemittanceException.status == "open",
        )
    )
    return int(count or 0)


async def resolve(
    session: AsyncSession, *, run_id: str, exception_id: str, principal_id: str, note: str | None
) -> tuple[RemittanceException, bool]:
    """Mark the run's exception resolved; (exception, changed). 404
    `remittance_exception_not_found` when the run has no such exception."""
    found = await session.scalar(
        select(RemittanceException)
        .where(
            RemittanceException.id == exception_id,
            RemittanceException.settlement_run_id == run_id,
        )
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    if found is None:
        raise NotFound(
            "remittance_exception_not_found",
            f"settlement run {run_id} has no remittance exception {exception_id}",
        )
    if found.status == "resolved":
        return found, False
    found.status = "resolved"
    found.resolved_by = principal_id
    found.resolved_at = datetime.now(UTC)
    found.resolution_note = note
    await session.flush()
    return found, True
