"""The simulated OTA over real HTTP: storage, idempotency, its rate limit, faults, report."""

from __future__ import annotations

import httpx

from adapters.channels.base import AvailabilityPush, BookingPush, ContentPush
from adapters.channels.http import HttpChannelAdapter
from tests.support.channel_push import SECRET, sim_channel


def booking(key: str = "book:b1:i1:c1") -> BookingPush:
    return BookingPush(
        idempotency_key=key,
        reference="TF-000001",
        product_ref="ext-1",
        rate_ref=None,
        slot_ref="avsl_1",
        start_at="2026-06-01T07:00:00+00:00",
        pax=2,
        amount_minor=10000,
        currency="EUR",
    )


async def test_bookings_are_stored_deduplicated_by_key_served_back_and_cancelled() -> None:
    async with sim_channel() as sim:
        adapter = HttpChannelAdapter(sim.url, SECRET)
        first = await adapter.push_booking(booking())
        again = await adapter.push_booking(booking())
        cancelled = await adapter.cancel_booking(first.external_id or "")
        async with httpx.AsyncClient(base_url=sim.url) as client:
            listed = await client.get("/v1/bookings", headers={"authorization": f"Bearer {SECRET}"})
        await adapter.aclose()
    assert first.kind == "ok" and first.exchange.status_code == 201
    assert again.external_id == first.external_id and again.exchange.status_code == 200
    assert cancelled.external_status == "cancelled"
    assert [b["status"] for b in listed.json()["bookings"]] == ["cancelled"]


async def test_availability_and_content_are_stored_per_slot_and_product() -> None:
    async with sim_channel() as sim:
        adapter = HttpChannelAdapter(sim.url, SECRET)
        for seq, available in ((1, 5), (2, 3)):
            push = AvailabilityPush("avsl_1", "ext-1", None, available, "open", seq)
            assert (await adapter.push_availability(push)).kind == "ok"
        content = ContentPush("ext-1", {"name": "Tour"}, "h1")
        assert (await adapter.push_content(content)).kind == "ok"
        await adapter.aclose()
    assert sim.state.availability["avsl_1"]["available"] == 3
    assert [h["seq"] for h in sim.state.availability_history] == [1, 2]
    assert sim.state.content["ext-1"]["hash"] == "h1"


async def test_a_wrong_secret_is_rejected_and_the_adapter_calls_it_rejected() -> None:
    async with sim_channel() as sim:
        adapter = HttpChannelAdapter(sim.url, "wrong")
        outcome = await adapter.push_booking(booking())
        await adapter.aclose()
    assert outcome.kind == "rejected"
    assert outcome.exchange.status_code == 401


async def test_its_own_rate_limit_answers_429_with_retry_after() -> None:
    async with sim_channel(rate_rps=1, rate_burst=2) as sim:
        adapter = HttpChannelAdapter(sim.url, SECRET)
        outcomes = [await adapter.push_booking(booking(f"k{n}")) for n in range(3)]
        await adapter.aclose()
    assert [o.kind for o in outcomes] == ["ok", "ok", "rate_limited"]
    assert outcomes[2].retry_after is not None and outcomes[2].retry_after >= 1


async def test_faults_are_configurable_at_run_time_downtime_follows_the_simulated_clock() -> None:
    async with sim_channel() as sim:
        adapter = HttpChannelAdapter(sim.url, SECRET)
        await sim.admin("PUT", "/_admin/config", {"fail_next": 1, "fail_status": 502})
        injected = await adapter.push_booking(booking("a"))
        await sim.admin("POST", "/_admin/down", {"seconds": 600})
        down = await adapter.push_booking(booking("b"))
        await sim.admin("POST", "/_admin/clock", {"advance_seconds": 601})
        up = await adapter.push_booking(booking("b"))
        await sim.admin("PUT", "/_admin/config", {"error_rate": 1.0})
        erroring = await adapter.push_booking(booking("c"))
        await adapter.aclose()
    assert (injected.kind, injected.exchange.status_code) == ("retryable", 502)
    assert (down.kind, down.exchange.status_code) == ("retryable", 503)
    assert up.kind == "ok"
    assert erroring.kind == "retryable"
    assert len(sim.state.bookings) == 1


async def test_timeouts_surface_as_retryable_outcomes() -> None:
    async with sim_channel(timeout_rate=1.0, timeout_seconds=0.5) as sim:
        adapter = HttpChannelAdapter(sim.url, SECRET, timeout=httpx.Timeout(0.1))
        outcome = await adapter.push_booking(booking())
        await adapter.aclose()
    assert outcome.kind == "retryable"
    assert outcome.exchange.status_code is None and outcome.error


async def test_the_report_pages_bookings_of_a_period_with_payout_info() -> None:
    async with sim_channel() as sim:
        adapter = HttpChannelAdapter(sim.url, SECRET)
        ids = [(await adapter.push_booking(booking(f"k{n}"))).external_id for n in range(3)]
        await sim.admin(
            "PATCH", f"/_admin/bookings/{ids[0]}", {"payout": {"status": "paid", "net_minor": 9000}}
        )
        created = sim.state.bookings[ids[0] or ""]["created_at"][:10]
        client = httpx.AsyncClient(base_url=sim.url, headers={"authorization": f"Bearer {SECRET}"})
        page1 = (
            await client.get(
                "/report",
                params={"period_start": created, "period_end": created, "page_size": 2},
            )
        ).json()
        page2 = (
            await client.get(
                "/report",
                params={"period_start": created, "period_end": created, "page": 2, "page_size": 2},
            )
        ).json()
        bad = await client.get("/report", params={"period_start": "x"})
        report = await adapter.fetch_report(period_start=created, period_end=created, page=1)
        await client.aclose()
        await adapter.aclose()
    assert (page1["total"], page1["has_more"], len(page1["items"])) == (3, True, 2)
    assert (page2["has_more"], len(page2["items"])) == (False, 1)
    first = next(i for i in page1["items"] + page2["items"] if i["external_booking_id"] == ids[0])
    assert first["payout"] == {"status": "paid", "net_minor": 9000}
    assert {"reference", "status", "amount_minor", "currency"} <= set(first)
    assert bad.status_code == 400
    assert len(report.items) == 3 and not report.has_more
