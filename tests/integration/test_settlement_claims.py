"""A channel booking is settled once per channel: overlapping runs (in turn or racing)
never settle it twice, a rejected or below-minimum run hands its bookings to the next run,
a cancelled booking is reversed once, and a manual overlapping run is refused."""

from __future__ import annotations

import asyncio
from datetime import UTC, date, datetime

import pytest
from sqlalchemy import insert, select, text
from sqlalchemy.exc import IntegrityError

from domain.db import unit_of_work
from domain.errors import Conflict
from domain.ids import new_id
from domain.reconciliation.compare import Local
from domain.settlement import posting, service
from domain.settlement.models import (
    RemittanceException,
    SettlementItem,
    SettlementPolicy,
    SettlementRun,
)
from tests.support.distribution import make_channel, make_commission_rule
from tests.support.finance import number_series
from tests.support.reconciliation import (
    PERIOD_END,
    PERIOD_START,
    channel_bookings,
    money_issue,
)

MID_OCTOBER = (date(2026, 10, 15), date(2026, 11, 15))
NOVEMBER = (date(2026, 11, 1), date(2026, 12, 1))
OCT_20 = datetime(2026, 10, 20, 12, tzinfo=UTC)


async def _channel(factory, *, approval_required: bool = True, minimum: int = 0, books=()):
    async with unit_of_work(factory) as session:
        chan = await make_channel(session)
        await make_commission_rule(session, chan, bps=1000)
        session.add(
            SettlementPolicy(
                channel_id=chan.id,
                currency="EUR",
                approval_required=approval_required,
                minimum_payout_minor=minimum,
            )
        )
        ids = await channel_bookings(session, chan.id, list(books), created_at=OCT_20)
    return chan.id, ids


def _books(n: int, amount: int = 1_000) -> list[Local]:
    return [Local(f"b{i}", "confirmed", amount, "EUR", payment_owner="channel") for i in range(n)]


async def _compute(factory, channel_id: str, start: date, end: date) -> SettlementRun:
    async with unit_of_work(factory) as session:
        run = await service.open_run(
            session, channel_id=channel_id, period_start=start, period_end=end
        )
        return await service.compute(session, run_id=run.id)


async def _decide(factory, run_id: str, *, approve: bool, override: bool = False) -> None:
    async with unit_of_work(factory) as session:
        await service.decide(
            session,
            run_id=run_id,
            approve=approve,
            principal_id="prin_t",
            note=None,
            override_exceptions=override,
        )


async def _live_claims(factory, channel_id: str, kind: str = "settle") -> list[str]:
    """Booking ids of the channel's live claims of `kind` (duplicates kept)."""
    async with unit_of_work(factory) as session:
        rows = await session.scalars(
            select(SettlementItem.booking_id).where(
                SettlementItem.channel_id == channel_id,
                SettlementItem.kind == kind,
                SettlementItem.released_at.is_(None),
            )
        )
        return list(rows.all())


async def test_overlapping_runs_in_turn_settle_a_booking_once(session_factory):
    chan, ids = await _channel(session_factory, books=_books(3))
    october = await _compute(session_factory, chan, PERIOD_START, PERIOD_END)
    overlapping = await _compute(session_factory, chan, *MID_OCTOBER)
    assert (october.item_count, october.gross_minor) == (3, 3_000)
    assert (overlapping.item_count, overlapping.status) == (0, "below_minimum")
    assert sorted(await _live_claims(session_factory, chan)) == sorted(ids.values())


async def test_overlapping_runs_racing_settle_each_booking_once(session_factory):
    chan, ids = await _channel(session_factory, books=_books(40))
    periods = [(PERIOD_START, PERIOD_END), MID_OCTOBER, (date(2026, 10, 10), date(2026, 10, 31))]
    runs = await asyncio.gather(*(_compute(session_factory, chan, *p) for p in periods))
    claims = await _live_claims(session_factory, chan)
    assert sorted(claims) == sorted(ids.values())  # every booking once, none twice
    settled = [r for r in runs if r.status != "below_minimum"]
    assert sum(r.item_count for r in settled) == 40
    assert sum(r.gross_minor for r in settled) == 40_000
    for run in runs:
        assert run.gross_minor == run.commission_minor + run.net_minor


