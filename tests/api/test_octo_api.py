"""OCTO reservations are real tourflow bookings: allocations, capacity, holds, links."""

from __future__ import annotations

import asyncio
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from domain.availability.models import AvailabilitySlot
from domain.availability.slots import edit_slot
from domain.bookings.models import Booking, BookingAllocation
from domain.channel_push.models import ChannelAvailabilityPushIntent
from domain.channel_push.subscribers import channel_push_subscribers
from domain.db import unit_of_work
from domain.distribution.channel_bookings import distribution_subscribers
from domain.distribution.models import (
    BookingDistributionDetails,
    Channel,
    ChannelBookingLink,
)
from domain.intents.models import WorkflowIntent
from domain.octo.models import OctoBooking
from domain.outbox.relay import OutboxRelay
from tests.support.channel_push import FAST, connected_channel
from tests.support.distribution import make_allotment_target, make_mapping
from tests.support.octo import OctoWorld, first_slot, octo_world, reseller_key, reserve
from worker import build_worker

URL = "http://127.0.0.1:9"  # never called: only intents are written


async def _get(factory: async_sessionmaker[AsyncSession], model: type, key: str) -> Any:
    async with factory() as session:
        return await session.get(model, key)


async def _vacancies(http, world: OctoWorld, slot_id: str, headers=None) -> dict[str, Any]:
    body = {
        "productId": world.demo.tour_product_id,
        "optionId": world.option_id,
        "availabilityIds": [slot_id],
    }
    response = await http.post("/octo/availability", json=body, headers=headers or world.headers())
    assert response.status_code == 200, response.text
    found: dict[str, Any] = response.json()[0]
    return found


async def test_a_reservation_is_an_on_hold_booking_with_allocations_and_capacity_drops(
    http, session_factory
):
    world = await octo_world(session_factory)
    slot = await first_slot(session_factory, world.option_id)
    response = await reserve(http, world, slot.id, resellerReference="VIATOR-77")
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["status"] == "ON_HOLD" and body["utcExpiresAt"] is not None
    assert body["pricing"]["retail"] == 2 * 3500 + 1500

    booking = await _get(session_factory, Booking, body["id"])
    assert booking.status == "on_hold" and booking.channel_id == world.demo.channel_id
    assert booking.number == body["supplierReference"] and booking.sell_total_minor == 8500
    async with session_factory() as session:
        allocations = (
            await session.scalars(
                select(BookingAllocation).where(BookingAllocation.booking_id == booking.id)
            )
        ).all()
        link = await session.scalar(
            select(ChannelBookingLink).where(ChannelBookingLink.booking_id == booking.id)
        )
        details = await session.scalar(
            select(BookingDistributionDetails).where(
                BookingDistributionDetails.booking_id == booking.id
            )
        )
        intent = await session.scalar(
            select(WorkflowIntent).where(WorkflowIntent.workflow_id == f"booking-hold:{booking.id}")
        )
    assert sum(a.pax for a in allocations) == 3 and {a.status for a in allocations} == {"held"}
    assert (link.direction, link.external_reference, link.external_booking_id) == (
        "inbound",
        "VIATOR-77",
        body["uuid"],
    )
    assert details.source_channel_id == world.demo.channel_id
    assert intent is not None  # the same hold workflow as every held booking
    after = await _get(session_factory, AvailabilitySlot, slot.id)
    assert after.capacity_remaining == (slot.capacity_remaining or 0) - 3
    assert (await _vacancies(http, world, slot.id))["vacancies"] == after.capacity_remaining


async def test_confirm_extend_update_and_cancel_move_the_local_booking(
    http, session_factory, temporal_client, task_queue
):
    world = await octo_world(session_factory)
    first = await first_slot(session_factory, world.option_id)
    second = await first_slot(session_factory, world.option_id, offset=1)
    async with build_worker(temporal_client, session_factory, task_queue=task_queue):
        made = (await reserve(http, world, first.id)).json()
        uuid, h = made["uuid"], world.headers()
        extended = (
            await http.post(
                f"/octo/bookings/{uuid}/extend", json={"expirationMinutes": 120}, headers=h
            )
        ).json()
        assert extended["utcExpiresAt"] > made["utcExpiresAt"]
        moved = await http.patch(
            f"/octo/bookings/{uuid}",
            json={"availabilityId": second.id, "unitItems": [{"unitId": world.adult_id}]},
            headers=h,
        )
        assert moved.status_code == 200, moved.text
        assert moved.json()["availabilityId"] == second.id and len(moved.json()["unitItems"]) == 1
        assert (await _get(session_factory, AvailabilitySlot, first.id)).capacity_remaining == (
            first.capacity_remaining
        )
        assert (await _get(session_factory, AvailabilitySlot, second.id)).capacity_remaining == (
            (second.capacity_remaining or 0) - 1
        )
        confirmed = await http.post(
            f"/octo/bookings/{uuid}/confirm", json={"contact": {"firstName": "Ada"}}, headers=h
        )
        assert confirmed.json()["status"] == "CONFIRMED"
        assert (await _get(session_factory, Booking, made["id"])).status == "confirmed"
        cancelled = await http.post(f"/octo/bookings/{uuid}/cancel", json={}, headers=h)
        assert cancelled.json()["status"] == "CANCELLED"
        again = await http.post(f"/octo/bookings/{uuid}/cancel", json={}, headers=h)
        assert again.status_code == 200  # cancelling twice is a no-op
    assert (await _get(session_factory, Booking, made["id"])).status == "cancelled"
    assert (await _get(session_factory, AvailabilitySlot, second.id)).capacity_remaining == (
        second.capacity_remaining
    )


