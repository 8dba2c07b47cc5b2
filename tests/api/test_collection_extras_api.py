"""Payment-session key races, bank transfers matched by reference, editing schedule lines."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from sqlalchemy import select

from domain.finance.collection_models import PaymentScheduleLine, PaymentSession
from domain.finance.payment_models import Payment
from domain.outbox.models import OutboxEvent
from tests.api.conftest import bearer
from tests.support import finance as f

TODAY = datetime.now(UTC).date()


async def _booking_with_lines(http: httpx.AsyncClient, key: str, session_factory) -> Any:
    booking = await f.confirmed_booking(session_factory)
    resp = await http.post(
        f"/v1/finance/bookings/{booking.id}/payment-schedule",
        json={
            "lines": [
                {"kind": "deposit", "amount_minor": 1000, "due_date": TODAY.isoformat()},
                {
                    "kind": "balance",
                    "amount_minor": 2000,
                    "due_date": (TODAY + timedelta(days=20)).isoformat(),
                },
            ]
        },
        headers=bearer(key),
    )
    assert resp.status_code == 201, resp.text
    return booking, [x["id"] for x in resp.json()["lines"]]


def _bank_session(target_id: str, key: str) -> dict[str, Any]:
    return {
        "method": "bank_transfer",
        "target_kind": "schedule_line",
        "target_id": target_id,
        "idempotency_key": key,
    }


async def test_two_different_requests_racing_on_one_key_get_one_session_and_a_409(
    http, session_factory, make_key
):
    key = await make_key("finance:read", "finance:write")
    for round_ in range(4):
        _, (deposit, balance) = await _booking_with_lines(http, key, session_factory)
        idem = f"race-{round_}-{deposit}"
        first, second = await asyncio.gather(
            http.post(
                "/v1/finance/payment-sessions",
                json=_bank_session(deposit, idem),
                headers=bearer(key),
            ),
            http.post(
                "/v1/finance/payment-sessions",
                json=_bank_session(balance, idem),
                headers=bearer(key),
            ),
        )
        outcomes = sorted(
            [
                (first.status_code, first.json().get("code")),
                (second.status_code, second.json().get("code")),
            ],
            key=lambda x: x[0],
        )
        assert outcomes == [(201, None), (409, "idempotency_key_reused")], outcomes
        async with session_factory() as db:
            rows = (
                await db.scalars(
                    select(PaymentSession).where(PaymentSession.idempotency_key == idem)
                )
            ).all()
        assert len(rows) == 1


async def test_the_same_request_racing_with_itself_returns_one_session(
    http, session_factory, make_key
):
    key = await make_key("finance:read", "finance:write")
    _, (deposit, _balance) = await _booking_with_lines(http, key, session_factory)
    body = _bank_session(deposit, f"twin-{deposit}")
    replies = await asyncio.gather(
        *(
            http.post("/v1/finance/payment-sessions", json=body, headers=bearer(key))
            for _ in range(3)
        )
    )
    assert sorted(r.status_code for r in replies) == [200, 200, 201]
    assert len({r.json()["id"] for r in replies}) == 1


async def test_a_received_transfer_pays_the_session_named_in_its_reference(
    http, session_factory, make_key
):
    key = await make_key("finance:read", "finance:write")
    booking, (deposit, _balance) = await _booking_with_lines(http, key, session_factory)
    pses = (
        await http.post(
            "/v1/finance/payment-sessions",
            json=_bank_session(deposit, f"bt-{deposit}"),
            headers=bearer(key),
        )
    ).json()
    messy = f"booking {booking.number} ref {pses['reference'].lower().replace('-', ' ')}"
    transfer = {
        "transaction_id": f"bank-{deposit}",
        "reference": messy,
        "amount_minor": 1000,
        "currency": booking.currency,
        "payer": "A. Traveller",
    }
    matched = await http.post("/v1/finance/bank-transfers", json=transfer, headers=bearer(key))
    replay = await http.post("/v1/finance/bank-transfers", json=transfer, headers=bearer(key))
    changed = await http.post(
        "/v1/finance/bank-transfers", json={**transfer, "amount_minor": 5}, headers=bearer(key)
    )
    got = await http.get(f"/v1/finance/payment-sessions/{pses['id']}", headers=bearer(key))
    assert matched.status_code == 201, matched.text
    assert (matched.json()["status"], matched.json()["payment_session_id"]) == (
        "matched",
        pses["id"],
    )
    assert (replay.status_code, replay.json()["id"]) == (200, matched.json()["id"])
    assert (changed.status_code, changed.json()["code"]) == (409, "idempotency_key_reused")
    assert got.json()["status"] == "succeeded"
    assert got.json()["payment_id"] == matched.json()["payment_id"]
    async with session_factory() as db:
        line = await db.get_one(PaymentScheduleLine, deposit)
        payment = await db.get_one(Payment, matched.json()["payment_id"])
        paid_event = await db.scalar(
            select(OutboxEvent).where(OutboxEvent.event_type == "booking_payment_schedule.paid")
        )
    assert (line.status, line.payment_id) == ("paid", payment.id)
    assert (payment.method, payment.amount_minor, payment.booking_id) == (
        "bank_transfer",
        1000,
        booking.id,
    )
    assert paid_event is not None and paid_event.payload["line_ids"] == [deposit]


async def test_transfers_that_do_not_fit_a_pending_session_are_kept_unmatched(
    http, session_factory, make_key
):
    key = await make_key("finance:read", "finance:write")
    booking, (deposit, _balance) = await _booking_with_lines(http, key, session_factory)
    pses = (
        await http.post(
            "/v1/finance/payment-sessions",
            json=_bank_session(deposit, f"bt2-{deposit}"),
            headers=bearer(key),
        )
    ).json()
    base = {"amount_minor": 1000, "currency": booking.currency}
    short = await http.post(
        "/v1/finance/bank-transfers",
        json={
            **base,
            "transaction_id": f"s-{deposit}",
            "reference": pses["reference"],
            "amount_minor": 999,
        },
        headers=bearer(key),
    )
    stranger = await http.post(
        "/v1/finance/bank-transfers",
        json={**base, "transaction_id": f"u-{deposit}", "reference": "rent for june"},
        headers=bearer(key),
    )
    got = await http.get(f"/v1/finance/payment-sessions/{pses['id']}", headers=bearer(key))
    assert (short.json()["status"], short.json()["payment_id"]) == ("amount_mismatch", None)
    assert short.json()["details"]["expected_minor"] == 1000
    assert (stranger.json()["status"], stranger.json()["payment_session_id"]) == ("unmatched", None)
    assert got.json()["status"] == "pending"


async def test_an_explicit_reference_session_collects_without_a_booking(
    http, session_factory, make_key
):
    key = await make_key("finance:read", "finance:write")
    body = {
        "method": "bank_transfer",
        "target_kind": "reference",
        "target_id": "program-2026-spring/42",
        "idempotency_key": "ref-1",
        "amount_minor": 7700,
        "currency": "EUR",
    }
    resp = await http.post("/v1/finance/payment-sessions", json=body, headers=bearer(key))
    missing = await http.post(
        "/v1/finance/payment-sessions",
        json={**body, "idempotency_key": "ref-2", "currency": None},
        headers=bearer(key),
    )
    assert resp.status_code == 201, resp.text
    assert (resp.json()["target_id"], resp.json()["booking_id"]) == ("program-2026-spring/42", None)
    assert resp.json()["next_action"]["amount_minor"] == 7700
    assert (missing.status_code, missing.json()["code"]) == (400, "amount_required")
    matched = await http.post(
        "/v1/finance/bank-transfers",
        json={
            "transaction_id": "ref-tx-1",
            "reference": resp.json()["reference"],
            "amount_minor": 7700,
            "currency": "EUR",
        },
        headers=bearer(key),
    )
    got = await http.get(f"/v1/finance/payment-sessions/{resp.json()['id']}", headers=bearer(key))
    assert matched.json()["status"] == "matched"
    assert (got.json()["status"], got.json()["payment_id"]) == ("succeeded", None)
    async with session_factory() as db:
        event = await db.scalar(
            select(OutboxEvent).where(
                OutboxEvent.aggregate_id == resp.json()["id"],
                OutboxEvent.event_type == "payment_session.succeeded",
            )
        )
    assert event is not None and event.payload["target_id"] == "program-2026-spring/42"


async def test_due_lines_can_be_edited_or_cancelled_but_not_paid_or_collecting_ones(
    http, session_factory, make_key
):
    key = await make_key("finance:read", "finance:write")
    booking, (deposit, balance) = await _booking_with_lines(http, key, session_factory)
    later = (TODAY + timedelta(days=40)).isoformat()
    edited = await http.patch(
        f"/v1/finance/payment-schedule-lines/{balance}",
        json={"amount_minor": 2500, "due_date": later},
        headers=bearer(key),
    )
    too_much = await http.patch(
        f"/v1/finance/payment-schedule-lines/{balance}",
        json={"amount_minor": booking.sell_total_minor},
        headers=bearer(key),
    )
    null = await http.patch(
        f"/v1/finance/payment-schedule-lines/{balance}",
        json={"due_date": None},
        headers=bearer(key),
    )
    await http.post(
        "/v1/finance/payment-sessions",
        json=_bank_session(deposit, f"c-{deposit}"),
        headers=bearer(key),
    )
    collecting = await http.post(
        f"/v1/finance/payment-schedule-lines/{deposit}/cancel", headers=bearer(key)
    )
    cancelled = await http.post(
        f"/v1/finance/payment-schedule-lines/{balance}/cancel", headers=bearer(key)
    )
    twice = await http.post(
        f"/v1/finance/payment-schedule-lines/{balance}/cancel", headers=bearer(key)
    )
    plan = await http.get(f"/v1/finance/bookings/{booking.id}/collection-plan", headers=bearer(key))
    assert edited.status_code == 200, edited.text
    assert (edited.json()["amount_minor"], edited.json()["due_date"]) == (2500, later)
    assert (too_much.status_code, too_much.json()["code"]) == (400, "schedule_exceeds_total")
    assert null.status_code == 422
    assert (collecting.status_code, collecting.json()["code"]) == (409, "line_has_pending_session")
    assert cancelled.json()["status"] == "cancelled"
    assert (twice.status_code, twice.json()["code"]) == (409, "line_not_due")
    assert [e["state"] for e in plan.json()["entries"]] == ["due_now", "cancelled"]
