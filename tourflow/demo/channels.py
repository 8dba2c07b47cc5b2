"""Distribution: two simulated OTA channels, what the operator agreed with them, and the
day's pushes to them under their rate limits.

The channels are `tourflow sim-channel` processes the demo starts on free ports (their
logs go to `<data dir>/demo-sim-<name>.log`). They stand in for outside systems, so they
outlive a run that used an already-running stack: the next run finds them through each
channel's connection and keeps pushing to the same channel state. A run that started the
stack itself stops them with it.
"""

from __future__ import annotations

import asyncio
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

from tourflow.demo.context import DemoContext, DemoError

SIM_READY_SECONDS = 30.0
PUSH_SETTLE_SECONDS = 150.0


@dataclass(frozen=True)
class ChannelSpec:
    """One OTA: our push budget, its own limit and faults, and the commercial terms."""

    name: str
    role: str  # key in ctx.seeded["channels"]
    rate_rps: float  # our budget for pushing to it
    rate_burst: int
    sim_rps: float  # the channel's own limit (429 + Retry-After beyond it)
    sim_burst: int
    error_rate: float  # share of requests the channel answers 500
    latency_ms: int
    commission_bps: int
    product_commission_bps: int  # rule for the day trip
    code: str  # prefix of its product ids


CHANNELS = [
    ChannelSpec(
        name="GetYourTour (simulated OTA)",
        role="steady",
        rate_rps=4,
        rate_burst=4,
        sim_rps=10,
        sim_burst=10,
        error_rate=0.0,
        latency_ms=20,
        commission_bps=2000,
        product_commission_bps=1500,
        code="GYT",
    ),
    ChannelSpec(
        name="Viatorly (simulated OTA, flaky)",
        role="flaky",
        rate_rps=5,
        rate_burst=5,
        sim_rps=2,
        sim_burst=2,
        error_rate=0.2,
        latency_ms=150,
        commission_bps=2500,
        product_commission_bps=2200,
        code="VTR",
    ),
]
GUARANTEED_PER_DEPARTURE = 2
MAX_PER_DEPARTURE = 4
RELEASE_HOURS_BEFORE = 2


@dataclass
class SimChannel:
    """A running simulated channel (started by this run, or found from an earlier one)."""

    url: str
    process: subprocess.Popen[bytes] | None = None

    @property
    def pid(self) -> int | None:
        return self.process.pid if self.process else None


def _named(rows: list[dict[str, Any]], name: str) -> dict[str, Any] | None:
    return next((r for r in rows if r.get("name") == name), None)


async def _answers(url: str) -> bool:
    try:
        async with httpx.AsyncClient(timeout=5) as http:
            return (await http.get(f"{url}/_admin/config")).status_code == 200
    except httpx.HTTPError:
        return False


def _spawn(cmd: list[str], log: Path) -> subprocess.Popen[bytes]:
    """Start a process in its own session (a Ctrl-C of the demo leaves the "outside"
    channel up), logging to `log`."""
    with log.open("ab") as out:
        return subprocess.Popen(cmd, stdout=out, stderr=subprocess.STDOUT, start_new_session=True)


async def _start_sim(ctx: DemoContext, spec: ChannelSpec) -> SimChannel:
    from tourflow.embedded import free_port

    port = free_port()
    log = ctx.settings.resolved_data_dir / f"demo-sim-{spec.code.lower()}.log"
    log.parent.mkdir(parents=True, exist_ok=True)
    proc = _spawn(
        [
            sys.executable, "-m", "tourflow", "sim-channel", "--port", str(port),
            "--rate-rps", str(spec.sim_rps), "--rate-burst", str(spec.sim_burst),
        ],
        log,
    )  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    deadline = asyncio.get_running_loop().time() + SIM_READY_SECONDS
    while not await _answers(url):
        if proc.poll() is not None:
            raise DemoError(f"`tourflow sim-channel` exited with {proc.returncode}; see {log}")
        if asyncio.get_running_loop().time() > deadline:
            proc.kill()
            raise DemoError(f"`tourflow sim-channel` did not answer in {SIM_READY_SECONDS} s")
        await asyncio.sleep(0.2)
    return SimChannel(url, proc)


async def _configure_sim(sim: SimChannel, spec: ChannelSpec) -> None:
    config = {
        "rate_rps": spec.sim_rps,
        "rate_burst": spec.sim_burst,
        "error_rate": spec.error_rate,
        "latency_ms": spec.latency_ms,
        "seed": 13,
    }
    async with httpx.AsyncClient(timeout=30) as http:
        resp = await http.put(f"{sim.url}/_admin/config", json=config)
    if resp.status_code != 200:
        raise DemoError(f"the sim channel at {sim.url} refused its config: {resp.text[:200]}")


