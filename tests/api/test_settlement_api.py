"""Settlements over HTTP: start a run, nothing posted while it awaits approval, approval
needs `settlements:approve`, then the channel invoice is posted; an overlapping manual run
is refused, and open remittance exceptions block approval until resolved or overridden."""

from __future__ import annotations

import asyncio
from typing import Any

from temporalio.client import Client

from domain.db import unit_of_work
from domain.reconciliation.compare import Local
from domain.settlement import service
from domain.settlement.models import SettlementPolicy
from tests.api.conftest import bearer
from tests.support.distribution import make_channel, make_commission_rule
from tests.support.finance import number_series
from tests.support.reconciliation import (
    PERIOD_END,
    PERIOD_START,
    channel_bookings,
    money_issue,
)
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


async def _awaiting_run(session_factory, *, with_issue: bool = False) -> tuple[str, str]:
    """A channel with a computed October run awaiting approval; (channel id, run id)."""
    async with unit_of_work(session_factory) as session:
        chan = await make_channel(session)
        await make_commission_rule(session, chan, bps=1000)
        session.add(SettlementPolicy(channel_id=chan.id, currency="EUR"))
        await channel_bookings(session, chan.id, BOOKS)
        if with_issue:
            await money_issue(session, chan.id)
        run = await service.open_run(
            session, channel_id=chan.id, period_start=PERIOD_START, period_end=PERIOD_END
        )
        run = await service.compute(session, run_id=run.id)
        assert run.status == "awaiting_approval"
    return chan.id, run.id


async def test_a_manual_run_overlapping_a_live_run_is_refused(http, make_key, session_factory):
    chan, run_id = await _awaiting_run(session_factory)
    resp = await http.post(
        "/v1/settlements/runs",
        json={"channel_id": chan, "period_start": "2026-10-15", "period_end": "2026-11-15"},
        headers=bearer(await make_key("settlements:write")),
    )
    assert resp.status_code == 409, resp.text
    assert resp.json()["code"] == "settlement_period_overlap"
    assert run_id in resp.text


async def test_open_remittance_exceptions_block_approval_until_resolved(
    http, make_key, session_factory
):
    _, run_id = await _awaiting_run(session_factory, with_issue=True)
    url = f"/v1/settlements/runs/{run_id}"
    reader = await make_key("settlements:read")
    writer = await make_key("settlements:read", "settlements:write")
    approver = await make_key("settlements:read", "settlements:approve")
    [exc] = (await http.get(f"{url}/exceptions", headers=bearer(reader))).json()
    assert (exc["status"], exc["amount_minor"], exc["resolved_by"]) == ("open", -200, None)

    refused = await http.post(f"{url}/approve", json={}, headers=bearer(approver))
    assert refused.status_code == 409 and refused.json()["code"] == "settlement_open_exceptions"

    resolve = f"{url}/exceptions/{exc['id']}/resolve"
    denied = await http.post(resolve, json={}, headers=bearer(reader))
    assert denied.status_code == 403 and denied.json()["code"] == "missing_scope"
    missing = await http.post(
        f"{url}/exceptions/chre_01h455vb4pex5vsknk084sn02q/resolve",
        json={},
        headers=bearer(writer),
    )
    assert missing.status_code == 404
    assert missing.json()["code"] == "remittance_exception_not_found"
    done = await http.post(resolve, json={"note": "short-paid, chased"}, headers=bearer(writer))
    assert done.status_code == 200, done.text
    assert (done.json()["status"], done.json()["resolution_note"]) == (
        "resolved",
        "short-paid, chased",
    )
    assert done.json()["resolved_by"] is not None
    again = await http.post(resolve, json={}, headers=bearer(writer))
    assert again.status_code == 200 and again.json()["resolved_at"] == done.json()["resolved_at"]
    run = (await http.get(url, headers=bearer(reader))).json()
    assert (run["status"], run["exceptions_overridden"]) == ("awaiting_approval", False)
