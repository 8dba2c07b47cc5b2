import asyncio
import json
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import func, select

from adapters.notifications.file import FileNotifier
from adapters.payments.wiring import starters
from domain.db import unit_of_work
from domain.finance import guarantees, reminders, schedules, sessions, transfers
from domain.finance.collection_models import PaymentScheduleLine
from domain.finance.collection_plan import LineDraft
from domain.finance.guarantee_models import Guarantee
from domain.finance.payment_models import Payment
from domain.finance.reminder_models import PaymentReminder
from tests.support import finance as f
from tourflow.settings import Settings

AS_OF = date(2026, 6, 10)


async def _line(factory, due: date) -> str:
    booking = await f.confirmed_booking(factory)
    async with unit_of_work(factory) as session:
        _, [line] = await schedules.create_schedule(
            session, booking_id=booking.id, drafts=[LineDraft("deposit", 1000, due)]
        )
    return line.id


async def _remind(factory, notifier, line_id, as_of=AS_OF):
    async with unit_of_work(factory) as session:
        return await reminders.remind_line(session, notifier, line_id, as_of=as_of)


async def _count(factory) -> int:
    async with factory() as session:
        return int(await session.scalar(select(func.count()).select_from(PaymentReminder)) or 0)


async def test_a_failed_delivery_leaves_the_reminder_owed(session_factory, tmp_path):
    line_id = await _line(session_factory, date(2026, 6, 12))
    broken = FileNotifier(tmp_path)  # a directory: appending to it fails for real
    with pytest.raises(OSError):
        await _remind(session_factory, broken, line_id)
    assert await _count(session_factory) == 0
    good = FileNotifier(tmp_path / "out.jsonl")
    assert await _remind(session_factory, good, line_id) is not None
    assert await _remind(session_factory, good, line_id) is None
    [sent] = [json.loads(x) for x in (tmp_path / "out.jsonl").read_text().splitlines()]
    assert sent["key"] == f"reminder:{line_id}:due:2026-06-12"
    assert sent["data"]["amount_minor"] == 1000


async def test_racing_sweeps_send_one_reminder_per_line_and_day(session_factory, tmp_path):
    line_id = await _line(session_factory, date(2026, 6, 5))
    notifier = FileNotifier(tmp_path / "out.jsonl")
    results = await asyncio.gather(*(_remind(session_factory, notifier, line_id) for _ in range(6)))
    assert sum(r is not None for r in results) == 1
    assert len((tmp_path / "out.jsonl").read_text().splitlines()) == 1
    # The next overdue step is a new reminder.
    assert await _remind(session_factory, notifier, line_id, date(2026, 6, 13)) is not None
    async with session_factory() as session:
        rows = (await session.scalars(select(PaymentReminder).order_by(PaymentReminder.id))).all()
    assert [(r.kind, r.reminder_date) for r in rows] == [
        ("overdue", date(2026, 6, 6)),
        ("overdue", date(2026, 6, 13)),
    ]


async def test_a_cancelled_line_gets_no_reminder(session_factory, tmp_path):
    notifier = FileNotifier(tmp_path / "out.jsonl")
    line_id = await _line(session_factory, AS_OF)
    async with unit_of_work(session_factory) as session:
        line = await session.get_one(PaymentScheduleLine, line_id)
        line.status = "cancelled"
    assert await _remind(session_factory, notifier, line_id) is None
    async with session_factory() as session:
        assert await reminders.due_lines(session, as_of=AS_OF) == []


async def _guarantee(factory, *, kind="deposit", expires_at=None, key=None):
    booking = await f.confirmed_booking(factory)
    async with unit_of_work(factory) as session:
        row, _ = await guarantees.create_guarantee(
            session,
            guarantees.GuaranteeSpec(
                booking_id=booking.id,
                kind=kind,
                amount_minor=500,
                idempotency_key=key or f.key("g"),
                reference="V-1" if kind == "voucher" else None,
                expires_at=expires_at,
            ),
        )
    return booking, row.id


async def test_pending_guarantees_past_their_expiry_expire_once(session_factory):
    now = datetime(2031, 1, 1, 12, tzinfo=UTC)
    _, due = await _guarantee(session_factory, expires_at=now - timedelta(minutes=1))
    _, later = await _guarantee(session_factory, expires_at=now + timedelta(hours=1))
    _, doc = await _guarantee(session_factory, kind="voucher", expires_at=now - timedelta(days=1))
    async with unit_of_work(session_factory) as session:
        first = await guarantees.expire_due(session, now=now, limit=100_000)
    async with unit_of_work(session_factory) as session:
        again = await guarantees.expire_due(session, now=now)
    statuses = [(await f.reload(session_factory, Guarantee, x)).status for x in (due, later, doc)]
    assert due in first and due not in again
    assert statuses == ["expired", "pending", "active"]
    assert [e.event_type for e in await f.events(session_factory, due)][-1] == "guarantee.expired"


async def test_a_deposit_paid_after_its_guarantee_expired_is_refunded_not_applied(
    session_factory,
):
    expires = datetime.now(UTC) + timedelta(hours=1)
    booking, gid = await _guarantee(session_factory, expires_at=expires)
    async with unit_of_work(session_factory) as session:
        pses, _ = await sessions.start_session(
            session,
            sessions.SessionSpec("bank_transfer", "guarantee", gid, f.key("s")),
            starters=starters(Settings()),
        )
    async with unit_of_work(session_factory) as session:
        transfer, _ = await transfers.record_transfer(
            session,
            transfers.TransferSpec(f.key("tx"), pses.reference, 500, booking.currency),
            now=expires + timedelta(seconds=1),
        )
    assert transfer.payment_id is not None
    g = await f.reload(session_factory, Guarantee, gid)
    payment = await f.reload(session_factory, Payment, transfer.payment_id)
    assert (transfer.status, g.status, g.payment_id) == ("matched", "pending", None)
    assert (payment.amount_minor, payment.refunded_minor) == (500, 500)


async def test_expiry_racing_a_late_payment_either_secures_or_refunds_never_both(
    session_factory,
):
    expires = datetime.now(UTC) + timedelta(hours=2)
    outcomes = set()
    for _ in range(6):
        booking, gid = await _guarantee(session_factory, expires_at=expires)
        async with unit_of_work(session_factory) as session:
            pses, _ = await sessions.start_session(
                session,
                sessions.SessionSpec("bank_transfer", "guarantee", gid, f.key("s")),
                starters=starters(Settings()),
            )

        async def sweep() -> None:
            async with unit_of_work(session_factory) as session:
                await guarantees.expire_due(session, now=expires, limit=100_000)

        async def pay(reference: str = pses.reference, currency: str = booking.currency) -> str:
            async with unit_of_work(session_factory) as session:
                row, _ = await transfers.record_transfer(
                    session,
                    transfers.TransferSpec(f.key("tx"), reference, 500, currency),
                    now=expires - timedelta(seconds=1),
                )
                assert row.payment_id is not None
                return row.payment_id

        _, payment_id = await asyncio.gather(sweep(), pay())
        g = await f.reload(session_factory, Guarantee, gid)
        payment = await f.reload(session_factory, Payment, payment_id)
        assert (g.status, payment.refunded_minor) in {("active", 0), ("expired", 500)}
        outcomes.add(g.status)
    assert outcomes  # which side wins varies; both are consistent
