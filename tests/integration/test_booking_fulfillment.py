import asyncio

import pytest
from sqlalchemy import func, select

from domain.bookings import fulfillments, service
from domain.bookings.fulfillment_models import Fulfillment, Redemption
from domain.bookings.models import BookingActivity, BookingAllocation, BookingItem
from domain.db import unit_of_work
from domain.errors import BadRequest, Conflict, NotFound
from domain.outbox.models import OutboxEvent
from tests.support.bookings import ctx
from tests.support.fulfillment import booked, issued


async def scan(session_factory, code, scan_id, **kw):
    async with unit_of_work(session_factory) as session:
        return await fulfillments.redeem(session, code=code, scan_id=scan_id, ctx=ctx(), **kw)


async def outcome(session_factory, code, scan_id):
    try:
        result = await scan(session_factory, code, scan_id)
    except Conflict as err:
        return err.code
    return "replayed" if result.replayed else "redeemed"


async def events(session_factory, booking_id, prefix="booking.fulfillment_"):
    async with session_factory() as db:
        rows = await db.scalars(
            select(OutboxEvent)
            .where(
                OutboxEvent.aggregate_id == booking_id, OutboxEvent.event_type.startswith(prefix)
            )
            .order_by(OutboxEvent.seq)
        )
        return [(e.event_type, e.payload) for e in rows]


async def actions(session_factory, booking_id):
    async with session_factory() as db:
        rows = await db.scalars(
            select(BookingActivity.action)
            .where(BookingActivity.booking_id == booking_id)
            .order_by(BookingActivity.id)
        )
        return list(rows)


async def count(session_factory, model):
    async with session_factory() as db:
        return await db.scalar(select(func.count()).select_from(model))


async def allocation_statuses(session_factory, booking_id):
    async with session_factory() as db:
        rows = await db.scalars(
            select(BookingAllocation.status).where(BookingAllocation.booking_id == booking_id)
        )
        return list(rows)


async def test_issuing_for_a_confirmed_booking_records_a_code_an_event_and_an_activity_row(
    session_factory,
):
    booking, item = await booked(session_factory)
    f = await issued(session_factory, booking, item, kind="ticket", delivery_channel="wallet")
    assert f.id.startswith("bkfl_") and f.status == "issued" and f.single_use
    assert len(f.code) == 20
    [(event_type, payload)] = await events(session_factory, booking.id)
    assert event_type == "booking.fulfillment_issued"
    assert payload["fulfillment_id"] == f.id and payload["delivery_channel"] == "wallet"
    assert "code" not in payload
    assert (await actions(session_factory, booking.id))[-1] == "fulfillment_issued"


async def test_every_issued_fulfillment_gets_its_own_code(session_factory):
    booking, item = await booked(session_factory)
    codes = {(await issued(session_factory, booking, item)).code for _ in range(5)}
    assert len(codes) == 5


@pytest.mark.parametrize("status", ["draft", "on_hold", "awaiting_payment"])
async def test_issuing_for_a_booking_that_is_not_confirmed_is_refused_and_writes_nothing(
    session_factory, status
):
    booking, item = await booked(session_factory, status=status)
    with pytest.raises(Conflict) as err:
        await issued(session_factory, booking, item)
    assert err.value.code == "booking_not_fulfillable"
    assert await count(session_factory, Fulfillment) == 0
    assert "fulfillment_issued" not in await actions(session_factory, booking.id)


async def test_issuing_for_an_item_of_another_booking_is_a_404(session_factory):
    booking, _ = await booked(session_factory)
    _, other_item = await booked(session_factory)
    with pytest.raises(NotFound) as err:
        await issued(session_factory, booking, other_item)
    assert err.value.code == "booking_item_not_found"


async def test_issuing_for_a_cancelled_item_is_refused(session_factory):
    booking, item = await booked(session_factory)
    async with unit_of_work(session_factory) as session:
        row = await session.get_one(BookingItem, item.id)
        row.status = "cancelled"
    with pytest.raises(Conflict) as err:
        await issued(session_factory, booking, item)
    assert err.value.code == "booking_item_not_active"


async def test_an_unknown_delivery_channel_is_a_400(session_factory):
    booking, item = await booked(session_factory)
    with pytest.raises(BadRequest) as err:
        await issued(session_factory, booking, item, delivery_channel="pigeon")
    assert err.value.code == "invalid_delivery_channel"


