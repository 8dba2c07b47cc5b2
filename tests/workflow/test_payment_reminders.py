import json
import uuid
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import select

from activities.finance_reminders import GuaranteeExpiryInput, ReminderSweepInput
from domain.db import unit_of_work
from domain.finance import guarantees, schedules
from domain.finance.collection_models import PaymentScheduleLine
from domain.finance.collection_plan import LineDraft
from domain.finance.guarantee_models import Guarantee
from domain.finance.reminder_models import PaymentReminder
from tests.support import finance as f
from tourflow.schedules import (
    ensure_schedule,
    guarantee_expiry_schedule,
    payment_reminder_schedule,
)
from worker import build_worker
from workflows.payment_reminders import (
    EXPIRY_SCHEDULE_ID,
    SCHEDULE_ID,
    GuaranteeExpirySweepWorkflow,
    PaymentReminderSweepWorkflow,
)

AS_OF = date(2026, 6, 10)


async def _schedule(factory, *lines: tuple[str, int, date]):
    booking = await f.confirmed_booking(factory)
    async with unit_of_work(factory) as session:
        _, rows = await schedules.create_schedule(
            session, booking_id=booking.id, drafts=[LineDraft(*x) for x in lines]
        )
    return booking, [r.id for r in rows]


async def _sweep(client, task_queue, as_of=AS_OF):
    return await client.execute_workflow(
        PaymentReminderSweepWorkflow.run,
        ReminderSweepInput(as_of=as_of),
        id=f"reminders-{uuid.uuid4().hex}",
        task_queue=task_queue,
    )


async def test_due_and_overdue_lines_are_reminded_once_per_kind_and_day(
    temporal_client, session_factory, task_queue, tmp_path, monkeypatch
):
    outbox = tmp_path / "notifications.jsonl"
    monkeypatch.setenv("TOURFLOW_NOTIFICATIONS_FILE", str(outbox))
    _, (due_soon, far) = await _schedule(
        session_factory, ("deposit", 1000, date(2026, 6, 12)), ("balance", 2000, date(2026, 9, 1))
    )
    _, (late,) = await _schedule(session_factory, ("balance", 3000, date(2026, 6, 9)))
    _, (dropped,) = await _schedule(session_factory, ("deposit", 500, date(2026, 6, 10)))
    async with unit_of_work(session_factory) as session:
        line = await session.get_one(PaymentScheduleLine, dropped)
        line.status, line.paid_at = "cancelled", None
    async with build_worker(temporal_client, session_factory, task_queue=task_queue):
        first = await _sweep(temporal_client, task_queue)
        again = await _sweep(temporal_client, task_queue)
        next_day = await _sweep(temporal_client, task_queue, date(2026, 6, 11))
    assert (first.as_of, first.sent, again.sent, next_day.sent) == (AS_OF, 2, 0, 0)
    sent = [json.loads(x) for x in outbox.read_text().splitlines()]
    assert sorted((m["data"]["line_id"], m["template"]) for m in sent) == sorted(
        [(due_soon, "payment_reminder.due"), (late, "payment_reminder.overdue")]
    )
    assert {m["key"] for m in sent} == {
        f"reminder:{due_soon}:due:2026-06-12",
        f"reminder:{late}:overdue:2026-06-10",
    }
    async with session_factory() as session:
        rows = (await session.scalars(select(PaymentReminder))).all()
    assert sorted((r.line_id, r.kind, r.channel) for r in rows) == sorted(
        [(due_soon, "due", "file"), (late, "overdue", "file")]
    )
    assert far not in {r.line_id for r in rows}


async def test_the_reminder_schedule_runs_the_sweep_daily_on_the_workers_queue(
    temporal_client, task_queue
):
    await ensure_schedule(temporal_client, SCHEDULE_ID, payment_reminder_schedule(task_queue))
    try:
        desc = await temporal_client.get_schedule_handle(SCHEDULE_ID).describe()
        [calendar] = desc.schedule.spec.calendars
        assert [(r.start, r.end) for r in calendar.hour] == [(8, 8)]
        assert desc.schedule.action.workflow == "PaymentReminderSweep"
        assert desc.schedule.action.task_queue == task_queue
    finally:
        await temporal_client.get_schedule_handle(SCHEDULE_ID).delete()


async def test_the_expiry_sweep_expires_pending_guarantees_past_their_time_once(
    temporal_client, session_factory, task_queue
):
    as_of = datetime(2032, 3, 1, 9, tzinfo=UTC)
    booking = await f.confirmed_booking(session_factory)
    ids = []
    async with unit_of_work(session_factory) as session:
        for minutes in (-5, 5):
            row, _ = await guarantees.create_guarantee(
                session,
                guarantees.GuaranteeSpec(
                    booking_id=booking.id,
                    kind="pre_auth",
                    amount_minor=300,
                    idempotency_key=f.key("g"),
                    expires_at=as_of + timedelta(minutes=minutes),
                ),
            )
            ids.append(row.id)
    async with build_worker(temporal_client, session_factory, task_queue=task_queue):
        runs = [
            await temporal_client.execute_workflow(
                GuaranteeExpirySweepWorkflow.run,
                GuaranteeExpiryInput(as_of=as_of, batch=7),
                id=f"guarantee-expiry-{uuid.uuid4().hex}",
                task_queue=task_queue,
            )
            for _ in range(2)
        ]
    past, future = [(await f.reload(session_factory, Guarantee, x)).status for x in ids]
    assert (past, future) == ("expired", "pending")
    assert ids[0] in runs[0].guarantee_ids and ids[0] not in runs[1].guarantee_ids


async def test_the_expiry_schedule_runs_hourly_on_the_workers_queue(temporal_client, task_queue):
    await ensure_schedule(
        temporal_client, EXPIRY_SCHEDULE_ID, guarantee_expiry_schedule(task_queue)
    )
    try:
        desc = await temporal_client.get_schedule_handle(EXPIRY_SCHEDULE_ID).describe()
        [calendar] = desc.schedule.spec.calendars
        assert [(r.start, r.end) for r in calendar.minute] == [(20, 20)]
        assert desc.schedule.action.workflow == "GuaranteeExpirySweep"
        assert desc.schedule.action.task_queue == task_queue
    finally:
        await temporal_client.get_schedule_handle(EXPIRY_SCHEDULE_ID).delete()
