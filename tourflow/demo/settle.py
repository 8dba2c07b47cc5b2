"""Closing the day with the steady channel: reconcile what it reports against our bookings
(after planting two mismatches in its data), then settle its commission, which waits for
an approver.

Runs are per (channel, period start) and periods are calendar days of booking creation,
so a second run on the same date reconciles a period starting one day earlier (overlap is
harmless: reconciliation only compares), while settling is once per date (a period is
never settled twice): a later run that day finds the day's run already approved.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from typing import Any

import httpx

from tourflow.demo.channels import sim_read
from tourflow.demo.context import DemoContext, DemoError, body_of

AMOUNT_SHORT_MINOR = 500  # the channel reports direct-1 this much lower than we pushed
SETTLED = ("approved", "posted")


async def policies(ctx: DemoContext) -> None:
    """The steady channel is reconciled daily (03:00 schedule) and settled on demand in EUR,
    each settlement waiting for an approver."""
    made = 0
    cid = ctx.seeded["channels"]["steady"]["id"]
    for path, body in (
        (
            f"/v1/reconciliation/policies/{cid}",
            {"frequency": "daily", "auto_run": True, "tolerance_minor": 0},
        ),
        (
            f"/v1/settlements/policies/{cid}",
            {
                "currency": "EUR",
                "frequency": "monthly",
                "auto_run": False,
                "approval_required": True,
                "remittance_days": 30,
            },
        ),
    ):
        resp = await ctx.api.get(path)
        if resp.status_code == 404:
            await ctx.put(path, body)
            made += 1
        elif resp.status_code != 200:
            raise DemoError(f"GET {path} answered {resp.status_code}: {resp.text[:200]}")
    ctx.record(
        "seed: reconciliation",
        f"daily reconciliation and approved settlements for the steady channel ({made} new)",
    )


def _today() -> date:
    return datetime.now(UTC).date()


async def _plant(
    sim_url: str, booking_id: str, change: Callable[[dict[str, Any]], dict[str, Any]]
) -> None:
    """Edit our booking as the channel holds it (its admin API), the way its data drifts."""
    async with httpx.AsyncClient(base_url=sim_url, timeout=30) as http:
        rows = (await sim_read(http, "/v1/bookings"))["bookings"]
        mine = [b for b in rows if str(b.get("idempotency_key")).split(":")[1:2] == [booking_id]]
        if len(mine) != 1:
            raise DemoError(f"the channel holds {len(mine)} bookings for {booking_id}, not 1")
        resp = await http.patch(f"/_admin/bookings/{mine[0]['id']}", json=change(mine[0]))
    if resp.status_code != 200:
        raise DemoError(f"the sim channel refused the planted change: {resp.text[:200]}")


async def reconciliation_finds_planted_mismatches(ctx: DemoContext) -> None:
    """The channel's data is altered as a real OTA's drifts: it reports one booking 5 EUR
    short and has cancelled another on its side. The run finds both."""
    steady = ctx.seeded["channels"]["steady"]
    cid, sim_url = steady["id"], steady["sim"].url
    short, gone = ctx.made["direct-1"], ctx.made["direct-3"]
    await _plant(
        sim_url, short["id"], lambda b: {"amount_minor": b["amount_minor"] - AMOUNT_SHORT_MINOR}
    )
    await _plant(sim_url, gone["id"], lambda _: {"status": "cancelled"})

    runs = await ctx.get("/v1/reconciliation/runs", channel_id=cid, limit=200)
    taken = {date.fromisoformat(r["period_start"]) for r in runs}
    start = _today()
    while start in taken:
        start -= timedelta(days=1)
    end = _today() + timedelta(days=1)
    run = await ctx.post(
        "/v1/reconciliation/runs",
        {"channel_id": cid, "period_start": start.isoformat(), "period_end": end.isoformat()},
    )

    async def finished() -> dict[str, Any] | None:
        got: dict[str, Any] = await ctx.get(f"/v1/reconciliation/runs/{run['id']}")
        if got["status"] == "failed":
            raise DemoError(f"reconciliation run {run['id']} failed: {got['error']}")
        return got if got["status"] == "completed" else None

    done = await ctx.wait_for(f"reconciliation run {run['id']}", finished, within=120, every=0.5)
    issues = await ctx.get("/v1/reconciliation/issues", run_id=run["id"], limit=500)
    planted = {(short["id"], "amount_mismatch"), (gone["id"], "cancel_mismatch")}
    found = {(i["booking_ref"], i["issue_type"]) for i in issues}
    if missing := planted - found:
        raise DemoError(f"reconciliation run {run['id']} missed the planted {sorted(missing)}")
    ctx.checks["reconciliation"] = {
        "run_id": run["id"],
        "issue_count": done["issue_count"],
        "planted": sorted([ref, kind] for ref, kind in planted),
    }
    ctx.record(
        "reconciliation",
        f"{done['workflow_id']} compared {done['report_lines']} channel lines with "
        f"{done['local_bookings']} bookings over {start}..{end - timedelta(days=1)}: "
        f"{done['issue_count']} issues: the planted amount_mismatch on {short['number']} "
        f"(channel EUR {AMOUNT_SHORT_MINOR / 100:.2f} short) and cancel_mismatch on "
        f"{gone['number']} (cancelled at the channel)"
        + (f", and {len(found - planted)} still open from earlier runs" if found - planted else ""),
        run=run["id"],
    )


async def settlement_approved(ctx: DemoContext) -> None:
    """Today's settlement with the steady channel computes commission per booking, waits
    for approval, and posts its finance documents once approved."""
    cid = ctx.seeded["channels"]["steady"]["id"]
    today = _today()
    run = await ctx.post(
        "/v1/settlements/runs",
        {
            "channel_id": cid,
            "period_start": today.isoformat(),
            "period_end": (today + timedelta(days=1)).isoformat(),
        },
    )
    rid = run["id"]
    if run["status"] in SETTLED:
        ctx.checks["settlement"] = {"run_id": rid, "waited": False}
        ctx.record(
            "settlement",
            f"today's settlement {rid} was already approved by an earlier run "
            f"({run['item_count']} bookings, commission EUR {run['commission_minor'] / 100:.2f}); "
            "tomorrow's opens tomorrow",
            run=rid,
        )
        return

    async def waiting() -> dict[str, Any] | None:
        got: dict[str, Any] = await ctx.get(f"/v1/settlements/runs/{rid}")
        if got["status"] in ("failed", "rejected", "below_minimum"):
            raise DemoError(f"settlement run {rid} ended {got['status']}")
        return got if got["status"] in ("awaiting_approval", *SETTLED) else None

    pending = await ctx.wait_for(f"settlement run {rid} to compute", waiting, within=120)
    exceptions = await ctx.get(f"/v1/settlements/runs/{rid}/exceptions")
    if pending["status"] == "awaiting_approval":
        approval = {
            "note": "checked against today's reconciliation; the open mismatches go to the channel",
            # Open remittance exceptions (the planted mismatches) block a plain approval.
            "override_exceptions": bool(exceptions),
        }

        async def approved() -> bool:
            # The run's row can say awaiting_approval a moment before its workflow is
            # ready for the decision (409 settlement_not_awaiting_approval): try again.
            path = f"/v1/settlements/runs/{rid}/approve"
            resp = await ctx.api.post(path, json=approval)
            if resp.status_code == 409 and (
                resp.json().get("code") == "settlement_not_awaiting_approval"
            ):
                return False
            body_of(resp, "POST", path)
            return True

        await ctx.wait_for(
            f"settlement run {rid} to take the approval", approved, within=60, every=1
        )

    async def posted() -> dict[str, Any] | None:
        got: dict[str, Any] = await ctx.get(f"/v1/settlements/runs/{rid}")
        if got["status"] == "failed":
            raise DemoError(f"settlement run {rid} failed after approval")
        return got if got["status"] == "posted" else None

    final = await ctx.wait_for(f"settlement run {rid} to post", posted, within=120)
    ctx.checks["settlement"] = {
        "run_id": rid,
        "waited": pending["status"] == "awaiting_approval",
        "status": final["status"],
        "item_count": final["item_count"],
        "commission_minor": final["commission_minor"],
        "net_minor": final["net_minor"],
    }
    ctx.record(
        "settlement",
        f"{final['workflow_id']} waited for approval with {final['item_count']} bookings: "
        f"gross EUR {final['gross_minor'] / 100:.2f}, commission EUR "
        f"{final['commission_minor'] / 100:.2f}, balance EUR {final['balance_minor'] / 100:.2f} "
        f"({final['direction']}), {len(exceptions)} remittance exceptions (the planted "
        "mismatches); approved over them and posted",
        run=rid,
        **({"invoice": final["invoice_id"]} if final["invoice_id"] else {}),
    )