async def sim_channels(ctx: DemoContext) -> None:
    """Two OTA channels with our push budgets, each served by a `tourflow sim-channel`
    with its own rate limit; the second one is slow and answers 20 % of requests 500."""
    existing = await ctx.get("/v1/channels", kind="ota")
    made, started = 0, 0
    ctx.seeded["channels"] = {}
    for spec in CHANNELS:
        channel = _named(existing, spec.name)
        if channel is None:
            channel = await ctx.post(
                "/v1/channels",
                {
                    "name": spec.name,
                    "kind": "ota",
                    "rate_rps": spec.rate_rps,
                    "rate_burst": spec.rate_burst,
                },
            )
            made += 1
        cid = channel["id"]
        resp = await ctx.api.get(f"/v1/channels/{cid}/connection")
        url = resp.json()["base_url"] if resp.status_code == 200 else None
        if url and await _answers(url):
            sim = SimChannel(url)
        else:
            sim = await _start_sim(ctx, spec)
            assert sim.process is not None
            ctx.sim_processes.append(sim.process)
            started += 1
            await ctx.put(f"/v1/channels/{cid}/connection", {"base_url": sim.url})
        await _configure_sim(sim, spec)
        ctx.seeded["channels"][spec.role] = {"id": cid, "spec": spec, "sim": sim}
    ctx.record(
        "seed: channels",
        f"{len(CHANNELS)} OTA channels ({made} new), {started} sim channels started",
        **{s["spec"].name: s["sim"].url for s in ctx.seeded["channels"].values()},
    )


async def channel_terms(ctx: DemoContext) -> None:
    """Per channel: an active contract, a commission rule for the day trip, a mapping per
    product, a product allotment with its automatic release rule."""
    made = 0
    for entry in ctx.seeded["channels"].values():
        spec: ChannelSpec = entry["spec"]
        cid = entry["id"]
        contracts = await ctx.get(f"/v1/channels/{cid}/contracts")
        contract = next((c for c in contracts if c["status"] == "active"), None)
        if contract is None:
            contract = await ctx.post(
                f"/v1/channels/{cid}/contracts",
                {
                    "commission_bps": spec.commission_bps,
                    "payment_owner": "operator",
                    "cancellation_owner": "operator",
                    "notes": "demo: net rates, commission invoiced monthly",
                },
            )
            made += 1
        entry["contract_id"] = contract["id"]
        mappings = {m["product_id"]: m for m in await ctx.get(f"/v1/channels/{cid}/mappings")}
        rules = await ctx.get(f"/v1/channels/{cid}/commission-rules")
        allotments = {a["product_id"]: a for a in await ctx.get(f"/v1/channels/{cid}/allotments")}
        entry["allotments"] = {}
        for n, product in enumerate(ctx.seeded["products"]):
            pid = product["product_id"]
            if pid not in mappings:
                await ctx.post(
                    f"/v1/channels/{cid}/mappings",
                    {
                        "product_id": pid,
                        "option_id": product["option_id"],
                        "external_product_id": f"{spec.code}-LIS-{n + 1:03}",
                    },
                )
                made += 1
            if n == 1 and not any(r["scope"] == "product" for r in rules):
                await ctx.post(
                    f"/v1/channels/{cid}/commission-rules",
                    {
                        "contract_id": contract["id"],
                        "scope": "product",
                        "scope_ref": pid,
                        "kind": "percentage",
                        "bps": spec.product_commission_bps,
                    },
                )
                made += 1
            allotment = allotments.get(pid)
            if allotment is None:
                allotment = await ctx.post(
                    f"/v1/channels/{cid}/allotments",
                    {
                        "product_id": pid,
                        "option_id": product["option_id"],
                        "guaranteed_capacity": GUARANTEED_PER_DEPARTURE,
                        "max_capacity": MAX_PER_DEPARTURE,
                    },
                )
                await ctx.put(
                    f"/v1/allotments/{allotment['id']}/release-rule",
                    {
                        "mode": "automatic",
                        "offset_unit": "hours",
                        "offset_value": RELEASE_HOURS_BEFORE,
                        "unsold_action": "release_to_general_pool",
                    },
                )
                made += 1
            entry["allotments"][pid] = allotment["id"]
    ctx.record(
        "seed: distribution",
        f"contracts, commission rules, mappings, allotments ({GUARANTEED_PER_DEPARTURE} "
        f"guaranteed per departure, released {RELEASE_HOURS_BEFORE} h before) ({made} new)",
    )


