import asyncio
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select, text

from domain.bookings import records
from domain.bookings.models import Booking, BookingSupplierStatus
from domain.db import unit_of_work
from domain.errors import BadRequest, Conflict, NotFound
from domain.ids import new_id
from tests.support.bookings import ctx
from tests.support.fulfillment import booked


async def note(session_factory, booking_id, body="Guest is vegetarian", **kw):
    async with unit_of_work(session_factory) as session:
        return await records.add_note(
            session,
            booking_id=booking_id,
            body=body,
            visibility=kw.pop("visibility", "internal"),
            ctx=ctx(**kw),
        )


async def request(session_factory, booking, item, supplier_ref="SUP-1", **kw):
    async with unit_of_work(session_factory) as session:
        return await records.request_supplier_status(
            session,
            booking_id=booking.id,
            item_id=item.id,
            supplier_ref=supplier_ref,
            ctx=ctx(),
            **kw,
        )


async def respond(session_factory, booking, status_id, to, **kw):
    async with unit_of_work(session_factory) as session:
        return await records.respond_supplier_status(
            session, booking_id=booking.id, supplier_status_id=status_id, to=to, ctx=ctx(), **kw
        )


async def test_a_note_is_stored_with_its_author_and_leaves_the_booking_row_untouched(
    session_factory,
):
    booking, _ = await booked(session_factory)
    async with session_factory() as db:
        before = await db.get_one(Booking, booking.id)
    n = await note(session_factory, booking.id, body="  Late arrival  ", actor_id="prin_agent")
    assert n.id.startswith("bnot_")
    assert (n.body, n.visibility, n.author_id) == ("Late arrival", "internal", "prin_agent")
    async with session_factory() as db:
        after = await db.get_one(Booking, booking.id)
    assert (after.status, after.updated_at) == (before.status, before.updated_at)


async def test_a_note_goes_through_while_another_transaction_is_updating_the_booking(
    session_factory, engine
):
    booking, _ = await booked(session_factory)
    async with engine.connect() as other:
        # An ordinary UPDATE of the booking takes FOR NO KEY UPDATE on its row: a note, which
        # needs only the foreign key's FOR KEY SHARE, must not wait for it.
        await other.execute(
            text("UPDATE bookings SET buyer_name = 'X' WHERE id = :id"), {"id": booking.id}
        )
        async with unit_of_work(session_factory) as session:
            await session.execute(text("SET LOCAL lock_timeout = '2s'"))
            await records.add_note(
                session, booking_id=booking.id, body="hi", visibility="customer", ctx=ctx()
            )
        await other.rollback()
    async with session_factory() as db:
        assert [n.body for n in await records.list_notes(db, booking_id=booking.id)] == ["hi"]


async def test_notes_list_newest_first_and_filter_by_visibility(session_factory):
    booking, _ = await booked(session_factory)
    await note(session_factory, booking.id, body="first")
    await note(session_factory, booking.id, body="second", visibility="customer")
    await note(session_factory, booking.id, body="third")
    async with session_factory() as db:
        everything = await records.list_notes(db, booking_id=booking.id)
        customer = await records.list_notes(db, booking_id=booking.id, visibility="customer")
    assert [n.body for n in everything] == ["third", "second", "first"]
    assert [n.body for n in customer] == ["second"]


@pytest.mark.parametrize(
    ("body", "visibility", "code"),
    [(" ", "internal", "note_body_required"), ("x", "public", "invalid_visibility")],
)
async def test_a_blank_or_misfiled_note_is_refused(session_factory, body, visibility, code):
    booking, _ = await booked(session_factory)
    with pytest.raises(BadRequest) as err:
        await note(session_factory, booking.id, body=body, visibility=visibility)
    assert err.value.code == code


async def test_a_note_on_an_unknown_booking_is_a_404(session_factory):
    with pytest.raises(NotFound) as err:
        await note(session_factory, new_id("book"))
    assert err.value.code == "booking_not_found"