async def test_reissuing_supersedes_the_old_fulfillment_with_a_linked_new_code(session_factory):
    booking, item = await booked(session_factory)
    old = await issued(session_factory, booking, item, delivery_channel="email")
    async with unit_of_work(session_factory) as session:
        new = await fulfillments.reissue_fulfillment(
            session,
            booking_id=booking.id,
            fulfillment_id=old.id,
            delivery_channel="sms",
            reason="email bounced",
            ctx=ctx(),
        )
    assert (new.reissue_of_id, new.delivery_channel, new.status) == (old.id, "sms", "issued")
    assert new.code != old.code
    async with session_factory() as db:
        assert (await db.get_one(Fulfillment, old.id)).status == "superseded"
    assert [e for e, _ in await events(session_factory, booking.id)] == [
        "booking.fulfillment_issued",
        "booking.fulfillment_issued",
    ]
    assert (await actions(session_factory, booking.id))[-1] == "fulfillment_reissued"
    with pytest.raises(Conflict) as err:
        await scan(session_factory, old.code, "gate-1")
    assert err.value.code == "fulfillment_not_valid"
    assert (await scan(session_factory, new.code, "gate-1")).fulfillment.id == new.id


async def test_reissuing_a_superseded_fulfillment_is_refused(session_factory):
    booking, item = await booked(session_factory)
    old = await issued(session_factory, booking, item)
    for expected in (None, "fulfillment_not_valid"):
        try:
            async with unit_of_work(session_factory) as session:
                await fulfillments.reissue_fulfillment(
                    session, booking_id=booking.id, fulfillment_id=old.id, ctx=ctx()
                )
            code = None
        except Conflict as err:
            code = err.code
        assert code == expected
    assert await count(session_factory, Fulfillment) == 2


async def test_revoking_needs_a_reason_and_makes_the_code_stop_working(session_factory):
    booking, item = await booked(session_factory)
    f = await issued(session_factory, booking, item)
    with pytest.raises(BadRequest) as err:
        async with unit_of_work(session_factory) as session:
            await fulfillments.revoke_fulfillment(
                session, booking_id=booking.id, fulfillment_id=f.id, reason=" ", ctx=ctx()
            )
    assert err.value.code == "revoke_reason_required"
    async with unit_of_work(session_factory) as session:
        revoked = await fulfillments.revoke_fulfillment(
            session, booking_id=booking.id, fulfillment_id=f.id, reason="fraud", ctx=ctx()
        )
    assert (revoked.status, revoked.revoke_reason) == ("revoked", "fraud")
    assert revoked.revoked_at is not None
    event_type, payload = (await events(session_factory, booking.id))[-1]
    assert (event_type, payload["reason"]) == ("booking.fulfillment_revoked", "fraud")
    async with session_factory() as db:
        entry = await db.scalar(
            select(BookingActivity).where(BookingActivity.action == "fulfillment_revoked")
        )
    assert (entry.reason, entry.actor_id) == ("fraud", "prin_test")
    with pytest.raises(Conflict) as err2:
        await scan(session_factory, f.code, "gate-1")
    assert err2.value.code == "fulfillment_not_valid"


async def test_cancelling_the_booking_revokes_its_fulfillment_so_the_gate_refuses_it(
    session_factory,
):
    booking, item = await booked(session_factory)
    f = await issued(session_factory, booking, item)
    async with unit_of_work(session_factory) as session:
        await service.change_status(session, booking_id=booking.id, target="cancelled", ctx=ctx())
    with pytest.raises(Conflict) as err:
        await scan(session_factory, f.code, "gate-1")
    assert err.value.code == "fulfillment_not_valid"
    assert "fulfillment_revoked" in await actions(session_factory, booking.id)


async def test_redeeming_uses_up_a_single_use_ticket_and_fulfils_the_items_allocations(
    session_factory,
):
    booking, item = await booked(session_factory)
    f = await issued(session_factory, booking, item)
    assert await allocation_statuses(session_factory, booking.id) == ["confirmed"]
    result = await scan(session_factory, f.code.lower(), "gate-1", location="Main gate")
    assert not result.replayed and result.fulfillment.status == "redeemed"
    r = result.redemption
    assert r.id.startswith("bkrd_")
    assert (r.scan_id, r.location, r.redeemed_by) == ("gate-1", "Main gate", "prin_test")
    assert await allocation_statuses(session_factory, booking.id) == ["fulfilled"]
    assert (await actions(session_factory, booking.id))[-1] == "fulfillment_redeemed"


async def test_a_retried_scan_returns_the_same_redemption_and_creates_nothing(session_factory):
    booking, item = await booked(session_factory)
    f = await issued(session_factory, booking, item)
    first = await scan(session_factory, f.code, "gate-1")
    again = await scan(session_factory, f.code, "gate-1")
    assert again.replayed and again.redemption.id == first.redemption.id
    assert await count(session_factory, Redemption) == 1
    assert (await actions(session_factory, booking.id)).count("fulfillment_redeemed") == 1


