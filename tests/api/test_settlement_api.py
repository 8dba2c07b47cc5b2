"""Settlements over HTTP: start a run, nothing posted while it awaits approval, approval
needs `settlements:approve`, then the channel invoice is posted."""

from __future__ import annotations

import asyncio
from typing import Any

from temporalio.client import Client

from domain.db import unit_of_work
from domain.reconciliation.compare import Local
from tests.api.conftest import bearer
from tests.support.distribution import make_channel, make_commission_rule
from tests.support.finance import number_series
from tests.support.reconciliation import channel_bookings
from worker import build_worker

BOOKS = [
    Local("a", "confirmed", 10_000, "EUR", payment_owner="channel"),
    Local("b", "confirmed", 4_000, "EUR", payment_owner="operator"),
]


async def _until(http, url: str, key: str, status: str) -> dict[str, Any]:
    for _ in range(200):
        body: dict[str, Any] = (await http.get(url, headers=bearer(key))).json()
        if body["status"] == status:
            return body
        await asyncio.sleep(0.05)
    raise AssertionError(f"{url} never became {status}")


async def test_a_settlement_is_posted_only_after_an_approver_approves_it(
    http, make_key, session_factory, temporal_client: Client, task_queue
):
    await number_series(session_factory, is_default=True)
    async with unit_of_work(session_factory) as session:
        chan = await make_channel(session)
        await make_commission_rule(session, chan, bps=2000)
        await channel_bookings(session, chan.id, BOOKS)
    staff = await make_key("settlements:read", "settlements:write")
    approver = await make_key("settlements:read", "settlements:approve")
    resp = await http.put(
        f"/v1/settlements/policies/{chan.id}",
        json={"currency": "EUR", "approval_required": True, "remittance_days": 15},
        headers=bearer(staff),
    )
    assert resp.status_code == 200, resp.text
    async with build_worker(temporal_client, session_factory, task_queue=task_queue):
        resp = await http.post(
            "/v1/settlements/runs",
            json={"channel_id": chan.id, "period_start": "2026-10-01", "period_end": "2026-11-01"},
            headers=bearer(staff),
        )
        assert resp.status_code == 202, resp.text
        url = f"/v1/settlements/runs/{resp.json()['id']}"
        run = await _until(http, url, staff, "awaiting_approval")
        assert (run["gross_minor"], run["commission_minor"], run["net_minor"]) == (
            14_000,
            2_800,
            11_200,
        )
        assert run["balance_minor"] == 8_000 - 800 and run["due_date"] == "2026-11-16"
        assert run["invoice_id"] is None and run["payment_id"] is None
        items = (await http.get(f"{url}/items", headers=bearer(staff))).json()
        assert sorted(i["net_minor"] for i in items) == [3_200, 8_000]

        denied = await http.post(f"{url}/approve", json={}, headers=bearer(staff))
        assert denied.status_code == 403 and denied.json()["code"] == "missing_scope"
        resp = await http.post(f"{url}/approve", json={"note": "ok"}, headers=bearer(approver))
        assert resp.status_code == 200, resp.text
        assert resp.json()["status"] in ("approved", "posted")
        posted = await _until(http, url, staff, "posted")
        again = await http.post(f"{url}/reject", json={}, headers=bearer(approver))
    assert posted["invoice_id"] is not None and posted["direction"] == "channel_pays"
    assert again.status_code == 409 and again.json()["code"] == "settlement_not_awaiting_approval"
    invoice = await http.get(
        f"/v1/finance/invoices/{posted['invoice_id']}", headers=bearer(await make_key())
    )
    assert invoice.json()["total_minor"] == 7_200 and invoice.json()["status"] == "issued"


async def test_a_settlement_run_needs_a_policy(http, make_key, session_factory):
    async with unit_of_work(session_factory) as session:
        chan = await make_channel(session)
    resp = await http.post(
        "/v1/settlements/runs",
        json={"channel_id": chan.id, "period_start": "2026-10-01", "period_end": "2026-11-01"},
        headers=bearer(await make_key("settlements:write")),
    )
    assert resp.status_code == 404 and resp.json()["code"] == "settlement_policy_not_found"