async def test_a_replayed_uuid_returns_the_same_booking_and_other_resellers_cannot_see_it(
    http, session_factory
):
    world = await octo_world(session_factory)
    slot = await first_slot(session_factory, world.option_id)
    uuid = "0b7f3c52-9d8e-4a61-b2c4-1e5f6a7b8c9d"
    one = (await reserve(http, world, slot.id, uuid=uuid)).json()
    two = (await reserve(http, world, slot.id, uuid=uuid)).json()
    assert one["id"] == two["id"]
    assert (await _get(session_factory, AvailabilitySlot, slot.id)).capacity_remaining == (
        (slot.capacity_remaining or 0) - 3
    )
    _, other_key = await reseller_key(session_factory, kind="marketplace")
    seen = await http.get(
        f"/octo/bookings/{uuid}", headers={"Authorization": f"Bearer {other_key}"}
    )
    assert seen.status_code == 400 and seen.json()["error"] == "INVALID_BOOKING_UUID"


async def test_a_reseller_with_an_allotment_sees_and_sells_only_that_allotment(
    http, session_factory
):
    world = await octo_world(session_factory)
    slot = await first_slot(session_factory, world.option_id)
    async with unit_of_work(session_factory) as session:
        channel = await session.get(Channel, world.demo.channel_id)
        assert channel is not None
        await make_allotment_target(
            session, channel, slot.id, guaranteed=4, guaranteed_capacity=4, max_capacity=4
        )
    seen = await _vacancies(http, world, slot.id)
    assert (seen["status"], seen["vacancies"], seen["capacity"]) == ("AVAILABLE", 4, 4)
    _, other_key = await reseller_key(session_factory)
    other = {"Authorization": f"Bearer {other_key}", "Octo-Capabilities": ""}
    assert (await _vacancies(http, world, slot.id, other))["vacancies"] == (
        slot.capacity_remaining or 0
    ) - 4

    assert (await reserve(http, world, slot.id)).status_code == 200  # 3 of the 4
    seen = await _vacancies(http, world, slot.id)
    assert (seen["status"], seen["vacancies"]) == ("LIMITED", 1)
    refused = await reserve(http, world, slot.id, unitItems=[{"unitId": world.adult_id}] * 2)
    assert refused.status_code == 400 and refused.json()["error"] == "UNPROCESSABLE_ENTITY"
    assert (
        await reserve(http, world, slot.id, unitItems=[{"unitId": world.adult_id}])
    ).status_code == 200
    assert (await _vacancies(http, world, slot.id))["status"] == "SOLD_OUT"


async def test_concurrent_reservations_never_oversell_a_slot(http, session_factory):
    world = await octo_world(session_factory)
    slot = await first_slot(session_factory, world.option_id)
    async with unit_of_work(session_factory) as session:
        await edit_slot(session, slot_id=slot.id, capacity=3)
    one_adult = [{"unitId": world.adult_id}]
    results = await asyncio.gather(
        *(reserve(http, world, slot.id, unitItems=one_adult) for _ in range(6))
    )
    codes = sorted(r.status_code for r in results)
    assert codes == [200, 200, 200, 400, 400, 400]
    assert {r.json()["error"] for r in results if r.status_code == 400} == {"UNPROCESSABLE_ENTITY"}
    after = await _get(session_factory, AvailabilitySlot, slot.id)
    assert (after.capacity_remaining, after.status) == (0, "sold_out")
    async with session_factory() as session:
        assert len((await session.scalars(select(OctoBooking))).all()) == 3


async def test_lower_availability_reaches_other_channels_and_the_booking_is_not_pushed_back(
    http, session_factory, task_queue
):
    world = await octo_world(session_factory)
    slot = await first_slot(session_factory, world.option_id)
    ota = await connected_channel(session_factory, URL)
    async with unit_of_work(session_factory) as session:
        await make_allotment_target(session, ota, slot.id, guaranteed=2)
        await make_mapping(session, ota, world.demo.tour_product_id)
        reseller = await session.get(Channel, world.demo.channel_id)
        assert reseller is not None
        await make_mapping(session, reseller, world.demo.tour_product_id)
    uuid = (await reserve(http, world, slot.id)).json()["uuid"]
    await http.post(f"/octo/bookings/{uuid}/confirm", json={"contact": {}}, headers=world.headers())
    relay = OutboxRelay(
        session_factory, [*channel_push_subscribers(task_queue, FAST), *distribution_subscribers()]
    )
    await relay.drain()
    async with session_factory() as session:
        intents = (
            await session.scalars(
                select(ChannelAvailabilityPushIntent).where(
                    ChannelAvailabilityPushIntent.slot_id == slot.id
                )
            )
        ).all()
        row = await session.scalar(select(OctoBooking).where(OctoBooking.uuid == uuid))
        links = (
            await session.scalars(
                select(ChannelBookingLink).where(ChannelBookingLink.booking_id == row.booking_id)
            )
        ).all()
    assert [i.channel_id for i in intents] == [ota.id]
    by_channel = {(link.channel_id, link.direction) for link in links}
    assert (world.demo.channel_id, "inbound") in by_channel
    assert (world.demo.channel_id, "outbound") not in by_channel
    assert (ota.id, "outbound") in by_channel
