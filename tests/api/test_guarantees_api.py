"""Guarantees over HTTP; card-secured kinds go through the simulated processor for real."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from adapters.payments import signing
from adapters.payments.sim_processor import create_sim_app
from api.app import create_app
from domain.finance.payment_models import Payment, Refund
from tests.api.conftest import bearer
from tests.support import finance as f
from tests.support.serving import serve
from tourflow.embedded import free_port
from tourflow.runtime import Runtime
from tourflow.temporal import TemporalClientProvider

SECRET = "guarantee-webhook-secret"


@pytest.fixture
async def api(
    settings, database_url, engine, session_factory, temporal_client
) -> AsyncIterator[str]:
    """tourflow's API and the card processor, both served so webhooks really arrive."""
    async with serve(create_sim_app(SECRET)) as processor:
        port = free_port()
        tuned = settings.model_copy(
            update={
                "payment_processor_url": processor,
                "payment_webhook_secret": SECRET,
                "payment_webhook_base_url": f"http://127.0.0.1:{port}",
            }
        )
        runtime = Runtime(
            settings=tuned,
            database_url=database_url,
            engine=engine,
            session_factory=session_factory,
            temporal=TemporalClientProvider.of(temporal_client),
        )
        async with serve(create_app(runtime), port) as url:
            yield url


async def _guarantee(client: httpx.AsyncClient, key: str, booking_id: str, **body: Any) -> Any:
    body.setdefault("idempotency_key", f.key("g"))
    return await client.post(
        f"/v1/finance/bookings/{booking_id}/guarantees", json=body, headers=bearer(key)
    )


async def _secure_by_card(client: httpx.AsyncClient, key: str, guarantee_id: str) -> Any:
    resp = await client.post(
        "/v1/finance/payment-sessions",
        json={
            "method": "card",
            "target_kind": "guarantee",
            "target_id": guarantee_id,
            "idempotency_key": f.key("gs"),
        },
        headers=bearer(key),
    )
    assert resp.status_code == 201, resp.text
    pses = resp.json()
    assert pses["guarantee_id"] == guarantee_id
    async with httpx.AsyncClient() as proc:
        charged = await proc.post(pses["next_action"]["url"], json={"card_number": "4242"})
    assert charged.json()["webhook"] == {"delivered": True, "status": 200}
    return pses


async def test_a_pre_auth_is_secured_by_an_authorisation_and_claiming_captures_it(
    api, session_factory, make_key
):
    key = await make_key("finance:read", "finance:write")
    booking = await f.confirmed_booking(session_factory)
    async with httpx.AsyncClient(base_url=api) as client:
        created = await _guarantee(client, key, booking.id, kind="pre_auth", amount_minor=8000)
        assert (created.status_code, created.json()["status"]) == (201, "pending")
        gid = created.json()["id"]
        pses = await _secure_by_card(client, key, gid)
        got = (await client.get(f"/v1/finance/guarantees/{gid}", headers=bearer(key))).json()
        session = (
            await client.get(f"/v1/finance/payment-sessions/{pses['id']}", headers=bearer(key))
        ).json()
        # An authorisation moves no money: nothing is recorded yet.
        async with session_factory() as db:
            assert not (
                await db.scalars(select(Payment).where(Payment.booking_id == booking.id))
            ).all()
        claimed = await client.post(
            f"/v1/finance/guarantees/{gid}/claim",
            json={"reason": "no-show", "amount_minor": 5000},
            headers=bearer(key),
        )
        again = await client.post(
            f"/v1/finance/guarantees/{gid}/claim",
            json={"reason": "no-show", "amount_minor": 5000},
            headers=bearer(key),
        )
    assert (got["status"], got["payment_session_id"], got["payment_id"]) == (
        "active",
        pses["id"],
        None,
    )
    assert got["provider"] == "sim" and got["provider_ref"]
    assert (session["status"], session["payment_id"]) == ("succeeded", None)
    assert claimed.status_code == 200, claimed.text
    assert (claimed.json()["status"], claimed.json()["claimed_minor"]) == ("claimed", 5000)
    assert again.json() == claimed.json()
    async with session_factory() as db:
        paid = (await db.scalars(select(Payment).where(Payment.booking_id == booking.id))).all()
    assert [(p.amount_minor, p.method, p.id) for p in paid] == [
        (5000, "card", claimed.json()["payment_id"])
    ]


