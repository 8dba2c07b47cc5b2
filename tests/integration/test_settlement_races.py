"""Races on settlement and reconciliation runs, against the real database."""

from __future__ import annotations

import asyncio

from sqlalchemy import func, select

from domain.db import unit_of_work
from domain.errors import Conflict
from domain.reconciliation import service as reconciliation
from domain.reconciliation.compare import Local
from domain.reconciliation.models import ReconciliationItem, ReconciliationPolicy
from domain.settlement import posting, service
from domain.settlement.models import SettlementPolicy, SettlementRun
from tests.support.distribution import make_channel, make_commission_rule
from tests.support.finance import number_series
from tests.support.reconciliation import (
    PERIOD_END,
    PERIOD_START,
    channel_bookings,
    report_items,
)
from tests.unit.test_reconciliation_rules import planted


async def _awaiting_run(factory) -> str:
    async with unit_of_work(factory) as session:
        chan = await make_channel(session)
        await make_commission_rule(session, chan, bps=1000)
        session.add(SettlementPolicy(channel_id=chan.id, currency="EUR", approval_required=True))
        await channel_bookings(
            session, chan.id, [Local("a", "confirmed", 5_000, "EUR", payment_owner="channel")]
        )
    async with unit_of_work(factory) as session:
        run = await service.open_run(
            session, channel_id=chan.id, period_start=PERIOD_START, period_end=PERIOD_END
        )
        run = await service.compute(session, run_id=run.id)
        assert run.status == "awaiting_approval"
        return run.id


async def test_racing_approve_and_reject_one_wins_and_the_other_is_refused(session_factory):
    run_id = await _awaiting_run(session_factory)

    async def decide(approve: bool) -> str:
        try:
            async with unit_of_work(session_factory) as session:
                run = await service.decide(
                    session, run_id=run_id, approve=approve, principal_id="p", note=None
                )
                return run.status
        except Conflict as err:
            return err.code

    outcomes = sorted(await asyncio.gather(*(decide(n % 2 == 0) for n in range(8))))
    winners = {o for o in outcomes if o in ("approved", "rejected")}
    assert len(winners) == 1
    assert outcomes.count("settlement_not_awaiting_approval") == 4


async def test_posting_twice_at_once_creates_one_invoice(session_factory):
    await number_series(session_factory, is_default=True)
    run_id = await _awaiting_run(session_factory)
    async with unit_of_work(session_factory) as session:
        await service.decide(session, run_id=run_id, approve=True, principal_id="p", note=None)

    async def post() -> str | None:
        async with unit_of_work(session_factory) as session:
            return (await posting.post(session, run_id=run_id)).invoice_id

    invoices = await asyncio.gather(*(post() for _ in range(4)))
    assert len(set(invoices)) == 1 and invoices[0] is not None
    async with unit_of_work(session_factory) as session:
        run = await session.get_one(SettlementRun, run_id)
    assert run.status == "posted"


async def test_posting_a_run_awaiting_approval_is_refused(session_factory):
    run_id = await _awaiting_run(session_factory)
    async with unit_of_work(session_factory) as session:
        try:
            await posting.post(session, run_id=run_id)
        except Conflict as err:
            assert err.code == "settlement_not_approved"
        else:
            raise AssertionError("posted before approval")


async def test_concurrent_compares_of_one_run_store_each_issue_once(session_factory):
    ours, theirs = planted()
    async with unit_of_work(session_factory) as session:
        chan = await make_channel(session)
        session.add(ReconciliationPolicy(channel_id=chan.id, tolerance_minor=50))
        ids = await channel_bookings(session, chan.id, ours)
        run = await reconciliation.open_run(
            session, channel_id=chan.id, period_start=PERIOD_START, period_end=PERIOD_END
        )
        await reconciliation.stage_lines(session, run_id=run.id, items=report_items(theirs, ids))

    async def compare() -> None:
        async with unit_of_work(session_factory) as session:
            await reconciliation.compare_run(session, run_id=run.id)

    await asyncio.gather(*(compare() for _ in range(4)))
    async with unit_of_work(session_factory) as session:
        count = await session.scalar(
            select(func.count()).where(ReconciliationItem.run_id == run.id)
        )
    assert count == 6