async def allot_the_day(ctx: DemoContext) -> None:
    """Each channel's allotments target the day's departures (carved from the general pool)."""
    targets = 0
    for entry in ctx.seeded["channels"].values():
        for product in ctx.seeded["products"]:
            aid = entry["allotments"][product["product_id"]]
            for slot in product["slots"].values():
                await ctx.post(f"/v1/allotments/{aid}/targets", {"slot_id": slot["id"]})
                targets += 1
    ctx.record(
        "allotments",
        f"{targets} departure targets, {GUARANTEED_PER_DEPARTURE} seats each held for the channels",
    )


async def sim_read(http: httpx.AsyncClient, path: str) -> Any:
    """GET through the channel's public API, which rate-limits and faults like any other
    request: wait out 429s and retry 500s."""
    for _ in range(60):
        resp = await http.get(path)
        if resp.status_code == 200:
            return resp.json()
        await asyncio.sleep(min(float(resp.headers.get("Retry-After", "0.3")), 2.0))
    raise DemoError(f"the sim channel kept refusing GET {path}")


async def _sim_state(sim: SimChannel) -> dict[str, Any]:
    """What the channel holds, and every request it answered (its admin view)."""
    async with httpx.AsyncClient(base_url=sim.url, timeout=30) as http:
        requests = (await http.get("/_admin/requests")).json()["requests"]
        bookings = (await sim_read(http, "/v1/bookings"))["bookings"]
        slots = (await sim_read(http, "/v1/availability"))["slots"]
    return {"requests": requests, "bookings": bookings, "slots": slots}


async def pushes_under_rate_limits(ctx: DemoContext) -> None:
    """The day's bookings and seat changes reach both channels: tourflow spends each
    channel's budget, backs off on 429s and retries the flaky one's 500s until every push
    is delivered. The summary compares what each channel holds with its sync health."""
    ctx.checks["channels"] = {}
    for role, entry in ctx.seeded["channels"].items():
        cid, spec, sim = entry["id"], entry["spec"], entry["sim"]

        async def settled(cid: str = cid) -> dict[str, Any] | None:
            health: dict[str, Any] = await ctx.get(f"/v1/channels/{cid}/sync-health")
            busy = health["pending"] or health["failing"]
            return None if busy else health

        health = await ctx.wait_for(
            f"the pushes to {spec.name} to settle", settled, within=PUSH_SETTLE_SECONDS, every=1
        )
        state = await _sim_state(sim)
        codes = [r.get("status") for r in state["requests"]]
        mine = [b for b in state["bookings"] if _is_demo_booking(ctx, b)]
        day_slots = sorted(s["id"] for p in ctx.seeded["products"] for s in p["slots"].values())
        if missing := set(day_slots) - set(state["slots"]):
            raise DemoError(f"{spec.name} never got the availability of {sorted(missing)}")
        booking_flow = health["flows"]["booking"]
        ctx.checks["channels"][role] = {
            "channel_id": cid,
            "sim_url": sim.url,
            "sim_bookings": len(state["bookings"]),
            "sim_day_bookings": sorted(str(b.get("idempotency_key")) for b in mine),
            "sim_slots": sorted(state["slots"]),
            "day_slots": day_slots,
            "booking_ok": booking_flow["ok"],
            "abandoned": health["abandoned"],
        }
        ctx.record(
            f"pushes: {spec.code}",
            f"{spec.name}: holds {len(state['bookings'])} bookings "
            f"({len(mine)} of today) and seats of {len(state['slots'])} departures; "
            f"sync-health booking ok {booking_flow['ok']}, "
            f"availability ok {health['flows']['availability']['ok']}, pending "
            f"{health['pending']}, failing {health['failing']}, abandoned {health['abandoned']}, "
            f"lag p95 {_ms(health['push_lag_ms_p95'])}; the channel answered "
            f"429 {codes.count(429)} times and 500 {codes.count(500)} times (all retried)",
            channel=cid,
        )


def _is_demo_booking(ctx: DemoContext, booking: dict[str, Any]) -> bool:
    key = str(booking.get("idempotency_key") or "")
    parts = key.split(":")
    return len(parts) >= 2 and parts[1] in ctx.bookings


def _ms(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.0f} ms"
