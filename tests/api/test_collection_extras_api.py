"""Payment-session key races, bank transfers matched by reference, editing schedule lines."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from sqlalchemy import select

from adapters.notifications.file import FileNotifier
from domain.db import unit_of_work
from domain.finance import reminders
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


async def _sessions(http, key, target_kind: str, target_id: str, n: int) -> list[dict[str, Any]]:
    out = []
    for i in range(n):
        resp = await http.post(
            "/v1/finance/payment-sessions",
            json={
                "method": "bank_transfer",
                "target_kind": target_kind,
                "target_id": target_id,
                "idempotency_key": f"dup-{i}-{target_id}",
            },
            headers=bearer(key),
        )
        assert resp.status_code == 201, resp.text
        out.append(resp.json())
    return out


async def _pay_all_at_once(http, key, currency: str, pses: list[dict[str, Any]]) -> list[Any]:
    return await asyncio.gather(
        *(
            http.post(
                "/v1/finance/bank-transfers",
                json={
                    "transaction_id": f"tx-{p['id']}",
                    "reference": p["reference"],
                    "amount_minor": p["amount_minor"],
                    "currency": currency,
                },
                headers=bearer(key),
            )
            for p in pses
        )
    )


async def _kept(session_factory, booking_id: str) -> tuple[int, int]:
    """(payments recorded, money kept net of refunds) for a booking."""
    async with session_factory() as db:
        rows = (await db.scalars(select(Payment).where(Payment.booking_id == booking_id))).all()
    return len(rows), sum(x.amount_minor - x.refunded_minor for x in rows)


async def test_two_sessions_paid_at_once_for_one_line_keep_the_money_once_and_refund_the_other(
    http, session_factory, make_key
):
    key = await make_key("finance:read", "finance:write")
    booking, (deposit, _balance) = await _booking_with_lines(http, key, session_factory)
    pses = await _sessions(http, key, "schedule_line", deposit, 2)
    paid = await _pay_all_at_once(http, key, booking.currency, pses)
    again = await http.post(
        "/v1/finance/payment-sessions",
        json=_bank_session(deposit, f"late-{deposit}"),
        headers=bearer(key),
    )
    assert [r.status_code for r in paid] == [201, 201], [r.text for r in paid]
    assert {r.json()["status"] for r in paid} == {"matched"}
    assert await _kept(session_factory, booking.id) == (2, 1000)
    assert (again.status_code, again.json()["code"]) == (409, "line_not_due")
    async with session_factory() as db:
        refunded = (
            await db.scalars(
                select(OutboxEvent).where(OutboxEvent.event_type == "payment_session.refunded")
            )
        ).all()
        paid_events = (
            await db.scalars(
                select(OutboxEvent).where(
                    OutboxEvent.event_type == "booking_payment_schedule.paid",
                    OutboxEvent.payload["booking_id"].astext == booking.id,
                )
            )
        ).all()
    mine = [e for e in refunded if e.payload["booking_id"] == booking.id]
    assert [(e.payload["refund_minor"], e.payload["needs_processor_refund"]) for e in mine] == [
        (1000, True)
    ]
    assert len(paid_events) == 1


async def test_a_booking_session_overlapping_a_paid_line_refunds_only_that_line(
    http, session_factory, make_key
):
    key = await make_key("finance:read", "finance:write")
    booking = await f.confirmed_booking(session_factory)
    today = TODAY.isoformat()
    resp = await http.post(
        f"/v1/finance/bookings/{booking.id}/payment-schedule",
        json={
            "lines": [
                {"kind": "deposit", "amount_minor": 1000, "due_date": today},
                {"kind": "installment", "amount_minor": 2000, "due_date": today},
            ]
        },
        headers=bearer(key),
    )
    deposit, installment = [x["id"] for x in resp.json()["lines"]]
    [for_line] = await _sessions(http, key, "schedule_line", deposit, 1)
    [whole] = await _sessions(http, key, "booking", booking.id, 1)
    assert (whole["amount_minor"], whole["schedule_line_ids"]) == (3000, [deposit, installment])
    await _pay_all_at_once(http, key, booking.currency, [for_line])
    await _pay_all_at_once(http, key, booking.currency, [whole])
    assert await _kept(session_factory, booking.id) == (2, 3000)
    async with session_factory() as db:
        lines = [(await db.get_one(PaymentScheduleLine, x)) for x in (deposit, installment)]
        whole_payment = await db.get_one(Payment, lines[1].payment_id)
    assert [x.status for x in lines] == ["paid", "paid"]
    assert (whole_payment.amount_minor, whole_payment.refunded_minor) == (3000, 1000)


async def test_two_sessions_paid_at_once_for_one_deposit_guarantee_secure_it_once(
    http, session_factory, make_key
):
    key = await make_key("finance:read", "finance:write")
    booking = await f.confirmed_booking(session_factory)
    g = await http.post(
        f"/v1/finance/bookings/{booking.id}/guarantees",
        json={"kind": "deposit", "amount_minor": 700, "idempotency_key": f"g-{booking.id}"},
        headers=bearer(key),
    )
    assert g.status_code == 201, g.text
    pses = await _sessions(http, key, "guarantee", g.json()["id"], 3)
    await _pay_all_at_once(http, key, booking.currency, pses)
    got = await http.get(f"/v1/finance/guarantees/{g.json()['id']}", headers=bearer(key))
    again = await http.post(
        "/v1/finance/payment-sessions",
        json={
            "method": "bank_transfer",
            "target_kind": "guarantee",
            "target_id": g.json()["id"],
            "idempotency_key": f"late-{booking.id}",
        },
        headers=bearer(key),
    )
    assert got.json()["status"] == "active"
    assert got.json()["payment_session_id"] in {p["id"] for p in pses}
    assert await _kept(session_factory, booking.id) == (3, 700)
    assert (again.status_code, again.json()["code"]) == (409, "guarantee_not_securable")


async def _unmatched(http, key, booking, amount: int, tag: str) -> dict[str, Any]:
    resp = await http.post(
        "/v1/finance/bank-transfers",
        json={
            "transaction_id": f"{tag}-{booking.id}",
            "reference": f"payment for {booking.number}",
            "amount_minor": amount,
            "currency": booking.currency,
        },
        headers=bearer(key),
    )
    assert resp.json()["status"] == "unmatched", resp.text
    body: dict[str, Any] = resp.json()
    return body


async def test_an_unmatched_transfer_is_matched_by_hand_to_a_session_once(
    http, session_factory, make_key
):
    key = await make_key("finance:read", "finance:write")
    booking, (deposit, _balance) = await _booking_with_lines(http, key, session_factory)
    [pses] = await _sessions(http, key, "schedule_line", deposit, 1)
    transfer = await _unmatched(http, key, booking, 1000, "m1")
    url = f"/v1/finance/bank-transfers/{transfer['id']}/match"
    first, second = await asyncio.gather(
        http.post(url, json={"payment_session_id": pses["id"]}, headers=bearer(key)),
        http.post(url, json={"payment_session_id": pses["id"]}, headers=bearer(key)),
    )
    other = await http.post(url, json={"booking_id": booking.id}, headers=bearer(key))
    reader = await make_key("finance:read")
    forbidden = await http.post(
        url, json={"payment_session_id": pses["id"]}, headers=bearer(reader)
    )
    got = await http.get(f"/v1/finance/payment-sessions/{pses['id']}", headers=bearer(key))
    assert (first.status_code, second.status_code) == (200, 200), first.text + second.text
    assert first.json() == second.json()
    assert (first.json()["status"], first.json()["payment_session_id"]) == ("matched", pses["id"])
    assert first.json()["details"]["previous"]["reason"] == "no_session"
    assert (other.status_code, other.json()["code"]) == (409, "transfer_already_matched")
    assert forbidden.status_code == 403
    assert (got.json()["status"], got.json()["payment_id"]) == (
        "succeeded",
        first.json()["payment_id"],
    )
    assert await _kept(session_factory, booking.id) == (1, 1000)
    async with session_factory() as db:
        line = await db.get_one(PaymentScheduleLine, deposit)
    assert line.status == "paid"


async def test_an_unmatched_transfer_matched_to_a_booking_pays_what_it_exactly_covers(
    http, session_factory, make_key
):
    key = await make_key("finance:read", "finance:write")
    booking, (deposit, balance) = await _booking_with_lines(http, key, session_factory)
    exact = await _unmatched(http, key, booking, 1000, "b1")
    odd = await _unmatched(http, key, booking, 123, "b2")
    matched = await http.post(
        f"/v1/finance/bank-transfers/{exact['id']}/match",
        json={"booking_id": booking.id},
        headers=bearer(key),
    )
    loose = await http.post(
        f"/v1/finance/bank-transfers/{odd['id']}/match",
        json={"booking_id": booking.id},
        headers=bearer(key),
    )
    assert matched.status_code == 200, matched.text
    assert (matched.json()["status"], loose.json()["status"]) == ("matched", "matched")
    assert await _kept(session_factory, booking.id) == (2, 1123)
    async with session_factory() as db:
        lines = {x: (await db.get_one(PaymentScheduleLine, x)).status for x in (deposit, balance)}
    assert lines == {deposit: "paid", balance: "due"}


async def test_malformed_match_requests_are_4xx(http, session_factory, make_key):
    key = await make_key("finance:read", "finance:write")
    booking, (deposit, _balance) = await _booking_with_lines(http, key, session_factory)
    transfer = await _unmatched(http, key, booking, 1000, "bad")
    url = f"/v1/finance/bank-transfers/{transfer['id']}/match"
    [card] = await _sessions(http, key, "schedule_line", deposit, 1)
    cases = [
        (url, {}, 422, "validation_error"),
        (url, {"booking_id": booking.id, "payment_session_id": card["id"]}, 422, None),
        (url, {"booking_id": "nope"}, 400, "invalid_id"),
        (url, {"payment_session_id": deposit}, 400, "invalid_id"),
        ("/v1/finance/bank-transfers/xyz/match", {"booking_id": booking.id}, 400, "invalid_id"),
        (
            "/v1/finance/bank-transfers/rbtr_01h455vb4pex5vsknk084sn02q/match",
            {"booking_id": booking.id},
            404,
            "transfer_not_found",
        ),
        (url, {"booking_id": "book_01h455vb4pex5vsknk084sn02q"}, 404, "booking_not_found"),
    ]
    for path, body, status, code in cases:
        resp = await http.post(path, json=body, headers=bearer(key))
        assert resp.status_code == status, (body, resp.text)
        if code:
            assert resp.json()["code"] == code


async def test_malformed_collection_and_guarantee_requests_are_answered_4xx(
    http, session_factory, make_key
):
    key = await make_key("finance:read", "finance:write")
    booking, (deposit, _balance) = await _booking_with_lines(http, key, session_factory)
    other = await f.confirmed_booking(session_factory)
    gid = "bgua_01h455vb4pex5vsknk084sn02q"
    g = f"/v1/finance/bookings/{booking.id}/guarantees"
    s = "/v1/finance/payment-sessions"
    base = {"method": "card", "target_kind": "schedule_line", "idempotency_key": "k"}
    probes: list[tuple[str, str, Any]] = [
        ("post", g, {"kind": "deposit", "amount_minor": 0, "idempotency_key": "a"}),
        ("post", g, {"kind": "bond", "amount_minor": 5, "idempotency_key": "a"}),
        ("post", g, {"kind": "voucher", "amount_minor": 5, "idempotency_key": "a"}),
        ("post", g, {"kind": "deposit", "amount_minor": 10**13, "idempotency_key": "a"}),
        (
            "post",
            g,
            {"kind": "deposit", "amount_minor": 5, "idempotency_key": "a", "expires_at": "x"},
        ),
        (
            "post",
            g,
            {
                "kind": "deposit",
                "amount_minor": 5,
                "idempotency_key": f"naive-{booking.id}",
                "expires_at": "2030-01-01T10:00:00",
            },
        ),
        ("post", "/v1/finance/bookings/book_x/guarantees", {}),
        ("get", "/v1/finance/guarantees/nope", None),
        ("get", f"/v1/finance/guarantees/{gid}", None),
        ("post", f"/v1/finance/guarantees/{gid}/claim", {"reason": "r", "amount_minor": -1}),
        ("post", f"/v1/finance/guarantees/{gid}/release", {"reason": ""}),
        ("post", f"/v1/finance/guarantees/{deposit}/cancel", None),
        ("post", s, {**base, "target_id": "bpsl_zzz"}),
        ("post", s, {**base, "target_id": booking.id}),
        ("post", s, {**base, "target_id": deposit, "amount_minor": 1}),
        ("post", s, {**base, "target_kind": "program", "target_id": deposit}),
        ("post", s, {**base, "target_kind": "reference", "target_id": "o-1", "currency": "usd"}),
        (
            "post",
            s,
            {
                **base,
                "idempotency_key": f"ref-{other.id}",
                "target_kind": "reference",
                "target_id": "o-3",
                "amount_minor": 5,
                "currency": "JPY" if other.currency != "JPY" else "USD",
                "booking_id": other.id,
            },
        ),
        ("get", f"{s}/pses_bad", None),
        (
            "post",
            "/v1/finance/bank-transfers",
            {"transaction_id": "t", "reference": "r", "amount_minor": 5, "currency": "ZZZ"},
        ),
        (
            "post",
            "/v1/finance/bank-transfers",
            {"transaction_id": "t", "reference": "r", "amount_minor": "x", "currency": "EUR"},
        ),
        ("get", "/v1/finance/bookings/bad/payment-reminders", None),
        ("get", f"/v1/finance/bookings/{booking.id}/collection-plan?as_of=never", None),
        (
            "post",
            f"/v1/finance/bookings/{other.id}/payment-schedule",
            {"deposit_percent": 0, "deposit_due": "2030-01-01", "balance_due": "2030-02-01"},
        ),
        ("post", f"/v1/finance/bookings/{other.id}/payment-schedule", {"lines": []}),
        ("patch", f"/v1/finance/payment-schedule-lines/{deposit}", {"amount_minor": None}),
        ("patch", f"/v1/finance/payment-schedule-lines/{deposit}", {"amount_minor": 10**9}),
    ]
    answers = []
    for method, path, body in probes:
        resp = await http.request(method, path, json=body, headers=bearer(key))
        answers.append((path, body, resp.status_code, resp.text[:160]))
    assert [a for a in answers if a[2] >= 500] == []
    past = await http.post(
        g,
        json={
            "kind": "pre_auth",
            "amount_minor": 5,
            "idempotency_key": f"past-{booking.id}",
            "expires_at": "2001-01-01T00:00:00",
        },
        headers=bearer(key),
    )
    assert (past.status_code, past.json()["code"]) == (400, "expires_in_past")


async def test_claiming_part_of_a_paid_deposit_keeps_that_part_and_refunds_the_rest(
    http, session_factory, make_key
):
    key = await make_key("finance:read", "finance:write")
    booking = await f.confirmed_booking(session_factory)
    g = await http.post(
        f"/v1/finance/bookings/{booking.id}/guarantees",
        json={"kind": "deposit", "amount_minor": 700, "idempotency_key": f"pc-{booking.id}"},
        headers=bearer(key),
    )
    pses = await _sessions(http, key, "guarantee", g.json()["id"], 1)
    await _pay_all_at_once(http, key, booking.currency, pses)
    claimed = await http.post(
        f"/v1/finance/guarantees/{g.json()['id']}/claim",
        json={"reason": "damage", "amount_minor": 300},
        headers=bearer(key),
    )
    assert claimed.status_code == 200, claimed.text
    assert (claimed.json()["status"], claimed.json()["claimed_minor"]) == ("claimed", 300)
    assert await _kept(session_factory, booking.id) == (1, 300)


async def test_reminders_sent_are_listed_across_bookings_by_day(
    http, session_factory, make_key, tmp_path
):
    key = await make_key("finance:read")
    writer = await make_key("finance:read", "finance:write")
    _, (deposit, _balance) = await _booking_with_lines(http, writer, session_factory)
    sent_at = datetime(2033, 5, 5, 8, tzinfo=UTC)
    async with unit_of_work(session_factory) as session:
        rid = await reminders.remind_line(
            session, FileNotifier(tmp_path / "n.jsonl"), deposit, as_of=TODAY, now=sent_at
        )
    that_day = await http.get(
        "/v1/finance/payment-reminders", params={"sent_on": "2033-05-05"}, headers=bearer(key)
    )
    next_day = await http.get(
        "/v1/finance/payment-reminders", params={"sent_on": "2033-05-06"}, headers=bearer(key)
    )
    bad = await http.get(
        "/v1/finance/payment-reminders", params={"after": "x"}, headers=bearer(key)
    )
    assert rid is not None
    assert [(x["id"], x["line_id"]) for x in that_day.json()] == [(rid, deposit)]
    assert next_day.json() == []
    assert (bad.status_code, bad.json()["code"]) == (400, "invalid_id")


async def test_unmatched_transfers_are_listed_for_a_person_to_match(
    http, session_factory, make_key
):
    key = await make_key("finance:read", "finance:write")
    booking, _lines = await _booking_with_lines(http, key, session_factory)
    mine = await _unmatched(http, key, booking, 1000, "list")
    seen: list[str] = []
    after = None
    while True:
        params: dict[str, Any] = {"status": "unmatched", "limit": 50}
        if after:
            params["after"] = after
        page = (
            await http.get("/v1/finance/bank-transfers", params=params, headers=bearer(key))
        ).json()
        seen += [x["id"] for x in page]
        if len(page) < 50:
            break
        after = page[-1]["id"]
    odd = await http.get(
        "/v1/finance/bank-transfers", params={"status": "odd"}, headers=bearer(key)
    )
    assert mine["id"] in seen
    assert odd.status_code == 422