async def test_a_deposit_guarantee_holds_money_and_releasing_it_refunds_it(
    api, session_factory, make_key
):
    key = await make_key("finance:read", "finance:write")
    booking = await f.confirmed_booking(session_factory)
    async with httpx.AsyncClient(base_url=api) as client:
        gid = (await _guarantee(client, key, booking.id, kind="deposit", amount_minor=3000)).json()[
            "id"
        ]
        await _secure_by_card(client, key, gid)
        secured = (await client.get(f"/v1/finance/guarantees/{gid}", headers=bearer(key))).json()
        released = await client.post(
            f"/v1/finance/guarantees/{gid}/release",
            json={"reason": "tour done"},
            headers=bearer(key),
        )
        late_claim = await client.post(
            f"/v1/finance/guarantees/{gid}/claim", json={"reason": "x"}, headers=bearer(key)
        )
    assert secured["status"] == "active" and secured["payment_id"]
    assert released.json()["status"] == "released"
    assert (late_claim.status_code, late_claim.json()["code"]) == (
        409,
        "invalid_guarantee_transition",
    )
    async with session_factory() as db:
        payment = await db.get_one(Payment, secured["payment_id"])
        refunds = (await db.scalars(select(Refund).where(Refund.payment_id == payment.id))).all()
    assert (payment.amount_minor, payment.refunded_minor) == (3000, 3000)
    assert [r.amount_minor for r in refunds] == [3000]


async def test_document_guarantees_are_active_at_once_and_retries_return_them(
    http, session_factory, make_key
):
    key = await make_key("finance:read", "finance:write")
    booking = await f.confirmed_booking(session_factory)
    body = {"kind": "voucher", "amount_minor": 4000, "reference": "V-99", "idempotency_key": "v-1"}
    first = await _guarantee(http, key, booking.id, **body)
    retry = await _guarantee(http, key, booking.id, **body)
    other = await _guarantee(http, key, booking.id, **{**body, "amount_minor": 1})
    no_number = await _guarantee(http, key, booking.id, kind="agency_letter", amount_minor=10)
    listed = await http.get(f"/v1/finance/bookings/{booking.id}/guarantees", headers=bearer(key))
    voucher_session = await http.post(
        "/v1/finance/payment-sessions",
        json={
            "method": "card",
            "target_kind": "guarantee",
            "target_id": first.json()["id"],
            "idempotency_key": "vs-1",
        },
        headers=bearer(key),
    )
    claimed = await http.post(
        f"/v1/finance/guarantees/{first.json()['id']}/claim",
        json={"reason": "redeemed"},
        headers=bearer(key),
    )
    assert (first.status_code, first.json()["status"]) == (201, "active")
    assert first.json()["secured_at"] and first.json()["currency"] == booking.currency
    assert (retry.status_code, retry.json()["id"]) == (200, first.json()["id"])
    assert (other.status_code, other.json()["code"]) == (409, "idempotency_key_reused")
    assert (no_number.status_code, no_number.json()["code"]) == (400, "reference_required")
    assert [g["id"] for g in listed.json()] == [first.json()["id"]]
    assert (voucher_session.status_code, voucher_session.json()["code"]) == (
        409,
        "guarantee_not_securable",
    )
    assert claimed.json()["status"] == "claimed"
    async with session_factory() as db:
        payment = await db.get_one(Payment, claimed.json()["payment_id"])
    assert (payment.method, payment.amount_minor, payment.booking_id) == (
        "voucher",
        4000,
        booking.id,
    )


async def test_a_pending_guarantee_can_be_cancelled_but_not_released(
    http, session_factory, make_key
):
    key = await make_key("finance:read", "finance:write")
    reader = await make_key("finance:read")
    booking = await f.confirmed_booking(session_factory)
    gid = (await _guarantee(http, key, booking.id, kind="card_on_file", amount_minor=100)).json()[
        "id"
    ]
    release = await http.post(
        f"/v1/finance/guarantees/{gid}/release", json={"reason": "x"}, headers=bearer(key)
    )
    by_transfer = await http.post(
        "/v1/finance/payment-sessions",
        json={
            "method": "bank_transfer",
            "target_kind": "guarantee",
            "target_id": gid,
            "idempotency_key": "cof-bt",
        },
        headers=bearer(key),
    )
    forbidden = await http.post(f"/v1/finance/guarantees/{gid}/cancel", headers=bearer(reader))
    cancelled = await http.post(f"/v1/finance/guarantees/{gid}/cancel", headers=bearer(key))
    soon = datetime.now(UTC) + timedelta(seconds=1)
    expired = (
        await _guarantee(
            http, key, booking.id, kind="pre_auth", amount_minor=100, expires_at=soon.isoformat()
        )
    ).json()["id"]
    await asyncio.sleep((soon - datetime.now(UTC)).total_seconds() + 0.2)
    too_late = await http.post(
        "/v1/finance/payment-sessions",
        json={
            "method": "card",
            "target_kind": "guarantee",
            "target_id": expired,
            "idempotency_key": "late-1",
        },
        headers=bearer(key),
    )
    missing = await http.get(
        "/v1/finance/guarantees/bgua_01m7zp2k4kev8r6dsfb0be1em6", headers=bearer(key)
    )
    assert (release.status_code, release.json()["code"]) == (409, "invalid_guarantee_transition")
    assert forbidden.status_code == 403
    assert cancelled.json()["status"] == "cancelled"
    assert (by_transfer.status_code, by_transfer.json()["code"]) == (400, "invalid_method")
    assert (missing.status_code, missing.json()["code"]) == (404, "guarantee_not_found")
    assert (too_late.status_code, too_late.json()["code"]) == (409, "guarantee_expired")


