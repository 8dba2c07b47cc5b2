"""The set-based comparison finds exactly what the pure rules find, against real tables."""

from __future__ import annotations

import asyncio
import random
from datetime import date

from sqlalchemy import select
from typeid import TypeID

from domain.db import unit_of_work
from domain.ids import parse_id
from domain.reconciliation import resolution, service
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


async def _compare(factory, chan: str, items, start=PERIOD_START, end=PERIOD_END):
    """Open the (channel, start) run, stage `items` as its report, compare; the run."""
    async with unit_of_work(factory) as session:
        run = await service.open_run(session, channel_id=chan, period_start=start, period_end=end)
        await service.stage_lines(session, run_id=run.id, items=items)
        return await service.compare_run(session, run_id=run.id)


async def _items(factory, chan: str) -> list[ReconciliationItem]:
    async with unit_of_work(factory) as session:
        rows = await session.scalars(
            select(ReconciliationItem)
            .where(ReconciliationItem.channel_id == chan)
            .order_by(ReconciliationItem.issue_type, ReconciliationItem.booking_ref)
        )
        return list(rows.all())


async def _books(factory, ours):
    async with unit_of_work(factory) as session:
        chan = await channel(session)
        ids = await channel_bookings(session, chan, ours)
    return chan, ids


async def test_issue_ids_made_in_sql_are_typeids_of_the_item_prefix(session_factory) -> None:
    ours, theirs = planted()
    run, _ = await _run(session_factory, ours, theirs, Policy(tolerance_minor=50))
    items = await _items(session_factory, run.channel_id)
    assert len(items) == 6 and len({i.id for i in items}) == 6
    assert all(parse_id(i.id, "chri") == i.id for i in items)
    assert all(TypeID.from_string(i.id).uuid.version == 7 for i in items)


async def test_an_overlapping_run_carries_open_issues_forward_instead_of_raising_them_again(
    session_factory,
) -> None:
    ours = [Local("short", "confirmed", 1_000, "EUR"), Local("ok", "confirmed", 500, "EUR")]
    chan, ids = await _books(session_factory, ours)
    theirs = [Reported("short", "confirmed", 900, "EUR"), Reported("ok", "confirmed", 500, "EUR")]
    first = await _compare(session_factory, chan, report_items(theirs, ids))
    # A manual run over an overlapping period (another period_start) finds it again.
    theirs[0] = Reported("short", "confirmed", 800, "EUR")
    second = await _compare(
        session_factory, chan, report_items(theirs, ids), start=date(2026, 10, 10)
    )
    items = await _items(session_factory, chan)
    assert [(i.issue_type, i.run_id, i.last_run_id, i.resolution) for i in items] == [
        ("amount_mismatch", first.id, second.id, "open")
    ]
    assert items[0].channel_amount_minor == 800  # the latest figures
    assert (first.issue_count, second.issue_count) == (1, 1)


async def test_a_later_run_resolves_the_issues_whose_mismatch_is_gone(session_factory) -> None:
    ours = [
        Local("lost", "confirmed", 100, "EUR"),
        Local("short", "confirmed", 1_000, "EUR"),
        Local("still", "confirmed", 700, "EUR"),
    ]
    chan, ids = await _books(session_factory, ours)
    before = [Reported("short", "confirmed", 900, "EUR"), Reported("still", "confirmed", 1, "EUR")]
    first = await _compare(session_factory, chan, report_items(before, ids))
    assert first.issue_count == 3
    # The lost push landed and the channel corrected its amount; `still` still differs.
    after = [
        Reported("lost", "confirmed", 100, "EUR"),
        Reported("short", "confirmed", 1_000, "EUR"),
        Reported("still", "confirmed", 1, "EUR"),
    ]
    second = await _compare(session_factory, chan, report_items(after, ids), start=date(2026, 9, 1))
    label = {real: name for name, real in ids.items()}
    items = await _items(session_factory, chan)
    assert sorted(
        (label[i.booking_ref], i.issue_type, i.resolution, i.resolution_action, i.resolved_by)
        for i in items
    ) == [
        ("lost", "missing_booking", "resolved", None, service.AUTO_RESOLVER),
        ("short", "amount_mismatch", "resolved", None, service.AUTO_RESOLVER),
        ("still", "amount_mismatch", "open", None, None),
    ]
    assert second.issue_count == 1
    # Comparing again (a retried step) changes nothing.
    async with unit_of_work(session_factory) as session:
        again = await service.compare_run(session, run_id=second.id)
    assert again.issue_count == 1 and len(await _items(session_factory, chan)) == 3


async def test_a_run_that_did_not_check_a_type_or_see_the_booking_leaves_its_issue_open(
    session_factory,
) -> None:
    ours = [Local("short", "confirmed", 1_000, "EUR")]
    chan, ids = await _books(session_factory, ours)
    await _compare(
        session_factory, chan, report_items([Reported("short", "confirmed", 1, "EUR")], ids)
    )
    # A later, non-overlapping period: it never compared `short`.
    await _compare(session_factory, chan, [], start=date(2026, 11, 1), end=date(2026, 12, 1))
    assert [i.resolution for i in await _items(session_factory, chan)] == ["open"]


async def test_an_ignored_issue_is_not_raised_again_unless_its_figures_change(
    session_factory,
) -> None:
    ours = [Local("short", "confirmed", 1_000, "EUR")]
    chan, ids = await _books(session_factory, ours)
    same = report_items([Reported("short", "confirmed", 900, "EUR")], ids)
    await _compare(session_factory, chan, same)
    (item,) = await _items(session_factory, chan)
    async with unit_of_work(session_factory) as session:
        await resolution.resolve(
            session, item_id=item.id, verb="ignore", actor_id="prin_t", note=None, task_queue="q"
        )
    await _compare(session_factory, chan, same, start=date(2026, 10, 2))
    assert [i.resolution for i in await _items(session_factory, chan)] == ["ignored"]
    changed = report_items([Reported("short", "confirmed", 700, "EUR")], ids)
    await _compare(session_factory, chan, changed, start=date(2026, 10, 3))
    assert sorted(i.resolution for i in await _items(session_factory, chan)) == [
        "ignored",
        "open",
    ]


async def test_two_overlapping_runs_comparing_at_once_raise_each_issue_once(
    session_factory,
) -> None:
    ours = [Local(f"b{n}", "confirmed", 1_000, "EUR") for n in range(20)]
    chan, ids = await _books(session_factory, ours)
    theirs = report_items([Reported(f"b{n}", "confirmed", 1, "EUR") for n in range(20)], ids)
    runs = []
    for start in (PERIOD_START, date(2026, 10, 5)):
        async with unit_of_work(session_factory) as session:
            run = await service.open_run(
                session, channel_id=chan, period_start=start, period_end=PERIOD_END
            )
            await service.stage_lines(session, run_id=run.id, items=theirs)
            runs.append(run.id)

    async def compare_one(run_id: str) -> None:
        async with unit_of_work(session_factory) as session:
            await service.compare_run(session, run_id=run_id)

    await asyncio.gather(*(compare_one(r) for r in runs))
    items = await _items(session_factory, chan)
    assert len(items) == 20 and {i.resolution for i in items} == {"open"}
