"""`tourflow demo` as a user runs it, twice, against a running `tourflow up`.

The second run must add a new day (no duplicates, no errors), and both summaries must
match what the API reports and what Temporal holds.
"""

from __future__ import annotations

import asyncio
import json
import signal
import subprocess
import sys
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import httpx
import psutil
from prometheus_client.parser import text_string_to_metric_families
from temporalio.client import Client

from domain.auth.service import create_principal_with_key
from domain.db import unit_of_work
from tests.e2e.test_up import env_for, wait_ready
from tourflow.embedded import free_port
from tourflow.runtime import resolve_runtime
from tourflow.settings import Settings


def series(body: str) -> set[tuple[str, str]]:
    """(name, "label values") of every sample; parsing fails on anything but Prometheus text."""
    return {
        (s.name, " ".join(v for k, v in sorted(s.labels.items()) if k != "le"))
        for family in text_string_to_metric_families(body)
        for s in family.samples
    }


async def staff_key(data_dir: Path) -> str:
    """A key made straight in the stack's embedded database (as `tourflow keys create`)."""
    settings = Settings(data_dir=data_dir)
    async with resolve_runtime(settings) as rt, unit_of_work(rt.session_factory) as session:
        _, key = await create_principal_with_key(
            session, kind="staff", name="checker", scopes=["*:*"]
        )
    return key


async def sim_read(url: str, path: str) -> Any:
    """A read through the sim channel's public API (rate limited and faulted): retry."""
    async with httpx.AsyncClient(base_url=url) as sim:
        for _ in range(100):
            resp = await sim.get(path)
            if resp.status_code == 200:
                return resp.json()
            await asyncio.sleep(0.5)
    raise AssertionError(f"{url}{path} kept failing")


async def settled_health(http: httpx.AsyncClient, channel_id: str) -> dict[str, Any]:
    """The channel's sync health once nothing is in flight (later slot changes push too)."""
    for _ in range(60):
        health: dict[str, Any] = (await http.get(f"/v1/channels/{channel_id}/sync-health")).json()
        if not (health["pending"] or health["failing"]):
            break
        await asyncio.sleep(1)
    return health


def stop_sim_channels(data_dir: Path) -> None:
    """The demo's sim channels outlive it (they stand for outside OTAs): stop ours."""
    for proc in psutil.process_iter(["cmdline"]):
        try:
            if "sim-channel" in " ".join(proc.info["cmdline"] or []) and proc.environ().get(
                "TOURFLOW_DATA_DIR"
            ) == str(data_dir):
                proc.terminate()
        except (psutil.NoSuchProcess, psutil.AccessDenied):
            continue


