"""Settlement runs: compute items (commission engine), decide, post finance documents.

Services flush, never commit. Every state change locks the run row first, so a retried
activity or a racing approve/reject sees the other's outcome, never a half-state.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import cast

from sqlalchemy import Table, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from domain.errors import BadRequest, Conflict, NotFound
from domain.ids import new_id
from domain.outbox.record import record_event
from domain.reconciliation.compare import MONEY_ISSUES
from domain.reconciliation.models import ReconciliationItem, ReconciliationRun
from domain.settlement import items, rules
from domain.settlement.models import (
    RemittanceException,
    SettlementItem,
    SettlementPolicy,
    SettlementRun,
)


def workflow_id(channel_id: str, period_start: date) -> str:
    """The run's deterministic workflow id."""
    return f"channel-settlement:{channel_id}:{period_start.isoformat()}"


async def policy_for(session: AsyncSession, channel_id: str) -> SettlementPolicy:
    """The channel's settlement policy; 404 `settlement_policy_not_found`."""
    policy = await session.scalar(
        select(SettlementPolicy).where(SettlementPolicy.channel_id == channel_id)
    )
    if policy is None:
        raise NotFound(
            "settlement_policy_not_found", f"channel {channel_id} has no settlement policy"
        )
    return policy


async def open_run(
    session: AsyncSession, *, channel_id: str, period_start: date, period_end: date
) -> SettlementRun:
    """The run of (channel, period_start), created once with the policy's terms frozen."""
    if period_end <= period_start:
        raise BadRequest("invalid_period", "period_end must be after period_start")
    policy = await policy_for(session, channel_id)
    await session.execute(
        insert(SettlementRun)
        .values(
            id=new_id(SettlementRun.id_prefix),
            channel_id=channel_id,
            period_start=period_start,
            period_end=period_end,
            currency=policy.currency,
            status="computing",
            workflow_id=workflow_id(channel_id, period_start),
            approval_required=policy.approval_required,
            minimum_payout_minor=policy.minimum_payout_minor,
            due_date=rules.due_date(period_end, policy.remittance_days),
        )
        .on_conflict_do_nothing(index_elements=["channel_id", "period_start"])
    )
    run = await session.scalar(
        select(SettlementRun).where(
            SettlementRun.channel_id == channel_id, SettlementRun.period_start == period_start
        )
    )
    assert run is not None
    return run


async def lock_run(session: AsyncSession, run_id: str) -> SettlementRun:
    """The run locked FOR UPDATE; 404 `settlement_run_not_found`."""
    run = await session.scalar(
        select(SettlementRun)
        .where(SettlementRun.id == run_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    if run is None:
        raise NotFound("settlement_run_not_found", f"no settlement run {run_id}")
    return run


async def compute(session: AsyncSession, *, run_id: str) -> SettlementRun:
    """Items per channel booking (commission engine, rule recorded), totals checked.

    Idempotent: a run past `computing` is returned as it is.
    """
    run = await lock_run(session, run_id)
    if run.status != "computing":
        return run
    values = [*await items.new_items(session, run), *await items.reversals(session, run)]
    if values:
        # Any conflict (a retried activity, or a racing run reversing the same item) keeps
        # the row already there; the totals below are read back from what was stored.
        await session.execute(
            insert(cast(Table, SettlementItem.__table__)).on_conflict_do_nothing(), values
        )
    stored = await session.scalars(select(SettlementItem).where(SettlementItem.run_id == run.id))
    total = rules.totals(
        rules.Item(i.booking_id, i.gross_minor, i.commission_minor, i.net_minor, i.payment_owner)
        for i in stored.all()
    )
    run.item_count = total.count
    run.gross_minor = total.gross_minor
    run.commission_minor = total.commission_minor
    run.net_minor = total.net_minor
    run.balance_minor = total.balance_minor
    run.direction = rules.direction(total.balance_minor)
    if not rules.meets_minimum(total.balance_minor, run.minimum_payout_minor):
        run.status = "below_minimum"
    elif run.approval_required:
        run.status = "awaiting_approval"
    else:
        run.status = "approved"
    await _raise_exceptions(session, run)
    await session.flush()
    emit(session, run, "settlement.computed")
    return run


async def _raise_exceptions(session: AsyncSession, run: SettlementRun) -> None:
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


def emit(session: AsyncSession, run: SettlementRun, event_type: str) -> None:
    """Record a settlement event (the caller holds the run lock)."""
    record_event(
        session,
        aggregate_type="channel_settlement",
        aggregate_id=run.id,
        event_type=event_type,
        payload={
            "settlement_run_id": run.id,
            "channel_id": run.channel_id,
            "status": run.status,
            "currency": run.currency,
            "gross_minor": run.gross_minor,
            "commission_minor": run.commission_minor,
            "net_minor": run.net_minor,
            "balance_minor": run.balance_minor,
            "direction": run.direction,
            "invoice_id": run.invoice_id,
            "payment_id": run.payment_id,
            "credit_note_ids": list(run.credit_note_ids or []),
            "credited_minor": run.credited_minor,
        },
    )


async def decide(
    session: AsyncSession, *, run_id: str, approve: bool, principal_id: str, note: str | None
) -> SettlementRun:
    """Approve or reject a run awaiting approval; repeating the same decision is a no-op."""
    run = await lock_run(session, run_id)
    target = "approved" if approve else "rejected"
    if run.decided_at is not None and run.status in (target, "posted" if approve else target):
        return run
    if run.status != "awaiting_approval":
        raise Conflict(
            "settlement_not_awaiting_approval",
            f"settlement run {run.id} is {run.status}",
            status=run.status,
        )
    run.status = target
    run.decided_by = principal_id
    run.decided_at = datetime.now(UTC)
    run.decision_note = note
    await session.flush()
    emit(session, run, f"settlement.{target}")
    return run


async def get_run(session: AsyncSession, run_id: str) -> SettlementRun:
    """The run; 404 `settlement_run_not_found`."""
    run = await session.get(SettlementRun, run_id, populate_existing=True)
    if run is None:
        raise NotFound("settlement_run_not_found", f"no settlement run {run_id}")
    return run
