import uuid
from datetime import date

from temporalio.client import ScheduleRange

from activities.finance import OverdueSweepInput
from domain.finance.invoice_models import Invoice
from tests.support import finance as f
from tourflow.schedules import ensure_schedule, invoice_overdue_schedule
from worker import build_worker
from workflows.invoice_overdue import SCHEDULE_ID, InvoiceOverdueSweepWorkflow


async def test_the_sweep_marks_invoices_past_their_due_date_overdue(
    temporal_client, session_factory, task_queue
):
    late = [await f.issued(session_factory, due_date=date(2026, 6, 5)) for _ in range(3)]
    on_time = await f.issued(session_factory, due_date=date(2026, 6, 20))
    async with build_worker(temporal_client, session_factory, task_queue=task_queue):
        result = await temporal_client.execute_workflow(
            InvoiceOverdueSweepWorkflow.run,
            OverdueSweepInput(as_of=date(2026, 6, 10)),
            id=f"overdue-{uuid.uuid4().hex}",
            task_queue=task_queue,
        )
        again = await temporal_client.execute_workflow(
            InvoiceOverdueSweepWorkflow.run,
            OverdueSweepInput(as_of=date(2026, 6, 10)),
            id=f"overdue-{uuid.uuid4().hex}",
            task_queue=task_queue,
        )
    assert (result.as_of, result.marked, again.marked) == (date(2026, 6, 10), 3, 0)
    for invoice in late:
        assert (await f.reload(session_factory, Invoice, invoice.id)).status == "overdue"
    assert (await f.reload(session_factory, Invoice, on_time.id)).status == "issued"


async def test_without_a_date_the_sweep_uses_the_workflow_clock(
    temporal_client, session_factory, task_queue
):
    invoice = await f.issued(
        session_factory, due_date=date(2026, 1, 1), issue_date=date(2026, 1, 1)
    )
    async with build_worker(temporal_client, session_factory, task_queue=task_queue):
        result = await temporal_client.execute_workflow(
            InvoiceOverdueSweepWorkflow.run,
            OverdueSweepInput(),
            id=f"overdue-{uuid.uuid4().hex}",
            task_queue=task_queue,
        )
    assert result.as_of > date(2026, 1, 1) and result.marked == 1
    assert (await f.reload(session_factory, Invoice, invoice.id)).status == "overdue"


async def test_the_overdue_schedule_runs_the_sweep_hourly_on_the_workers_queue(
    temporal_client, task_queue
):
    await ensure_schedule(temporal_client, SCHEDULE_ID, invoice_overdue_schedule(task_queue))
    try:
        desc = await temporal_client.get_schedule_handle(SCHEDULE_ID).describe()
        [calendar] = desc.schedule.spec.calendars  # the server stores the cron as a calendar
        assert list(calendar.minute) == [ScheduleRange(5)]
        assert list(calendar.hour) == [ScheduleRange(0, 23)]
        assert desc.schedule.action.workflow == "InvoiceOverdueSweep"
        assert desc.schedule.action.task_queue == task_queue
    finally:
        await temporal_client.get_schedule_handle(SCHEDULE_ID).delete()