async def test_a_good_card_after_a_declined_one_on_the_same_page_still_secures_the_deposit(
    api, session_factory, make_key
):
    key = await make_key("finance:read", "finance:write")
    booking = await f.confirmed_booking(session_factory)
    async with httpx.AsyncClient(base_url=api) as client:
        gid = (await _guarantee(client, key, booking.id, kind="deposit", amount_minor=900)).json()[
            "id"
        ]
        resp = await client.post(
            "/v1/finance/payment-sessions",
            json={
                "method": "card",
                "target_kind": "guarantee",
                "target_id": gid,
                "idempotency_key": f.key("gs"),
            },
            headers=bearer(key),
        )
        pses = resp.json()
        async with httpx.AsyncClient() as proc:
            declined = await proc.post(
                pses["next_action"]["url"], json={"card_number": "4000 0000 0000 0002"}
            )
            paid = await proc.post(pses["next_action"]["url"], json={"card_number": "4242"})
        got = (
            await client.get(f"/v1/finance/payment-sessions/{pses['id']}", headers=bearer(key))
        ).json()
        secured = (await client.get(f"/v1/finance/guarantees/{gid}", headers=bearer(key))).json()
    assert (declined.json()["status"], paid.json()["status"]) == ("failed", "succeeded")
    assert paid.json()["webhook"] == {"delivered": True, "status": 200}
    assert (got["status"], got["failure_reason"]) == ("succeeded", None)
    assert (secured["status"], secured["payment_id"]) == ("active", got["payment_id"])
    async with session_factory() as db:
        payment = await db.get_one(Payment, got["payment_id"])
    assert (payment.amount_minor, payment.refunded_minor) == (900, 0)


async def test_a_charge_for_another_amount_is_kept_and_flagged_not_lost(
    api, session_factory, make_key
):
    key = await make_key("finance:read", "finance:write")
    booking = await f.confirmed_booking(session_factory)
    async with httpx.AsyncClient(base_url=api) as client:
        gid = (await _guarantee(client, key, booking.id, kind="deposit", amount_minor=900)).json()[
            "id"
        ]
        pses = (
            await client.post(
                "/v1/finance/payment-sessions",
                json={
                    "method": "card",
                    "target_kind": "guarantee",
                    "target_id": gid,
                    "idempotency_key": f.key("gs"),
                },
                headers=bearer(key),
            )
        ).json()
        event: dict[str, Any] = {
            "id": f"evt_{pses['id']}",
            "type": "charge.succeeded",
            "data": {
                "session_id": pses["provider_ref"],
                "reference": pses["id"],
                "charge_id": "ch_odd",
                "amount_minor": 901,
                "currency": pses["currency"],
            },
        }
        body = json.dumps(event).encode()
        hook = await client.post(
            "/v1/finance/payment-webhooks/sim",
            content=body,
            headers={signing.HEADER: signing.sign(body, SECRET)},
        )
        replay = await client.post(
            "/v1/finance/payment-webhooks/sim",
            content=body,
            headers={signing.HEADER: signing.sign(body, SECRET)},
        )
        got = (
            await client.get(f"/v1/finance/payment-sessions/{pses['id']}", headers=bearer(key))
        ).json()
        auth = json.dumps(
            {**event, "id": f"evt_auth_{pses['id']}", "type": "authorization.succeeded"}
            | {"data": {**event["data"], "amount_minor": 900}}
        ).encode()
        only_authorised = await client.post(
            "/v1/finance/payment-webhooks/sim",
            content=auth,
            headers={signing.HEADER: signing.sign(auth, SECRET)},
        )
        secured = (await client.get(f"/v1/finance/guarantees/{gid}", headers=bearer(key))).json()
    assert (hook.status_code, hook.json()["outcome"]) == (200, "amount_mismatch")
    assert replay.json()["outcome"] == "duplicate"
    assert only_authorised.json()["outcome"] == "intent_mismatch"
    assert got["status"] == "pending"
    assert (secured["status"], secured["payment_id"]) == ("pending", None)
    flags = await f.events(session_factory, pses["id"])
    assert [(e.event_type, e.payload["event_type"]) for e in flags] == [
        ("payment_session.charge_mismatch", "charge.succeeded"),
        ("payment_session.charge_mismatch", "authorization.succeeded"),
    ]
