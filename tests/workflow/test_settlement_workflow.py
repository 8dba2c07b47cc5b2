"""Settlement runs: totals balance, nothing posted before approval, a rejection posts
nothing, an approval posts a channel invoice, operator-collected money becomes a supplier
payment, and money-affecting reconciliation issues raise remittance exceptions that block
an approval unless it overrides them explicitly; a rejection releases the run's bookings."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from sqlalchemy import func, select
from temporalio.client import Client, WorkflowHandle, WorkflowUpdateFailedError
from temporalio.exceptions import ActivityError, ApplicationError
from temporalio.worker import Worker

from activities.settlement import SettlementActivities, SettlementState
from domain.db import unit_of_work
from domain.finance.invoice_models import Invoice
from domain.finance.payment_models import Payment
from domain.reconciliation.compare import Local
from domain.reconciliation.models import ReconciliationItem, ReconciliationRun
from domain.settlement.models import (
    RemittanceException,
    SettlementItem,
    SettlementPolicy,
    SettlementRun,
)
from tests.support.distribution import make_channel, make_commission_rule, make_contract
from tests.support.finance import number_series
from tests.support.reconciliation import PERIOD_END, PERIOD_START, channel_bookings
from workflows.channel_settlement import (
    ChannelSettlementWorkflow,
    Decision,
    SettlementInput,
    SettlementResult,
    settlement_workflow_id,
)

BOOKS = [
    Local("a", "confirmed", 10_000, "EUR", payment_owner="channel"),
    Local("b", "confirmed", 5_001, "EUR", payment_owner="channel"),
    Local("c", "confirmed", 333, "EUR", payment_owner="channel"),
    Local("d", "confirmed", 2_000, "EUR", payment_owner="operator"),
    Local("cancelled", "cancelled", 9_999, "EUR", payment_owner="channel"),
]


def settlement_worker(client: Client, factory, task_queue: str) -> Worker:
    acts = SettlementActivities(factory)
    return Worker(
        client,
        task_queue=task_queue,
        workflows=[ChannelSettlementWorkflow],
        activities=[acts.open_and_compute, acts.decide, acts.post],
    )


async def _setup(factory, books=BOOKS, *, approval_required: bool = True) -> tuple[str, str]:
    await number_series(factory, is_default=True)
    async with unit_of_work(factory) as session:
        chan = await make_channel(session)
        await make_contract(session, chan, commission_bps=1500, payment_owner="channel")
        rule = await make_commission_rule(session, chan, bps=1000)
        session.add(
            SettlementPolicy(
                channel_id=chan.id,
                currency="EUR",
                approval_required=approval_required,
                remittance_days=30,
                minimum_payout_minor=100,
            )
        )
        await channel_bookings(session, chan.id, books)
    return chan.id, rule.id


async def _start(client: Client, chan: str, task_queue: str) -> WorkflowHandle[Any, Any]:
    return await client.start_workflow(
        ChannelSettlementWorkflow.run,
        SettlementInput(channel_id=chan, period_start=PERIOD_START, period_end=PERIOD_END),
        id=settlement_workflow_id(chan, PERIOD_START),
        task_queue=task_queue,
    )


async def _awaiting(handle: WorkflowHandle[Any, Any]) -> SettlementState:
    for _ in range(200):
        state = await handle.query(ChannelSettlementWorkflow.state)
        if state is not None and state.status != "computing":
            return state
        await asyncio.sleep(0.05)
    raise AssertionError("the settlement never finished computing")


async def _posted_documents(factory, run_id: str) -> tuple[int, int]:
    async with unit_of_work(factory) as session:
        run = await session.get_one(SettlementRun, run_id)
        invoices = await session.scalar(select(func.count()).select_from(Invoice))
        payments = await session.scalar(select(func.count()).select_from(Payment))
        assert (run.invoice_id, run.payment_id) == (None, None) or run.status == "posted"
    return int(invoices or 0), int(payments or 0)


async def test_a_rejected_settlement_posts_nothing(session_factory, temporal_client, task_queue):
    chan, rule_id = await _setup(session_factory)
    async with settlement_worker(temporal_client, session_factory, task_queue):
        handle = await _start(temporal_client, chan, task_queue)
        state = await _awaiting(handle)
        assert state.status == "awaiting_approval"
        # Totals: gross = commission + net; commission from the 10% rule, not the contract.
        assert (state.gross_minor, state.commission_minor, state.net_minor) == (
            17_334,
            1_733,
            15_601,
        )
        assert state.balance_minor == 9_000 + 4_501 + 300 - 200
        assert state.direction == "channel_pays"
        assert await _posted_documents(session_factory, state.run_id) == (0, 0)
        with pytest.raises(WorkflowUpdateFailedError):
            await handle.execute_update(
                ChannelSettlementWorkflow.decide,
                Decision(approve=True, principal_id="prin_x", scopes=["settlements:read"]),
            )
        await handle.execute_update(
            ChannelSettlementWorkflow.decide,
            Decision(approve=False, principal_id="prin_y", scopes=["settlements:approve"]),
        )
        result: SettlementResult = await handle.result()
    assert result.state is not None and result.state.status == "rejected"
    assert await _posted_documents(session_factory, state.run_id) == (0, 0)
    async with unit_of_work(session_factory) as session:
        items = (
            await session.scalars(
                select(SettlementItem).where(SettlementItem.run_id == state.run_id)
            )
        ).all()
        run = await session.get_one(SettlementRun, state.run_id)
    assert len(items) == 4 and {i.commission_rule_id for i in items} == {rule_id}
    assert all(i.gross_minor == i.commission_minor + i.net_minor for i in items)
    assert all(i.released_at is not None for i in items)  # free for the next run
    assert run.decided_by == "prin_y"


async def test_an_approved_settlement_posts_a_channel_invoice_and_raises_remittance_exceptions(
    session_factory, temporal_client, task_queue
):
    chan, _ = await _setup(session_factory)
    async with unit_of_work(session_factory) as session:
        recon = ReconciliationRun(
            channel_id=chan,
            period_start=PERIOD_START,
            period_end=PERIOD_END,
            workflow_id="w",
            status="completed",
        )
        session.add(recon)
        await session.flush()
        for issue, ref in (("amount_mismatch", "x1"), ("status_mismatch", "x2")):
            session.add(
                ReconciliationItem(
                    run_id=recon.id,
                    channel_id=chan,
                    issue_type=issue,
                    severity="medium",
                    booking_ref=ref,
                    local_amount_minor=1_000,
                    channel_amount_minor=1_200,
                )
            )
    async with settlement_worker(temporal_client, session_factory, task_queue):
        handle = await _start(temporal_client, chan, task_queue)
        state = await _awaiting(handle)
        assert await _posted_documents(session_factory, state.run_id) == (0, 0)
        with pytest.raises(WorkflowUpdateFailedError) as refused:
            await handle.execute_update(
                ChannelSettlementWorkflow.decide,
                Decision(approve=True, principal_id="prin_z", scopes=["settlements:approve"]),
            )
        cause = refused.value.cause
        assert isinstance(cause, ActivityError) and isinstance(cause.cause, ApplicationError)
        assert cause.cause.type == "settlement_open_exceptions"
        still = await handle.query(ChannelSettlementWorkflow.state)
        assert still is not None and still.status == "awaiting_approval"
        await handle.execute_update(
            ChannelSettlementWorkflow.decide,
            Decision(
                approve=True,
                principal_id="prin_z",
                scopes=["settlements:approve"],
                override_exceptions=True,
            ),
        )
        result: SettlementResult = await handle.result()
    assert result.state is not None and result.state.status == "posted"
    async with unit_of_work(session_factory) as session:
        invoice = await session.get_one(Invoice, result.state.invoice_id)
        exceptions = (
            await session.scalars(
                select(RemittanceException).where(
                    RemittanceException.settlement_run_id == state.run_id
                )
            )
        ).all()
        run = await session.get_one(SettlementRun, state.run_id)
    assert run.exceptions_overridden and run.decided_by == "prin_z"
    assert (invoice.status, invoice.total_minor, invoice.currency) == ("issued", 13_601, "EUR")
    assert [(e.issue_type, e.amount_minor) for e in exceptions] == [("amount_mismatch", 200)]


async def test_operator_collected_bookings_settle_as_a_supplier_payment_without_approval(
    session_factory, temporal_client, task_queue
):
    books = [Local("d", "confirmed", 2_000, "EUR", payment_owner="operator")]
    chan, _ = await _setup(session_factory, books, approval_required=False)
    async with settlement_worker(temporal_client, session_factory, task_queue):
        handle = await _start(temporal_client, chan, task_queue)
        result: SettlementResult = await handle.result()
    assert result.state is not None and result.state.status == "posted"
    assert result.state.direction == "operator_pays"
    async with unit_of_work(session_factory) as session:
        payment = await session.get_one(Payment, result.state.payment_id)
    assert (payment.direction, payment.amount_minor, payment.supplier_id) == ("outbound", 200, chan)