async def test_the_activity_log_lists_newest_first_with_actor_reason_and_details(
    session_factory,
):
    booking, _ = await booked(session_factory)
    n = await note(session_factory, booking.id, actor_id="prin_agent")
    async with session_factory() as db:
        log = await records.list_activity(db, booking_id=booking.id)
        limited = await records.list_activity(db, booking_id=booking.id, limit=1)
    assert [a.action for a in log] == ["note_added", "status:confirmed", "created"]
    assert (log[0].actor_id, log[0].details) == (
        "prin_agent",
        {"note_id": n.id, "visibility": "internal"},
    )
    assert [a.action for a in limited] == ["note_added"]


async def test_a_supplier_request_can_be_confirmed_with_a_reference(session_factory):
    booking, item = await booked(session_factory)
    due = datetime.now(UTC) + timedelta(days=2)
    asked = await request(session_factory, booking, item, respond_by=due)
    assert asked.id.startswith("bkss_") and asked.status == "requested"
    done = await respond(session_factory, booking, asked.id, "confirmed", confirmation_ref="CNF-9")
    assert (done.status, done.confirmation_ref) == ("confirmed", "CNF-9")
    assert done.responded_at is not None
    async with session_factory() as db:
        actions = [a.action for a in await records.list_activity(db, booking_id=booking.id)]
    assert actions[:2] == ["supplier_status_confirmed", "supplier_status_requested"]


async def test_a_confirmation_without_a_reference_is_refused(session_factory):
    booking, item = await booked(session_factory)
    asked = await request(session_factory, booking, item)
    with pytest.raises(BadRequest) as err:
        await respond(session_factory, booking, asked.id, "confirmed", confirmation_ref=" ")
    assert err.value.code == "confirmation_ref_required"


async def test_a_declined_request_cannot_be_confirmed_later(session_factory):
    booking, item = await booked(session_factory)
    asked = await request(session_factory, booking, item)
    declined = await respond(session_factory, booking, asked.id, "declined", reason="full")
    assert declined.status == "declined" and declined.responded_at is not None
    with pytest.raises(Conflict) as err:
        await respond(session_factory, booking, asked.id, "confirmed", confirmation_ref="C")
    assert (err.value.code, err.value.details) == (
        "invalid_transition",
        {"from": "declined", "to": "confirmed"},
    )


async def test_asking_the_same_supplier_twice_about_one_item_is_a_409(session_factory):
    booking, item = await booked(session_factory)
    await request(session_factory, booking, item)
    with pytest.raises(Conflict) as err:
        await request(session_factory, booking, item)
    assert err.value.code == "supplier_status_exists"
    await request(session_factory, booking, item, supplier_ref="SUP-2")
    async with session_factory() as db:
        listed = await records.list_supplier_statuses(db, booking_id=booking.id)
    assert [s.supplier_ref for s in listed] == ["SUP-1", "SUP-2"]


async def test_concurrent_requests_to_one_supplier_make_one_row(session_factory):
    booking, item = await booked(session_factory)

    async def attempt():
        try:
            await request(session_factory, booking, item)
        except Conflict as err:
            return err.code
        return "ok"

    results = await asyncio.gather(*(attempt() for _ in range(10)))
    assert sorted(results) == ["ok"] + ["supplier_status_exists"] * 9


async def test_a_confirm_racing_a_decline_lets_exactly_one_answer_stand(session_factory):
    booking, item = await booked(session_factory)
    asked = await request(session_factory, booking, item)

    async def answer(to):
        try:
            await respond(session_factory, booking, asked.id, to, confirmation_ref="C")
        except Conflict as err:
            return err.code
        return to

    results = await asyncio.gather(answer("confirmed"), answer("declined"))
    async with session_factory() as db:
        final = (await db.get_one(BookingSupplierStatus, asked.id)).status
    assert sorted(results) == sorted([final, "invalid_transition"])


async def test_an_answer_for_another_bookings_supplier_status_is_a_404(session_factory):
    booking, item = await booked(session_factory)
    other, _ = await booked(session_factory)
    asked = await request(session_factory, booking, item)
    with pytest.raises(NotFound) as err:
        await respond(session_factory, other, asked.id, "declined")
    assert err.value.code == "supplier_status_not_found"
    async with session_factory() as db:
        row = await db.scalar(
            select(BookingSupplierStatus).where(BookingSupplierStatus.id == asked.id)
        )
    assert row.status == "requested"