async def test_the_database_refuses_a_second_live_claim_of_a_booking(session_factory):
    chan, ids = await _channel(session_factory, books=_books(1))
    first = await _compute(session_factory, chan, PERIOD_START, PERIOD_END)
    second = await _compute(session_factory, chan, *MID_OCTOBER)
    row = {
        "id": new_id(SettlementItem.id_prefix),
        "run_id": second.id,
        "channel_id": chan,
        "kind": "settle",
        "booking_id": ids["b0"],
        "payment_owner": "channel",
        "currency": "EUR",
        "gross_minor": 1_000,
        "commission_minor": 100,
        "net_minor": 900,
        "balance_minor": 900,
    }
    with pytest.raises(IntegrityError, match="uq_channel_settlement_items_claim"):
        async with unit_of_work(session_factory) as session:
            await session.execute(insert(SettlementItem), [row])
    assert first.item_count == 1


async def test_a_rejected_runs_bookings_are_settled_by_the_next_run(session_factory):
    await number_series(session_factory, is_default=True)
    chan, ids = await _channel(session_factory, books=_books(2))
    october = await _compute(session_factory, chan, PERIOD_START, PERIOD_END)
    assert october.status == "awaiting_approval" and october.item_count == 2
    # While October holds them, November does not take them.
    async with unit_of_work(session_factory) as session:
        held = await service.open_run(
            session, channel_id=chan, period_start=date(2026, 11, 1), period_end=date(2026, 11, 2)
        )
        held = await service.compute(session, run_id=held.id)
    assert held.item_count == 0
    await _decide(session_factory, october.id, approve=False)
    assert await _live_claims(session_factory, chan) == []

    november = await _compute(session_factory, chan, date(2026, 11, 2), NOVEMBER[1])
    assert (november.item_count, november.gross_minor) == (2, 2_000)
    await _decide(session_factory, november.id, approve=True)
    async with unit_of_work(session_factory) as session:
        posted = await posting.post(session, run_id=november.id)
    assert posted.status == "posted" and posted.invoice_id is not None
    assert sorted(await _live_claims(session_factory, chan)) == sorted(ids.values())
    later = await _compute(session_factory, chan, date(2026, 12, 1), date(2027, 1, 1))
    assert later.item_count == 0


async def test_a_below_minimum_runs_bookings_carry_into_the_next_run(session_factory):
    chan, _ = await _channel(session_factory, minimum=1_500, books=_books(1))
    october = await _compute(session_factory, chan, PERIOD_START, PERIOD_END)
    assert (october.status, october.item_count) == ("below_minimum", 1)
    async with unit_of_work(session_factory) as session:
        await channel_bookings(
            session, chan, _books(1), created_at=datetime(2026, 11, 5, tzinfo=UTC)
        )
    november = await _compute(session_factory, chan, *NOVEMBER)
    assert (november.status, november.item_count, november.net_minor) == (
        "awaiting_approval",
        2,
        1_800,
    )


async def test_a_cancelled_booking_is_reversed_once_even_by_racing_runs(session_factory):
    await number_series(session_factory, is_default=True)
    chan, ids = await _channel(session_factory, approval_required=False, books=_books(1, 5_000))
    october = await _compute(session_factory, chan, PERIOD_START, PERIOD_END)
    async with unit_of_work(session_factory) as session:
        await posting.post(session, run_id=october.id)
        await session.execute(
            text("UPDATE bookings SET status = 'cancelled' WHERE id = :b"), {"b": ids["b0"]}
        )
    async with unit_of_work(session_factory) as session:
        await session.execute(
            text(
                "UPDATE channel_settlement_policies SET approval_required = true"
                " WHERE channel_id = :c"
            ),
            {"c": chan},
        )
    periods = [
        NOVEMBER,
        (date(2026, 11, 10), date(2026, 12, 10)),
        (date(2026, 12, 1), date(2027, 1, 1)),
    ]
    runs = await asyncio.gather(*(_compute(session_factory, chan, *p) for p in periods))
    assert await _live_claims(session_factory, chan, "reversal") == [ids["b0"]]
    reversing = [r for r in runs if r.item_count == 1]
    assert len(reversing) == 1 and reversing[0].gross_minor == -5_000

    # Rejecting the reversing run releases the reversal; the next run reverses it, once.
    await _decide(session_factory, reversing[0].id, approve=False)
    again = await _compute(session_factory, chan, date(2027, 1, 1), date(2027, 2, 1))
    assert (again.item_count, again.gross_minor) == (1, -5_000)
    assert await _live_claims(session_factory, chan, "reversal") == [ids["b0"]]
    last = await _compute(session_factory, chan, date(2027, 2, 1), date(2027, 3, 1))
    assert last.item_count == 0


