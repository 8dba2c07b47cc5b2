"""Reconciliation runs: open, stage the channel's report, compare (set-based), re-drive
missing pushes, resolve issues. Services flush, never commit."""

from __future__ import annotations

from dataclasses import asdict
from datetime import UTC, date, datetime, time
from typing import Any, cast

from sqlalchemy import Table, func, select, text, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from domain.channel_push import repush
from domain.distribution.models import ChannelBookingLink
from domain.errors import BadRequest, NotFound
from domain.ids import new_id
from domain.reconciliation import compare
from domain.reconciliation.models import (
    ReconciliationItem,
    ReconciliationPolicy,
    ReconciliationRun,
    ReportLine,
)
from domain.reconciliation.sql import (
    AUTO_RESOLVE_SQL,
    COUNT_ISSUES_SQL,
    COUNT_LOCAL_SQL,
    RESOLVE_NUMBERS_SQL,
    UPSERT_ISSUES_SQL,
)

AUTO_RESOLVER = "workflow:channel-reconciliation"
REPORT_STATUS = {
    "confirmed": "confirmed",
    "completed": "confirmed",
    "redeemed": "confirmed",
    "cancelled": "cancelled",
    "canceled": "cancelled",
    "rejected": "cancelled",
    "expired": "cancelled",
}


def workflow_id(channel_id: str, period_start: date) -> str:
    """The run's deterministic workflow id."""
    return f"channel-reconciliation:{channel_id}:{period_start.isoformat()}"


def rules_of(policy: ReconciliationPolicy | None) -> compare.Policy:
    """The pure policy of a policy row (defaults when the channel has none)."""
    if policy is None:
        return compare.Policy()
    return compare.Policy(
        check_missing=policy.check_missing,
        check_status=policy.check_status,
        check_amounts=policy.check_amounts,
        check_cancellations=policy.check_cancellations,
        check_payouts=policy.check_payouts,
        tolerance_minor=policy.tolerance_minor,
        tolerance_bps=policy.tolerance_bps,
    )


def _midnight(d: date) -> datetime:
    return datetime.combine(d, time.min, tzinfo=UTC)


async def open_run(
    session: AsyncSession, *, channel_id: str, period_start: date, period_end: date
) -> ReconciliationRun:
    """The run of (channel, period_start), created once; the policy is frozen into it."""
    if period_end <= period_start:
        raise BadRequest("invalid_period", "period_end must be after period_start")
    policy = await session.scalar(
        select(ReconciliationPolicy).where(ReconciliationPolicy.channel_id == channel_id)
    )
    await session.execute(
        insert(ReconciliationRun)
        .values(
            id=new_id(ReconciliationRun.id_prefix),
            channel_id=channel_id,
            period_start=period_start,
            period_end=period_end,
            status="running",
            workflow_id=workflow_id(channel_id, period_start),
            policy=asdict(rules_of(policy)),
        )
        .on_conflict_do_nothing(index_elements=["channel_id", "period_start"])
    )
    run = await session.scalar(
        select(ReconciliationRun).where(
            ReconciliationRun.channel_id == channel_id,
            ReconciliationRun.period_start == period_start,
        )
    )
    assert run is not None
    return run


def booking_ref_of(line: dict[str, Any]) -> str | None:
    """Our booking in a report line: from the push idempotency key the channel echoes
    (`book:{bookingId}:{itemId|*}:{channelId}`), else its supplier reference (our booking
    id or number; numbers are resolved to ids, set-based, before comparing)."""
    key = str(line.get("reference") or "")
    if key.startswith("book:") and key.count(":") >= 3:
        return key.split(":")[1]
    ref = line.get("booking_ref") or line.get("supplier_reference")
    return str(ref) if ref else None


def normalise(line: dict[str, Any]) -> dict[str, Any] | None:
    """One adapter report item as a staging row (None when it names no booking)."""
    ref = booking_ref_of(line)
    if ref is None:
        return None
    payout = line.get("payout")
    if isinstance(payout, dict):
        payout = payout.get("amount_minor")
    status = str(line.get("status") or "").lower()
    return {
        "line_key": str(line.get("external_booking_id") or line.get("reference") or ref),
        "booking_ref": ref,
        "external_booking_id": line.get("external_booking_id"),
        "status": REPORT_STATUS.get(status, "pending"),
        "amount_minor": int(line.get("amount_minor") or 0),
        "currency": str(line.get("currency") or "").upper()[:3],
        "payout_minor": None if payout is None else int(payout),
    }


async def stage_lines(session: AsyncSession, *, run_id: str, items: list[dict[str, Any]]) -> int:
    """Stage report items (one executemany); re-staging a page overwrites its lines."""
    rows = [
        {"id": new_id(ReportLine.id_prefix), "run_id": run_id, **row}
        for row in map(normalise, items)
        if row is not None
    ]
    if not rows:
        return 0
    stmt = insert(cast(Table, ReportLine.__table__))  # Core executemany: no ORM bulk bookkeeping
    await session.execute(
        stmt.on_conflict_do_update(
            index_elements=["run_id", "line_key"],
            set_={c: stmt.excluded[c] for c in rows[0] if c not in ("id", "run_id", "line_key")},
        ),
        rows,
    )
    return len(rows)


