"""Settlement runs: compute items (commission engine), decide, post finance documents.

Services flush, never commit. Every state change locks the run row first, so a retried
activity or a racing approve/reject sees the other's outcome, never a half-state.

Once per channel booking: items are claims (see `models`). A run that ends without posting
(rejected, below the minimum payout) releases its claims in the same transaction, so a
later run settles those bookings. A manual run (the API) whose period overlaps a live run
of the channel (computing, awaiting approval, approved, posted) is refused with 409
`settlement_period_overlap`; scheduled runs are not refused (the claims keep them apart).

Remittance exceptions: approving a run with open exceptions (each one affects money) is
refused with 409 `settlement_open_exceptions` unless the decision says
`override_exceptions`; the run then records `exceptions_overridden`.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import cast

from sqlalchemy import Table, func, select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from domain.errors import BadRequest, Conflict, NotFound
from domain.ids import new_id
from domain.outbox.record import record_event
from domain.settlement import items, remittance, rules
from domain.settlement.models import (
    RemittanceException,
    SettlementItem,
    SettlementPolicy,
    SettlementRun,
)

LIVE = ("computing", "awaiting_approval", "approved", "posted")
# Ends without posting: the run's claims are released.
RELEASING = ("rejected", "below_minimum")


def workflow_id(channel_id: str, period_start: date) -> str:
    """The run's deterministic workflow id."""
    return f"channel-settlement:{channel_id}:{period_start.isoformat()}"


async def policy_for(
    session: AsyncSession, channel_id: str, *, lock: bool = False
) -> SettlementPolicy:
    """The channel's settlement policy; 404 `settlement_policy_not_found`."""
    stmt = select(SettlementPolicy).where(SettlementPolicy.channel_id == channel_id)
    policy = await session.scalar(stmt.with_for_update() if lock else stmt)
    if policy is None:
        raise NotFound(
            "settlement_policy_not_found", f"channel {channel_id} has no settlement policy"
        )
    return policy


async def open_run(
    session: AsyncSession,
    *,
    channel_id: str,
    period_start: date,
    period_end: date,
    refuse_overlap: bool = False,
) -> SettlementRun:
    """The run of (channel, period_start), created once with the policy's terms frozen.

    With `refuse_overlap` (a manual start), a live run of the channel over an overlapping
    period other than this very one is a 409 `settlement_period_overlap`; the policy row
    is locked first, so two racing manual starts are checked one after the other.
    """
    if period_end <= period_start:
        raise BadRequest("invalid_period", "period_end must be after period_start")
    policy = await policy_for(session, channel_id, lock=refuse_overlap)
    if refuse_overlap:
        await _refuse_overlap(session, channel_id, period_start, period_end)
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


async def _refuse_overlap(
    session: AsyncSession, channel_id: str, period_start: date, period_end: date
) -> None:
    clash = await session.scalar(
        select(SettlementRun)
        .where(
            SettlementRun.channel_id == channel_id,
            SettlementRun.status.in_(LIVE),
            SettlementRun.period_start < period_end,
            SettlementRun.period_end > period_start,
            # The same run asked for again is returned as it is.
            ~(
                (SettlementRun.period_start == period_start)
                & (SettlementRun.period_end == period_end)
            ),
        )
        .order_by(SettlementRun.period_start)
        .limit(1)
    )
    if clash is not None:
        raise Conflict(
            "settlement_period_overlap",
            f"settlement run {clash.id} ({clash.status}) already covers"
            f" {clash.period_start}..{clash.period_end} of channel {channel_id}",
            run_id=clash.id,
            period_start=clash.period_start.isoformat(),
            period_end=clash.period_end.isoformat(),
        )


async def release_claims(session: AsyncSession, run: SettlementRun) -> None:
    """Free the run's items' claims so a later run settles (or reverses) those bookings."""
    await session.execute(
        update(SettlementItem)
        .where(SettlementItem.run_id == run.id, SettlementItem.released_at.is_(None))
        .values(released_at=func.now())
    )


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
        await release_claims(session, run)  # carried into the next run
    elif run.approval_required:
        run.status = "awaiting_approval"
    else:
        run.status = "approved"
    await remittance.raise_exceptions(session, run)
    await session.flush()
    emit(session, run, "settlement.computed")
    return run


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
            "exceptions_overridden": run.exceptions_overridden,
        },
    )


async def decide(
    session: AsyncSession,
    *,
    run_id: str,
    approve: bool,
    principal_id: str,
    note: str | None,
    override_exceptions: bool = False,
) -> SettlementRun:
    """Approve or reject a run awaiting approval; repeating the same decision is a no-op.

    A rejection releases the run's claims. An approval with open remittance exceptions
    needs `override_exceptions` (409 `settlement_open_exceptions` otherwise), recorded.
    """
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
    if approve:
        still_open = await remittance.open_count(session, run.id)
        if still_open and not override_exceptions:
            raise Conflict(
                "settlement_open_exceptions",
                f"settlement run {run.id} has {still_open} open remittance exceptions;"
                " resolve them or approve with override_exceptions",
                open_exceptions=still_open,
            )
        run.exceptions_overridden = still_open > 0
    else:
        await release_claims(session, run)
    run.status = target
    run.decided_by = principal_id
    run.decided_at = datetime.now(UTC)
    run.decision_note = note
    await session.flush()
    emit(session, run, f"settlement.{target}")
    return run


async def resolve_exception(
    session: AsyncSession, *, run_id: str, exception_id: str, principal_id: str, note: str | None
) -> RemittanceException:
    """Mark a remittance exception resolved under the run's lock; repeating is a no-op."""
    run = await lock_run(session, run_id)
    found, changed = await remittance.resolve(
        session, run_id=run.id, exception_id=exception_id, principal_id=principal_id, note=note
    )
    if changed:
        emit(session, run, "settlement.exception_resolved")
    return found


async def get_run(session: AsyncSession, run_id: str) -> SettlementRun:
    """The run; 404 `settlement_run_not_found`."""
    run = await session.get(SettlementRun, run_id, populate_existing=True)
    if run is None:
        raise NotFound("settlement_run_not_found", f"no settlement run {run_id}")
    return run