async def test_a_manual_run_overlapping_a_live_run_is_refused(session_factory):
    chan, _ = await _channel(session_factory, books=_books(1))
    october = await _compute(session_factory, chan, PERIOD_START, PERIOD_END)

    async def manual(start: date, end: date) -> SettlementRun:
        async with unit_of_work(session_factory) as session:
            return await service.open_run(
                session, channel_id=chan, period_start=start, period_end=end, refuse_overlap=True
            )

    with pytest.raises(Conflict) as err:
        await manual(*MID_OCTOBER)
    assert err.value.code == "settlement_period_overlap"
    assert err.value.details["run_id"] == october.id
    assert (await manual(PERIOD_START, PERIOD_END)).id == october.id  # the same run again
    assert (await manual(*NOVEMBER)).period_start == NOVEMBER[0]  # adjacent is fine
    await _decide(session_factory, october.id, approve=False)
    # A rejected run is not live: its period is free again (under another start date).
    assert (await manual(date(2026, 10, 2), PERIOD_END)).status == "computing"


async def test_racing_manual_overlapping_runs_open_one(session_factory):
    chan, _ = await _channel(session_factory, books=_books(1))

    async def manual(start: date, end: date) -> str:
        try:
            async with unit_of_work(session_factory) as session:
                await service.open_run(
                    session,
                    channel_id=chan,
                    period_start=start,
                    period_end=end,
                    refuse_overlap=True,
                )
                return "opened"
        except Conflict as err:
            return err.code

    outcomes = await asyncio.gather(
        manual(PERIOD_START, PERIOD_END),
        manual(*MID_OCTOBER),
        manual(date(2026, 10, 5), NOVEMBER[0]),
    )
    assert sorted(outcomes) == ["opened", "settlement_period_overlap", "settlement_period_overlap"]


async def test_open_remittance_exceptions_block_approval_unless_overridden(session_factory):
    chan, _ = await _channel(session_factory, books=_books(1))
    async with unit_of_work(session_factory) as session:
        await money_issue(session, chan)
    run = await _compute(session_factory, chan, PERIOD_START, PERIOD_END)
    with pytest.raises(Conflict) as err:
        await _decide(session_factory, run.id, approve=True)
    assert err.value.code == "settlement_open_exceptions"
    await _decide(session_factory, run.id, approve=True, override=True)
    async with unit_of_work(session_factory) as session:
        stored = await session.get_one(SettlementRun, run.id)
    assert (stored.status, stored.exceptions_overridden) == ("approved", True)


async def test_a_resolved_exception_no_longer_blocks_approval(session_factory):
    chan, _ = await _channel(session_factory, books=_books(1))
    async with unit_of_work(session_factory) as session:
        await money_issue(session, chan)
    run = await _compute(session_factory, chan, PERIOD_START, PERIOD_END)
    async with unit_of_work(session_factory) as session:
        exc_id = await session.scalar(
            select(RemittanceException.id).where(RemittanceException.settlement_run_id == run.id)
        )
        assert exc_id is not None
        done = await service.resolve_exception(
            session, run_id=run.id, exception_id=exc_id, principal_id="prin_r", note="paid late"
        )
        again = await service.resolve_exception(
            session, run_id=run.id, exception_id=exc_id, principal_id="prin_s", note=None
        )
    assert (done.status, again.resolved_by, again.resolution_note) == (
        "resolved",
        "prin_r",
        "paid late",
    )
    await _decide(session_factory, run.id, approve=True)
    async with unit_of_work(session_factory) as session:
        stored = await session.get_one(SettlementRun, run.id)
        events = await session.scalar(
            text(
                "SELECT count(*) FROM outbox_events WHERE aggregate_id = :r"
                " AND event_type = 'settlement.exception_resolved'"
            ),
            {"r": run.id},
        )
    assert (stored.status, stored.exceptions_overridden, events) == ("approved", False, 1)
