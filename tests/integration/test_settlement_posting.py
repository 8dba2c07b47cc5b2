"""Posting: a booking cancelled after its settlement was invoiced is reversed in the next
run and credited on the earlier invoice with a credit note; totals still balance."""

from __future__ import annotations

from datetime import UTC, date, datetime

from sqlalchemy import select, text

from domain.db import unit_of_work
from domain.finance.credit_note_models import CreditNote
from domain.finance.invoice_models import Invoice
from domain.reconciliation.compare import Local
from domain.settlement import posting, service
from domain.settlement.models import SettlementItem, SettlementPolicy
from tests.support.distribution import make_channel, make_commission_rule
from tests.support.finance import number_series, pay
from tests.support.reconciliation import PERIOD_END, PERIOD_START, channel_bookings

NOVEMBER = (date(2026, 11, 1), date(2026, 12, 1))


async def _settle(factory, channel_id: str, start: date, end: date):
    async with unit_of_work(factory) as session:
        run = await service.open_run(
            session, channel_id=channel_id, period_start=start, period_end=end
        )
        run = await service.compute(session, run_id=run.id)
        if run.status != "approved":
            return run
        return await posting.post(session, run_id=run.id)


async def test_a_booking_cancelled_after_settlement_is_reversed_and_credited(session_factory):
    await number_series(session_factory, is_default=True)
    await number_series(session_factory, scope="credit_note", format="CN-{seq:06}", is_default=True)
    async with unit_of_work(session_factory) as session:
        chan = await make_channel(session)
        await make_commission_rule(session, chan, bps=1000)
        session.add(SettlementPolicy(channel_id=chan.id, currency="EUR", approval_required=False))
        october = await channel_bookings(
            session, chan.id, [Local("a", "confirmed", 10_000, "EUR", payment_owner="channel")]
        )
        await channel_bookings(
            session,
            chan.id,
            [Local("b", "confirmed", 3_000, "EUR", payment_owner="channel")],
            created_at=datetime(2026, 11, 10, tzinfo=UTC),
        )
    first = await _settle(session_factory, chan.id, PERIOD_START, PERIOD_END)
    assert first.invoice_id is not None and first.balance_minor == 9_000
    async with unit_of_work(session_factory) as session:
        await pay(session_factory, await session.get_one(Invoice, first.invoice_id), 9_000)

    async with unit_of_work(session_factory) as session:
        await session.execute(
            text("UPDATE bookings SET status = 'cancelled' WHERE id = :b"), {"b": october["a"]}
        )
    second = await _settle(session_factory, chan.id, *NOVEMBER)
    # b: +3000 gross, 300 commission, 2700 net; a reversed: -10000, -1000, -9000.
    assert (second.gross_minor, second.commission_minor, second.net_minor) == (-7_000, -700, -6_300)
    assert second.gross_minor == second.commission_minor + second.net_minor
    assert second.credited_minor == 9_000 and len(second.credit_note_ids) == 1
    assert second.direction == "channel_pays" and second.invoice_id is not None
    async with unit_of_work(session_factory) as session:
        note = await session.get_one(CreditNote, second.credit_note_ids[0])
        old = await session.get_one(Invoice, first.invoice_id)
        new = await session.get_one(Invoice, second.invoice_id)
        reversal = await session.scalar(
            select(SettlementItem).where(
                SettlementItem.run_id == second.id, SettlementItem.reverses_item_id.is_not(None)
            )
        )
    assert (note.invoice_id, note.total_minor) == (first.invoice_id, 9_000)
    assert old.credited_minor == 9_000 and new.total_minor == 2_700
    assert reversal is not None and reversal.booking_id == october["a"]

    # A third run has nothing left to reverse: the item is reversed once only.
    third = await _settle(session_factory, chan.id, date(2026, 12, 1), date(2027, 1, 1))
    assert (third.item_count, third.status, third.invoice_id) == (0, "below_minimum", None)


async def test_an_unpaid_settlement_invoice_reversed_in_full_is_voided(session_factory):
    await number_series(session_factory, is_default=True)
    async with unit_of_work(session_factory) as session:
        chan = await make_channel(session)
        session.add(SettlementPolicy(channel_id=chan.id, currency="EUR", approval_required=False))
        october = await channel_bookings(
            session, chan.id, [Local("a", "confirmed", 4_000, "EUR", payment_owner="channel")]
        )
    first = await _settle(session_factory, chan.id, PERIOD_START, PERIOD_END)
    async with unit_of_work(session_factory) as session:
        await session.execute(
            text("UPDATE bookings SET status = 'cancelled' WHERE id = :b"), {"b": october["a"]}
        )
    second = await _settle(session_factory, chan.id, *NOVEMBER)
    assert second.balance_minor == -4_000 and second.credited_minor == 4_000
    assert (second.invoice_id, second.payment_id, second.credit_note_ids) == (None, None, [])
    async with unit_of_work(session_factory) as session:
        old = await session.get_one(Invoice, first.invoice_id)
    assert old.status == "void"
