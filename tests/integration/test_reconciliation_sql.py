"""The set-based comparison finds exactly what the pure rules find, against real tables."""

from __future__ import annotations

import random

from sqlalchemy import select

from domain.db import unit_of_work
from domain.reconciliation import service
from domain.reconciliation.compare import Issue, Local, Policy, Reported, compare
from domain.reconciliation.models import ReconciliationItem, ReconciliationPolicy
from tests.support.reconciliation import (
    PERIOD_END,
    PERIOD_START,
    channel,
    channel_bookings,
    numbers,
    report_items,
)
from tests.unit.test_reconciliation_rules import EXPECTED, planted


async def _run(factory, ours, theirs, policy: Policy | None = None):
    async with unit_of_work(factory) as session:
        chan = await channel(session)
        if policy is not None:
            session.add(
                ReconciliationPolicy(
                    channel_id=chan,
                    tolerance_minor=policy.tolerance_minor,
                    tolerance_bps=policy.tolerance_bps,
                    check_payouts=policy.check_payouts,
                )
            )
        ids = await channel_bookings(session, chan, ours)
    async with unit_of_work(factory) as session:
        run = await service.open_run(
            session, channel_id=chan, period_start=PERIOD_START, period_end=PERIOD_END
        )
        await service.stage_lines(session, run_id=run.id, items=report_items(theirs, ids))
        # Staging the same page again (an activity retry) changes nothing.
        await service.stage_lines(session, run_id=run.id, items=report_items(theirs, ids))
        await service.compare_run(session, run_id=run.id)
        await service.compare_run(session, run_id=run.id)
        rows = (
            await session.scalars(
                select(ReconciliationItem).where(ReconciliationItem.run_id == run.id)
            )
        ).all()
    label = {real: name for name, real in ids.items()}
    return run, sorted(
        (Issue(r.issue_type, label.get(r.booking_ref, r.booking_ref), r.side) for r in rows),
        key=lambda i: (i.booking_ref, i.issue_type),
    )


async def test_one_planted_case_of_each_type_finds_exactly_those(session_factory) -> None:
    ours, theirs = planted()
    run, found = await _run(session_factory, ours, theirs, Policy(tolerance_minor=50))
    assert found == sorted(EXPECTED, key=lambda i: (i.booking_ref, i.issue_type))
    assert run.issue_count == 6
    assert run.local_bookings == len(ours)
    assert run.report_lines == len(theirs)


async def test_report_lines_name_our_booking_by_push_key_id_or_number(session_factory) -> None:
    ours = [Local(x, "confirmed", 100, "EUR") for x in ("by_key", "by_id", "by_number")]
    async with unit_of_work(session_factory) as session:
        chan = await channel(session)
        ids = await channel_bookings(session, chan, ours)
        number_of = await numbers(session, ids)
        run = await service.open_run(
            session, channel_id=chan, period_start=PERIOD_START, period_end=PERIOD_END
        )
        line = {"status": "confirmed", "amount_minor": 100, "currency": "EUR"}
        await service.stage_lines(
            session,
            run_id=run.id,
            items=[
                {
                    **line,
                    "external_booking_id": "e1",
                    "reference": f"book:{ids['by_key']}:*:{chan}",
                },
                {**line, "external_booking_id": "e2", "supplier_reference": ids["by_id"]},
                {**line, "external_booking_id": "e3", "supplier_reference": number_of["by_number"]},
            ],
        )
        run = await service.compare_run(session, run_id=run.id)
    assert (run.issue_count, run.report_lines, run.local_bookings) == (0, 3, 3)


async def test_sql_and_pure_rules_agree_on_random_books(session_factory) -> None:
    rnd = random.Random(11)
    statuses = ["confirmed", "cancelled", "pending"]
    ours, theirs = [], []
    for n in range(120):
        ref = f"b{n:03d}"
        amount = rnd.randrange(0, 20_000)
        if rnd.random() < 0.85:
            ours.append(
                Local(ref, rnd.choice(statuses), amount, "EUR", rnd.choice(["operator", "channel"]))
            )
        if rnd.random() < 0.85:
            theirs.append(
                Reported(
                    ref,
                    rnd.choice(statuses),
                    amount + rnd.choice([0, 0, 30, -80, 200]),
                    rnd.choice(["EUR"] * 9 + ["USD"]),
                    payout_minor=rnd.choice([None, amount]),
                )
            )
    policy = Policy(tolerance_minor=50, tolerance_bps=10)
    _, found = await _run(session_factory, ours, theirs, policy)
    assert found == sorted(
        compare(ours, theirs, policy), key=lambda i: (i.booking_ref, i.issue_type)
    )