async def test_a_second_scan_of_a_single_use_ticket_is_already_redeemed(session_factory):
    booking, item = await booked(session_factory)
    f = await issued(session_factory, booking, item)
    await scan(session_factory, f.code, "gate-1")
    with pytest.raises(Conflict) as err:
        await scan(session_factory, f.code, "gate-2")
    assert err.value.code == "already_redeemed"
    assert await count(session_factory, Redemption) == 1


async def test_a_multi_use_pass_is_redeemed_by_every_scan_and_stays_issued(session_factory):
    booking, item = await booked(session_factory)
    f = await issued(session_factory, booking, item, single_use=False)
    for n in range(3):
        result = await scan(session_factory, f.code, f"gate-{n}")
        assert result.fulfillment.status == "issued"
    async with session_factory() as db:
        listed = await fulfillments.list_redemptions(db, booking_id=booking.id)
    assert [r.scan_id for r in listed] == ["gate-0", "gate-1", "gate-2"]


async def test_an_unknown_code_is_a_404(session_factory):
    with pytest.raises(NotFound) as err:
        await scan(session_factory, "NOSUCHCODE", "gate-1")
    assert err.value.code == "fulfillment_not_found"


async def test_twenty_gates_racing_on_one_single_use_ticket_let_exactly_one_in(session_factory):
    booking, item = await booked(session_factory)
    f = await issued(session_factory, booking, item)
    results = await asyncio.gather(
        *(outcome(session_factory, f.code, f"gate-{n}") for n in range(20))
    )
    assert sorted(results) == ["already_redeemed"] * 19 + ["redeemed"]
    assert await count(session_factory, Redemption) == 1
    assert await allocation_statuses(session_factory, booking.id) == ["fulfilled"]


async def test_one_scan_retried_concurrently_redeems_once_and_the_retries_replay_it(
    session_factory,
):
    booking, item = await booked(session_factory)
    f = await issued(session_factory, booking, item)
    results = await asyncio.gather(*(outcome(session_factory, f.code, "gate-1") for _ in range(10)))
    assert sorted(results) == ["redeemed"] + ["replayed"] * 9
    assert await count(session_factory, Redemption) == 1


async def test_tickets_of_one_item_scanned_side_by_side_all_redeem_without_deadlock(
    session_factory,
):
    booking, item = await booked(session_factory, pax=8)
    tickets = [await issued(session_factory, booking, item) for _ in range(8)]
    results = await asyncio.gather(
        *(outcome(session_factory, t.code, f"gate-{n}") for n, t in enumerate(tickets))
    )
    assert results == ["redeemed"] * 8
    assert await allocation_statuses(session_factory, booking.id) == ["fulfilled"]


async def test_a_revoke_racing_a_scan_leaves_one_consistent_outcome(session_factory):
    booking, item = await booked(session_factory)
    f = await issued(session_factory, booking, item)

    async def revoke():
        try:
            async with unit_of_work(session_factory) as session:
                await fulfillments.revoke_fulfillment(
                    session, booking_id=booking.id, fulfillment_id=f.id, reason="lost", ctx=ctx()
                )
        except Conflict as err:
            return err.code
        return "revoked"

    scanned, revoked = await asyncio.gather(outcome(session_factory, f.code, "gate-1"), revoke())
    async with session_factory() as db:
        final = (await db.get_one(Fulfillment, f.id)).status
    assert (scanned, revoked, final) in {
        ("redeemed", "already_redeemed", "redeemed"),
        ("fulfillment_not_valid", "revoked", "revoked"),
    }


async def test_cancelling_a_booking_revokes_its_issued_fulfillments(session_factory):
    from sqlalchemy import select

    from domain.bookings import service
    from domain.bookings.fulfillment_models import Fulfillment
    from domain.bookings.fulfillments import issue_fulfillment
    from domain.bookings.models import BookingItem
    from domain.db import unit_of_work
    from tests.support.bookings import book, ctx, spec_for
    from tests.support.catalog import product_with_option, slot

    _, option = await product_with_option(session_factory)
    s = await slot(session_factory, option, capacity=3)
    booking = await book(session_factory, spec_for(s, pax=1, status="confirmed"))
    async with session_factory() as db:
        item_id = (
            await db.scalars(select(BookingItem.id).where(BookingItem.booking_id == booking.id))
        ).one()
    async with unit_of_work(session_factory) as session:
        await issue_fulfillment(
            session,
            booking_id=booking.id,
            item_id=item_id,
            kind="qr",
            delivery_channel="email",
            ctx=ctx(),
        )
    async with unit_of_work(session_factory) as session:
        await service.change_status(session, booking_id=booking.id, target="cancelled", ctx=ctx())
    async with session_factory() as db:
        rows = (
            await db.scalars(select(Fulfillment).where(Fulfillment.booking_id == booking.id))
        ).all()
    assert [(f.status, f.revoke_reason) for f in rows] == [("revoked", "booking cancelled")]
