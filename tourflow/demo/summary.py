"""The end of a run: what was done, the bookings as the API now reports them, the processes."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from rich.console import Console
from rich.table import Table

from tourflow.demo.context import DemoContext


def workflow_link(ui_url: str | None, namespace: str, workflow_id: str) -> str:
    """The Temporal UI page of one workflow (or just its id, without a UI)."""
    if not ui_url:
        return workflow_id
    return f"{ui_url.rstrip('/')}/namespaces/{namespace}/workflows/{workflow_id}"


async def intent_watermark(ctx: DemoContext) -> str | None:
    """When the newest intent before this run was written (the database's clock)."""
    rows = await ctx.get("/v1/ops/intents", limit=1)
    return rows[0]["created_at"] if rows else None


async def processes_started(ctx: DemoContext, watermark: str | None) -> list[dict[str, Any]]:
    """Workflows this run caused: every intent written after the watermark, oldest first."""
    rows: list[dict[str, Any]] = await ctx.get("/v1/ops/intents", limit=500)
    after = datetime.fromisoformat(watermark) if watermark else None
    mine = [r for r in rows if after is None or datetime.fromisoformat(r["created_at"]) > after]
    seen: dict[str, dict[str, Any]] = {}
    for row in reversed(mine):
        seen.setdefault(row["workflow_id"], row)
    return list(seen.values())


async def build(ctx: DemoContext, watermark: str | None, namespace: str) -> dict[str, Any]:
    """The summary as data (`--json` prints it), with bookings re-read from the API."""
    bookings = []
    for booking_id in ctx.bookings:
        row = await ctx.get(f"/v1/bookings/{booking_id}")
        bookings.append(
            {
                "id": row["id"],
                "number": row["number"],
                "status": row["status"],
                "total_minor": row["sell_total_minor"],
                "currency": row["currency"],
                "external_ref": row["external_ref"],
            }
        )
    processes = [
        {
            "workflow_id": p["workflow_id"],
            "workflow_type": p["workflow_type"],
            "intent_status": p["status"],
            "url": workflow_link(ctx.ui_url, namespace, p["workflow_id"]),
        }
        for p in await processes_started(ctx, watermark)
    ]
    return {
        "day": ctx.day.isoformat() if ctx.day else None,
        "steps": [{"step": o.step, "detail": o.detail, "ids": o.ids} for o in ctx.outcomes],
        "bookings": bookings,
        "credit_notes": ctx.credit_notes,
        "checks": ctx.checks,
        "sim_channels": [
            {"channel_id": c["id"], "url": c["sim"].url, "pid": c["sim"].pid}
            for c in ctx.seeded.get("channels", {}).values()
        ],
        "processes": processes,
    }


def render(summary: dict[str, Any], console: Console) -> None:
    """Three tables: steps, bookings, processes with their Temporal UI links."""
    steps = Table(title=f"tourflow demo: {summary['day']}", show_lines=False)
    steps.add_column("step", style="bold")
    steps.add_column("what happened")
    for row in summary["steps"]:
        steps.add_row(row["step"], row["detail"])
    console.print(steps)

    bookings = Table(title="bookings of the day (as the API reports them now)")
    for col in ("number", "status", "total", "reference"):
        bookings.add_column(col)
    for b in summary["bookings"]:
        total = f"{b['currency']} {b['total_minor'] / 100:.2f}"
        bookings.add_row(b["number"], b["status"], total, b["external_ref"] or "")
    console.print(bookings)

    processes = Table(title="processes started (Temporal UI)")
    processes.add_column("workflow")
    processes.add_column("link", overflow="fold")
    for p in summary["processes"]:
        processes.add_row(p["workflow_type"], p["url"])
    console.print(processes)