def demo(env: dict[str, str]) -> dict[str, Any]:
    done = subprocess.run(
        [sys.executable, "-m", "tourflow", "demo", "--no-start", "--json"],
        env=env,
        capture_output=True,
        text=True,
        timeout=240,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    assert "Traceback" not in done.stderr
    summary: dict[str, Any] = json.loads(done.stdout)
    return summary


async def test_the_demo_drives_a_new_day_each_run_and_its_summary_matches_the_system(data_dir):
    ports = {"api": free_port(), "temporal": free_port(), "ui": free_port()}
    env = env_for(data_dir, **ports)
    env["TOURFLOW_PAYMENT_PROCESSOR_URL"] = f"http://127.0.0.1:{free_port()}"
    worker_metrics = free_port()
    env["TOURFLOW_WORKER_METRICS_PORT"] = str(worker_metrics)
    api = f"http://127.0.0.1:{ports['api']}"
    # The stack's output goes to a file: an unread pipe fills up with the day's logs and
    # then blocks the stack's processes mid-request.
    up_log = (data_dir.parent / "up.log").open("wb")
    stack = subprocess.Popen(
        [sys.executable, "-m", "tourflow", "up"],
        env=env,
        stdout=up_log,
        stderr=subprocess.STDOUT,
    )
    try:
        wait_ready(f"{api}/readyz", stack, timeout=90)
        first = demo(env)
        second = demo(env)

        headers = {"Authorization": f"Bearer {await staff_key(data_dir)}"}
        async with httpx.AsyncClient(base_url=api, headers=headers) as http:
            for run in (first, second):
                for booking in run["bookings"]:
                    got = (await http.get(f"/v1/bookings/{booking['id']}")).json()
                    assert (got["status"], got["sell_total_minor"]) == (
                        booking["status"],
                        booking["total_minor"],
                    )
                for note_id in run["credit_notes"]:
                    note = await http.get(f"/v1/finance/credit-notes/{note_id}")
                    assert note.status_code == 200
                quote = run["checks"]["quote"]
                plan = await http.get(f"/v1/quote-versions/{quote['version_id']}/reservation-plan")
                assert (plan.json()["status"], plan.json()["booking_id"]) == (
                    "booked",
                    quote["booking_id"],
                )
                assert {ln["status"] for ln in plan.json()["lines"]} == {"converted"}
                profit = run["checks"]["profitability"]
                got = await http.get(f"/v1/finance/profitability/departures/{profit['slot_id']}")
                eur = next(c for c in got.json()["currencies"] if c["currency"] == "EUR")
                assert eur == profit["EUR"]
                assert eur["actual_cost_minor"] == 27_000 and eur["revenue_minor"] > 0
                octo = await http.get(f"/v1/bookings/{run['checks']['octo']['booking_id']}")
                assert octo.json()["status"] == "confirmed"

                # What each sim channel holds, against the API's sync health.
                for role, pushed in run["checks"]["channels"].items():
                    health = await settled_health(http, pushed["channel_id"])
                    assert (health["pending"], health["failing"], health["abandoned"]) == (0, 0, 0)
                    assert health["flows"]["booking"]["ok"] >= pushed["booking_ok"]
                    held = await sim_read(pushed["sim_url"], "/v1/bookings")
                    keys = {b["idempotency_key"] for b in held["bookings"]}
                    assert set(pushed["sim_day_bookings"]) <= keys, role
                    assert len(pushed["sim_day_bookings"]) >= 6, role
                    slots = (await sim_read(pushed["sim_url"], "/v1/availability"))["slots"]
                    assert set(pushed["day_slots"]) <= set(slots), role

                # The reconciliation found exactly what the demo planted (plus earlier ones).
                recon = run["checks"]["reconciliation"]
                issues = (
                    await http.get("/v1/reconciliation/issues", params={"run_id": recon["run_id"]})
                ).json()
                assert len(issues) == recon["issue_count"]
                found = {(i["booking_ref"], i["issue_type"]) for i in issues}
                assert {tuple(p) for p in recon["planted"]} <= found
                settled = run["checks"]["settlement"]
                got = (await http.get(f"/v1/settlements/runs/{settled['run_id']}")).json()
                assert got["status"] == "posted"
            listed = (await http.get("/v1/bookings", params={"limit": 200})).json()
            api_metrics = series((await http.get("/metrics")).text)
        worker_metrics_text = httpx.get(f"http://127.0.0.1:{worker_metrics}/metrics").text
        temporal = await Client.connect(f"127.0.0.1:{ports['temporal']}")
        for run in (first, second):
            for process in run["processes"]:
                described = await temporal.get_workflow_handle(process["workflow_id"]).describe()
                assert described.workflow_type == process["workflow_type"]
                assert process["url"] == (
                    f"http://127.0.0.1:{ports['ui']}/namespaces/default/workflows/"
                    f"{process['workflow_id']}"
                )
    finally:
        stop_sim_channels(data_dir)
        stack.send_signal(signal.SIGINT)
        stack.wait(timeout=60)
        up_log.close()

    # The second run added a new day: fresh bookings, nothing seeded twice.
    assert date.fromisoformat(second["day"]) == date.fromisoformat(first["day"]) + timedelta(1)
    assert all("(0 new" in s["detail"] for s in second["steps"] if s["step"].startswith("seed"))
    for run in (first, second):
        statuses = sorted(b["status"] for b in run["bookings"])
        assert statuses == ["cancelled"] + ["confirmed"] * 6
        assert len(run["credit_notes"]) == 1
        assert {
            "BookingHold",
            "Reserve",
            "ChannelBookingPush",
            "ChannelReconciliation",
        } <= {p["workflow_type"] for p in run["processes"]}
    # Settling is once per date: the first run waited for approval and approved; a second
    # run the same day finds that run (across midnight it settles the new day itself).
    assert first["checks"]["settlement"]["waited"] is True
    assert "ChannelSettlement" in {p["workflow_type"] for p in first["processes"]}
    assert (
        second["checks"]["settlement"]["run_id"] == first["checks"]["settlement"]["run_id"]
        or second["checks"]["settlement"]["waited"]
    )
    # The sim channels the first run started served the second one too.
    assert [c["url"] for c in first["sim_channels"]] == [c["url"] for c in second["sim_channels"]]
    assert {p["workflow_type"] for p in first["processes"]} >= {"SlotHorizon", "BookingHold"}
    demo_refs = [b["external_ref"] for b in listed if (b["external_ref"] or "").startswith("demo:")]
    assert len(demo_refs) == len(set(demo_refs)) == 10

    # Both processes scrape in Prometheus text format, with the day's traffic in them.
    assert {
        "tourflow_http_request_duration_seconds_count",
        "tourflow_outbox_backlog",
        "tourflow_intent_backlog",
    } <= {name for name, _ in api_metrics}
    assert ("tourflow_http_request_duration_seconds_count", "POST /v1/bookings 201") in api_metrics
    worker_series = series(worker_metrics_text)
    assert ("tourflow_workflow_outcomes_total", "completed BookingHold") in worker_series
    assert ("tourflow_activity_outcomes_total", "bookings.expire_if_due completed") in worker_series
