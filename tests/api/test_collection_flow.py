"""Deposit-first collection end to end: real Temporal, the simulated processor over HTTP,
tourflow's API served by uvicorn (so the processor can call the webhook), the outbox relay."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
import uvicorn
from sqlalchemy import func, select

from activities.bookings import BookingHoldState
from adapters.payments import signing
from adapters.payments.sim_processor import create_sim_app
from api.app import create_app
from domain.availability.models import AvailabilitySlot
from domain.bookings import service
from domain.bookings.models import Booking, BookingActivity
from domain.finance.collection_models import PaymentScheduleLine
from domain.finance.payment_models import Payment
from domain.outbox.models import OutboxEvent
from domain.outbox.relay import OutboxRelay
from tests.api.conftest import bearer
from tests.support.bookings import book, ctx, spec_for
from tests.support.catalog import product_with_option, slot
from tourflow.embedded import free_port
from tourflow.runtime import Runtime
from tourflow.temporal import TemporalClientProvider
from worker import build_worker, subscribers
from workflows.booking_hold import BookingHoldWorkflow

SECRET = "test-webhook-secret"


@asynccontextmanager
async def serve(app: Any, port: int | None = None) -> AsyncIterator[str]:
    port = port or free_port()
    server = uvicorn.Server(
        uvicorn.Config(app, host="127.0.0.1", port=port, log_config=None, lifespan="off")
    )
    task = asyncio.create_task(server.serve())
    for _ in range(250):
        if server.started:
            break
        await asyncio.sleep(0.02)
    assert server.started, "server did not start"
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        await task


@pytest.fixture
async def stack(settings, database_url, engine, session_factory, temporal_client, task_queue):
    """The processor and the API served for real, the worker running; yields a helper."""
    async with serve(create_sim_app(SECRET)) as processor:
        api_port = free_port()
        tuned = settings.model_copy(
            update={
                "payment_processor_url": processor,
                "payment_webhook_secret": SECRET,
                "payment_webhook_base_url": f"http://127.0.0.1:{api_port}",
            }
        )
        runtime = Runtime(
            settings=tuned,
            database_url=database_url,
            engine=engine,
            session_factory=session_factory,
            temporal=TemporalClientProvider.of(temporal_client),
        )
        async with (
            serve(create_app(runtime), api_port) as api,
            build_worker(temporal_client, session_factory, task_queue=task_queue),
        ):
            yield Stack(api, processor, runtime, task_queue)


class Stack:
    def __init__(self, api: str, processor: str, runtime: Runtime, task_queue: str) -> None:
        self.api, self.processor, self.runtime, self.task_queue = (
            api,
            processor,
            runtime,
            task_queue,
        )
        self.dispatcher = runtime.dispatcher

    async def relay(self) -> None:
        factory = self.runtime.session_factory
        await OutboxRelay(
            factory, subscribers(self.task_queue), after_commit=self.dispatcher.dispatch
        ).drain()

    async def held_booking(self, s: AvailabilitySlot, *, pax: int, ttl: timedelta) -> Booking:
        booking: Booking = await book(
            self.runtime.session_factory,
            spec_for(s, pax=pax),
            context=ctx(self.task_queue),
            after_commit=self.dispatcher.dispatch,
            ttl=ttl,
        )
        return booking


async def _deposit_session(client: httpx.AsyncClient, key: str, booking: Booking) -> dict[str, Any]:
    today = datetime.now(UTC).date()
    resp = await client.post(
        f"/v1/finance/bookings/{booking.id}/payment-schedule",
        json={
            "deposit_percent": 30,
            "deposit_due": today.isoformat(),
            "balance_due": (today + timedelta(days=30)).isoformat(),
        },
        headers=bearer(key),
    )
    assert resp.status_code == 201, resp.text
    assert [x["kind"] for x in resp.json()["lines"]] == ["deposit", "balance"]
    resp = await client.post(
        "/v1/finance/payment-sessions",
        json={
            "method": "card",
            "target_kind": "booking",
            "target_id": booking.id,
            "idempotency_key": f"checkout-{booking.id}",
        },
        headers=bearer(key),
    )
    assert resp.status_code == 201, resp.text
    body: dict[str, Any] = resp.json()
    assert body["amount_minor"] == booking.sell_total_minor * 30 // 100
    assert body["next_action"]["url"].startswith("http://127.0.0.1")
    return body


async def _charge(stack: Stack, pses: dict[str, Any]) -> dict[str, Any]:
    action = pses["next_action"]
    assert action["url"].startswith(stack.processor) and action["method"] == "POST"
    async with httpx.AsyncClient() as proc:
        resp = await proc.post(action["url"], json={"card_number": "4242424242424242"})
    assert resp.status_code == 200, resp.text
    result: dict[str, Any] = resp.json()
    assert result["webhook"] == {"delivered": True, "status": 200}
    return result


async def _wait_expired(stack: Stack, booking: Booking) -> None:
    client = await stack.runtime.temporal.get()
    handle = client.get_workflow_handle(
        service.hold_workflow_id(booking.id), result_type=BookingHoldState
    )
    state = await asyncio.wait_for(handle.result(), timeout=30)
    assert state.status == "expired"


async def test_a_paid_deposit_confirms_a_held_booking(stack, session_factory, make_key):
    key = await make_key("finance:read", "finance:write")
    _, option = await product_with_option(session_factory)
    s = await slot(session_factory, option, capacity=4)
    booking = await stack.held_booking(s, pax=2, ttl=timedelta(minutes=30))
    async with httpx.AsyncClient(base_url=stack.api) as client:
        pses = await _deposit_session(client, key, booking)
        charged = await _charge(stack, pses)
        # The processor sends the same event again: applied once only.
        async with httpx.AsyncClient(base_url=stack.processor) as proc:
            again = await proc.post(f"/v1/events/{charged['event_id']}/resend")
        assert again.json()["webhook"]["status"] == 200
        async with session_factory() as db:
            assert (await db.get_one(Booking, booking.id)).status == "on_hold"
        await stack.relay()
        plan = (
            await client.get(
                f"/v1/finance/bookings/{booking.id}/collection-plan", headers=bearer(key)
            )
        ).json()
        got = (
            await client.get(f"/v1/finance/payment-sessions/{pses['id']}", headers=bearer(key))
        ).json()
    assert [e["state"] for e in plan["entries"]] == ["paid", "upcoming"]
    assert plan["paid_minor"] == pses["amount_minor"]
    assert got["status"] == "succeeded" and got["payment_id"]
    async with session_factory() as db:
        row = await db.get_one(Booking, booking.id)
        payments = (await db.scalars(select(Payment).where(Payment.booking_id == booking.id))).all()
    assert row.status == "confirmed"
    assert [(p.amount_minor, p.method, p.invoice_id) for p in payments] == [
        (pses["amount_minor"], "card", None)
    ]
    hold = (await stack.runtime.temporal.get()).get_workflow_handle_for(
        BookingHoldWorkflow.run, service.hold_workflow_id(booking.id)
    )
    assert (await asyncio.wait_for(hold.result(), timeout=30)).status == "confirmed"


async def test_a_deposit_paid_after_the_hold_expired_re_secures_free_seats(
    stack, session_factory, make_key
):
    key = await make_key("finance:read", "finance:write")
    _, option = await product_with_option(session_factory)
    s = await slot(session_factory, option, capacity=2)
    booking = await stack.held_booking(s, pax=2, ttl=timedelta(seconds=2))
    async with httpx.AsyncClient(base_url=stack.api) as client:
        pses = await _deposit_session(client, key, booking)
        await _wait_expired(stack, booking)
        async with session_factory() as db:
            assert (await db.get_one(AvailabilitySlot, s.id)).capacity_remaining == 2
        await _charge(stack, pses)
    await stack.relay()
    async with session_factory() as db:
        row = await db.get_one(Booking, booking.id)
        seats = (await db.get_one(AvailabilitySlot, s.id)).capacity_remaining
    assert (row.status, seats) == ("confirmed", 0)


async def test_a_deposit_paid_after_the_seats_were_resold_flags_the_booking_and_keeps_the_money(
    stack, session_factory, make_key
):
    key = await make_key("finance:read", "finance:write")
    _, option = await product_with_option(session_factory)
    s = await slot(session_factory, option, capacity=2)
    booking = await stack.held_booking(s, pax=2, ttl=timedelta(seconds=2))
    async with httpx.AsyncClient(base_url=stack.api) as client:
        pses = await _deposit_session(client, key, booking)
        await _wait_expired(stack, booking)
        await book(session_factory, spec_for(s, pax=2, status="confirmed"))  # seats resold
        await _charge(stack, pses)
    await stack.relay()
    async with session_factory() as db:
        row = await db.get_one(Booking, booking.id)
        paid = await db.scalar(
            select(func.count()).select_from(Payment).where(Payment.booking_id == booking.id)
        )
        deposit = await db.scalar(
            select(PaymentScheduleLine).where(
                PaymentScheduleLine.booking_id == booking.id, PaymentScheduleLine.kind == "deposit"
            )
        )
        flagged = await db.scalar(
            select(BookingActivity).where(
                BookingActivity.booking_id == booking.id,
                BookingActivity.action == "payment_needs_attention",
            )
        )
        event = await db.scalar(
            select(OutboxEvent).where(
                OutboxEvent.aggregate_id == booking.id,
                OutboxEvent.event_type == "booking.payment_needs_attention",
            )
        )
    assert row.status == "expired"
    assert paid == 1 and deposit.status == "paid"
    assert flagged is not None and flagged.details["payment_id"] == deposit.payment_id
    assert event is not None and event.payload["amount_minor"] == pses["amount_minor"]


async def test_a_webhook_with_a_bad_signature_is_refused(http, settings):
    body = json.dumps({"id": "evt_1", "type": "charge.succeeded", "data": {}}).encode()
    for header in (None, signing.sign(body, "not-the-secret")):
        headers = {"content-type": "application/json"}
        if header:
            headers[signing.HEADER] = header
        resp = await http.post("/v1/finance/payment-webhooks/sim", content=body, headers=headers)
        assert resp.status_code == 400
        assert resp.json()["code"] == "invalid_signature"


async def test_a_bank_transfer_session_answers_instructions(http, make_key, session_factory):
    key = await make_key("finance:read", "finance:write")
    _, option = await product_with_option(session_factory)
    s = await slot(session_factory, option, capacity=4)
    booking = await book(session_factory, spec_for(s, pax=1))
    today = datetime.now(UTC).date().isoformat()
    schedule = await http.post(
        f"/v1/finance/bookings/{booking.id}/payment-schedule",
        json={"lines": [{"kind": "balance", "amount_minor": 1000, "due_date": today}]},
        headers=bearer(key),
    )
    line_id = schedule.json()["lines"][0]["id"]
    body = {
        "method": "bank_transfer",
        "target_kind": "schedule_line",
        "target_id": line_id,
        "idempotency_key": "bt-1",
    }
    resp = await http.post("/v1/finance/payment-sessions", json=body, headers=bearer(key))
    assert resp.status_code == 201, resp.text
    action = resp.json()["next_action"]
    assert action["type"] == "bank_transfer_instructions"
    assert action["reference"] == resp.json()["reference"] and action["iban"]
    assert action["amount_minor"] == 1000
    replay = await http.post("/v1/finance/payment-sessions", json=body, headers=bearer(key))
    assert replay.status_code == 200 and replay.json()["id"] == resp.json()["id"]
    again = await http.post(
        f"/v1/finance/bookings/{booking.id}/payment-schedule",
        json={"lines": [{"kind": "balance", "amount_minor": 1000, "due_date": today}]},
        headers=bearer(key),
    )
    assert (again.status_code, again.json()["code"]) == (409, "schedule_exists")


async def test_a_declined_card_fails_the_session_and_leaves_the_booking_held(
    stack, session_factory, make_key
):
    key = await make_key("finance:read", "finance:write")
    _, option = await product_with_option(session_factory)
    s = await slot(session_factory, option, capacity=4)
    booking = await stack.held_booking(s, pax=1, ttl=timedelta(minutes=30))
    async with httpx.AsyncClient(base_url=stack.api) as client:
        pses = await _deposit_session(client, key, booking)
        async with httpx.AsyncClient() as proc:
            resp = await proc.post(
                pses["next_action"]["url"], json={"card_number": "4000 0000 0000 0002"}
            )
        assert resp.json()["webhook"] == {"delivered": True, "status": 200}
        got = await client.get(f"/v1/finance/payment-sessions/{pses['id']}", headers=bearer(key))
    await stack.relay()
    assert (got.json()["status"], got.json()["failure_reason"]) == ("failed", "card_declined")
    async with session_factory() as db:
        assert (await db.get_one(Booking, booking.id)).status == "on_hold"
        assert not (await db.scalars(select(Payment).where(Payment.booking_id == booking.id))).all()
    hold = (await stack.runtime.temporal.get()).get_workflow_handle(
        service.hold_workflow_id(booking.id)
    )
    await hold.terminate("test over")