async def compare_run(session: AsyncSession, *, run_id: str) -> ReconciliationRun:
    """Compute and store the run's issues set-based (INSERT ... SELECT, a retry adds
    nothing), carry open issues of overlapping runs forward instead of raising them twice,
    and resolve the open ones this run compared and no longer finds.

    Compare steps of one channel are serialised (transaction advisory lock), so two runs
    over overlapping periods never race on the same open issue.
    """
    run = await get_run(session, run_id)
    await session.execute(
        text("SELECT pg_advisory_xact_lock(hashtext('channel-reconciliation:' || :channel_id))"),
        {"channel_id": run.channel_id},
    )
    rules = compare.Policy(**run.policy)
    params = {
        "run_id": run.id,
        "channel_id": run.channel_id,
        "period_start": _midnight(run.period_start),
        "period_end": _midnight(run.period_end),
        **{k: v for k, v in asdict(rules).items()},
    }
    await session.execute(RESOLVE_NUMBERS_SQL, {"run_id": run.id})
    await session.execute(UPSERT_ISSUES_SQL, params)
    await session.execute(
        AUTO_RESOLVE_SQL,
        {
            **params,
            "period_start_day": run.period_start,
            "period_end_day": run.period_end,
            "resolved_by": AUTO_RESOLVER,
        },
    )
    run.local_bookings = int(await session.scalar(COUNT_LOCAL_SQL, params) or 0)
    run.report_lines = int(
        await session.scalar(select(func.count()).where(ReportLine.run_id == run.id)) or 0
    )
    run.issue_count = int(await session.scalar(COUNT_ISSUES_SQL, {"run_id": run.id}) or 0)
    await session.flush()
    return run


async def request_repush(
    session: AsyncSession, *, item: ReconciliationItem, task_queue: str
) -> list[str]:
    """Re-drive the item's outbound links through channel push; the workflow ids started.

    Channel push owns the push: each link goes back to `pending` and gets its
    `channel-booking-repush:{linkId}:{attempts}` workflow (started after commit). The
    upstream call carries the link's idempotency key, so the channel never books twice.
    Links in flight are left to the push already running.
    """
    if item.booking_id is None:
        raise BadRequest("nothing_to_repush", "the channel has a booking we do not")
    link_ids = await session.scalars(
        select(ChannelBookingLink.id)
        .where(
            ChannelBookingLink.channel_id == item.channel_id,
            ChannelBookingLink.booking_id == item.booking_id,
            ChannelBookingLink.direction == "outbound",
            ChannelBookingLink.push_status != "in_flight",
        )
        .order_by(ChannelBookingLink.id)
        .with_for_update()
    )
    started = []
    for link_id in link_ids.all():
        _, workflow_id = await repush.repush_link(session, link_id, task_queue=task_queue)
        started.append(workflow_id)
    return started


async def repush_missing(session: AsyncSession, *, run_id: str, task_queue: str) -> int:
    """Re-drive every open `missing_booking` the channel lacks (e.g. after an outage)."""
    items = await session.scalars(
        select(ReconciliationItem)
        .where(
            ReconciliationItem.last_run_id == run_id,
            ReconciliationItem.issue_type == "missing_booking",
            ReconciliationItem.side == "channel",
            ReconciliationItem.resolution == "open",
        )
        .with_for_update()
    )
    count = 0
    now = datetime.now(UTC)
    for item in items.all():
        if not await request_repush(session, item=item, task_queue=task_queue):
            continue  # in flight, or inbound: nothing for us to re-drive
        item.resolution_action = "repush"
        item.resolution_note = "re-driven automatically"
        item.resolved_at = now
        item.resolution = "resolved"
        item.resolved_by = AUTO_RESOLVER
        count += 1
    await session.execute(
        update(ReconciliationRun).where(ReconciliationRun.id == run_id).values(repushed=count)
    )
    await session.flush()
    return count


async def finish_run(
    session: AsyncSession, *, run_id: str, error: str | None = None
) -> ReconciliationRun:
    """Mark the run completed (or failed with `error`)."""
    run = await get_run(session, run_id)
    run.status = "failed" if error else "completed"
    run.error = error
    run.completed_at = datetime.now(UTC)
    await session.flush()
    return run


async def get_run(session: AsyncSession, run_id: str) -> ReconciliationRun:
    """The run; 404 `reconciliation_run_not_found`."""
    run = await session.get(ReconciliationRun, run_id, populate_existing=True)
    if run is None:
        raise NotFound("reconciliation_run_not_found", f"no reconciliation run {run_id}")
    return run
