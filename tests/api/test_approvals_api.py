import asyncio
import uuid

import pytest
from sqlalchemy import func, select, update

from domain.approvals.models import Approval
from domain.bookings.models import Booking, BookingActivity, BookingNote
from domain.ids import new_id
from tests.api.conftest import bearer
from tests.support.pii import booking_with_travellers
from tourflow.keyfile import ensure_local_kms_key

POLICY = "agent:confirm,agent:cancel,agent:override,workflow:cancel"


@pytest.fixture
def settings(settings):
    ensure_local_kms_key(settings.resolved_kms_key_file)
    return settings.model_copy(update={"approval_policy": POLICY})


@pytest.fixture
async def agent(make_key):
    return await make_key("bookings:*", "approvals:read", kind="agent", name="agent")


@pytest.fixture
async def approver(make_key):
    return await make_key("approvals:*", kind="staff", name="approver")


@pytest.fixture
async def booking(session_factory):
    booking, _ = await booking_with_travellers(session_factory)
    return booking


def keyed(key, idem=None, approval=None):
    headers = bearer(key)
    if idem:
        headers["Idempotency-Key"] = idem
    if approval:
        headers["Approval-Id"] = approval
    return headers


async def status_of(session_factory, booking_id):
    async with session_factory() as db:
        return await db.scalar(select(Booking.status).where(Booking.id == booking_id))


async def request(http, key, booking, verb="confirm", idem=None, **kw):
    return await http.post(f"/v1/bookings/{booking.id}/{verb}", headers=keyed(key, idem), **kw)


async def requested(http, key, booking, verb="confirm", **kw):
    r = await request(http, key, booking, verb, idem=uuid.uuid4().hex, **kw)
    assert r.status_code == 202, r.text
    return r.json()


async def decide(http, key, approval_id, verdict="approve"):
    return await http.post(
        f"/v1/approvals/{approval_id}/{verdict}", json={"note": "ok"}, headers=bearer(key)
    )


async def ledger(http, key, approval_id):
    r = await http.get(f"/v1/approvals/{approval_id}", headers=bearer(key))
    assert r.status_code == 200
    return r.json()


async def test_a_held_mutation_without_an_idempotency_key_is_400(
    http, agent, booking, session_factory
):
    r = await request(http, agent, booking)
    assert (r.status_code, r.json()["code"]) == (400, "idempotency_key_required")
    assert await status_of(session_factory, booking.id) == "draft"


async def test_request_approve_execute_end_to_end_with_a_linked_ledger(
    http, agent, approver, booking, session_factory
):
    idem = uuid.uuid4().hex
    first = await request(http, agent, booking, idem=idem)
    assert first.status_code == 202
    body = first.json()
    assert body["approval_status"] == "pending" and body["replayed"] is False
    assert first.headers["location"] == f"/v1/approvals/{body['approval_id']}"
    assert await status_of(session_factory, booking.id) == "draft"
    replay = await request(http, agent, booking, idem=idem)
    assert replay.status_code == 202
    assert (replay.json()["action_id"], replay.json()["approval_id"], replay.json()["replayed"]) == (
        body["action_id"], body["approval_id"], True,
    )  # fmt: skip
    approved = await decide(http, approver, body["approval_id"])
    assert (approved.status_code, approved.json()["status"]) == (200, "approved")
    done = await http.post(
        f"/v1/bookings/{booking.id}/confirm", headers=keyed(agent, approval=body["approval_id"])
    )
    assert (done.status_code, done.json()["status"]) == (200, "confirmed")
    again = await http.post(
        f"/v1/bookings/{booking.id}/confirm", headers=keyed(agent, approval=body["approval_id"])
    )
    assert (again.status_code, again.json()["code"]) == (409, "approval_already_executed")
    view = await ledger(http, approver, body["approval_id"])
    assert view["status"] == "executed" and view["action"]["id"] == body["action_id"]
    assert view["action"]["depends_on"] == {"booking_status": "draft"}
    kinds = [(e["kind"], e["action_id"], e["approval_id"]) for e in view["ledger"]]
    link = (body["action_id"], body["approval_id"])
    assert kinds == [
        ("requested", *link),
        ("approved", *link),
        ("executed", *link),
        ("execution_refused", *link),
    ]
    async with session_factory() as db:
        stamped = await db.scalar(
            select(BookingActivity).where(
                BookingActivity.booking_id == booking.id,
                BookingActivity.action == "approval_executed",
            )
        )
    assert stamped.details == {"action_id": body["action_id"], "approval_id": body["approval_id"]}


async def test_the_same_key_with_another_command_is_409_naming_the_existing_action(
    http, agent, booking, session_factory
):
    idem = uuid.uuid4().hex
    body = (await request(http, agent, booking, idem=idem)).json()
    r = await request(http, agent, booking, "cancel", idem=idem)
    assert (r.status_code, r.json()["code"]) == (409, "idempotency_key_conflict")
    assert r.json()["details"] == {
        "action_id": body["action_id"],
        "approval_id": body["approval_id"],
    }
    assert await status_of(session_factory, booking.id) == "draft"


async def test_executing_before_approval_or_after_rejection_is_refused_and_ledgered(
    http, agent, approver, booking, session_factory
):
    body = await requested(http, agent, booking)
    execute = keyed(agent, approval=body["approval_id"])
    r = await http.post(f"/v1/bookings/{booking.id}/confirm", headers=execute)
    assert (r.status_code, r.json()["code"]) == (409, "approval_pending")
    assert (await decide(http, approver, body["approval_id"], "reject")).json()[
        "status"
    ] == "rejected"
    r = await http.post(f"/v1/bookings/{booking.id}/confirm", headers=execute)
    assert (r.status_code, r.json()["code"]) == (409, "approval_rejected")
    r = await decide(http, approver, body["approval_id"])
    assert (r.status_code, r.json()["code"]) == (409, "approval_already_decided")
    assert await status_of(session_factory, booking.id) == "draft"
    kinds = [e["kind"] for e in (await ledger(http, approver, body["approval_id"]))["ledger"]]
    assert kinds == ["requested", "execution_refused", "rejected", "execution_refused"]


async def test_an_expired_approval_cannot_be_decided_or_executed(
    http, agent, approver, booking, session_factory
):
    pending = await requested(http, agent, booking)
    approved = await requested(http, agent, booking)  # a second action, same booking
    assert (await decide(http, approver, approved["approval_id"])).status_code == 200
    async with session_factory() as db, db.begin():
        await db.execute(
            update(Approval).values(expires_at=func.now() - func.make_interval(0, 0, 0, 0, 0, 1))
        )
    r = await decide(http, approver, pending["approval_id"])
    assert (r.status_code, r.json()["code"]) == (409, "approval_expired")
    r = await http.post(
        f"/v1/bookings/{booking.id}/confirm", headers=keyed(agent, approval=approved["approval_id"])
    )
    assert (r.status_code, r.json()["code"]) == (409, "approval_expired")
    assert (await ledger(http, approver, approved["approval_id"]))["status"] == "expired"
    assert await status_of(session_factory, booking.id) == "draft"


async def test_another_principal_cannot_execute_someone_elses_approval(
    http, agent, approver, make_key, booking, session_factory
):
    body = await requested(http, agent, booking)
    await decide(http, approver, body["approval_id"])
    intruder = await make_key("bookings:*", kind="agent", name="intruder")
    r = await http.post(
        f"/v1/bookings/{booking.id}/confirm", headers=keyed(intruder, approval=body["approval_id"])
    )
    assert (r.status_code, r.json()["code"]) == (403, "approval_principal_mismatch")
    assert await status_of(session_factory, booking.id) == "draft"
    refused = (await ledger(http, approver, body["approval_id"]))["ledger"][-1]
    assert refused["kind"] == "execution_refused" and refused["principal_id"] != body["action_id"]
    # The rightful requester still can.
    r = await http.post(
        f"/v1/bookings/{booking.id}/confirm", headers=keyed(agent, approval=body["approval_id"])
    )
    assert r.status_code == 200


async def test_an_approval_only_executes_an_equivalent_command(
    http, agent, approver, booking, session_factory
):
    body = await requested(http, agent, booking)
    await decide(http, approver, body["approval_id"])
    r = await http.post(
        f"/v1/bookings/{booking.id}/cancel", headers=keyed(agent, approval=body["approval_id"])
    )
    assert (r.status_code, r.json()["code"]) == (409, "approval_command_mismatch")
    assert await status_of(session_factory, booking.id) == "draft"


async def test_an_approval_survives_unrelated_edits_to_the_booking(
    http, agent, approver, make_key, booking, session_factory
):
    body = await requested(http, agent, booking)
    async with session_factory() as db, db.begin():
        db.add(BookingNote(booking_id=booking.id, body="customer called about parking"))
        await db.execute(
            update(Booking).where(Booking.id == booking.id).values(external_ref="new-ref")
        )
    [traveller_id] = [t["id"] for t in (await http.get(
        f"/v1/bookings/{booking.id}", headers=bearer(await make_key("bookings:read"))
    )).json()["travellers"][:1]]  # fmt: skip
    r = await http.put(
        f"/v1/bookings/{booking.id}/travellers/{traveller_id}/travel-details",
        json={"dietary_needs": "vegetarian"},
        headers=bearer(await make_key("pii:write")),
    )
    assert r.status_code == 200
    assert (await decide(http, approver, body["approval_id"])).status_code == 200
    r = await http.post(
        f"/v1/bookings/{booking.id}/confirm", headers=keyed(agent, approval=body["approval_id"])
    )
    assert (r.status_code, r.json()["status"]) == (200, "confirmed")


async def test_a_change_of_the_status_it_depends_on_invalidates_it_even_a_round_trip(
    http, agent, approver, make_key, booking, session_factory
):
    body = await requested(http, agent, booking)
    staff = bearer(await make_key("bookings:*"))
    for status in ("cancelled", "draft"):  # away and back: still a change
        r = await http.post(
            f"/v1/bookings/{booking.id}/override",
            json={"status": status, "reason": "desk correction"},
            headers=staff,
        )
        assert r.status_code == 200, r.text
    r = await decide(http, approver, body["approval_id"])
    assert (r.status_code, r.json()["code"]) == (409, "approval_invalidated")
    view = await ledger(http, approver, body["approval_id"])
    assert view["status"] == "invalidated" and view["ledger"][-1]["kind"] == "invalidated"


async def test_a_status_change_after_approval_refuses_the_execution(
    http, agent, approver, make_key, booking, session_factory
):
    body = await requested(http, agent, booking)
    await decide(http, approver, body["approval_id"])
    staff = bearer(await make_key("bookings:*"))
    assert (await http.post(f"/v1/bookings/{booking.id}/cancel", headers=staff)).status_code == 200
    r = await http.post(
        f"/v1/bookings/{booking.id}/confirm", headers=keyed(agent, approval=body["approval_id"])
    )
    assert (r.status_code, r.json()["code"]) == (409, "approval_invalidated")
    assert await status_of(session_factory, booking.id) == "cancelled"
    assert (await ledger(http, approver, body["approval_id"]))["status"] == "invalidated"


async def test_deciding_needs_the_scope_and_nobody_approves_their_own_request(
    http, make_key, booking
):
    agent = await make_key("bookings:*", "approvals:*", kind="agent")
    body = await requested(http, agent, booking)
    r = await decide(http, agent, body["approval_id"])
    assert (r.status_code, r.json()["code"]) == (403, "approval_self_decision")
    r = await decide(http, await make_key("approvals:read"), body["approval_id"])
    assert (r.status_code, r.json()["details"]) == (403, {"scope": "approvals:decide"})


async def test_staff_and_unlisted_actions_are_not_held(http, make_key, booking, session_factory):
    r = await request(http, await make_key("bookings:*"), booking)
    assert (r.status_code, r.json()["status"]) == (200, "confirmed")
    workflow = await make_key("bookings:*", kind="workflow")
    r = await request(http, workflow, booking, "start")
    assert (r.status_code, r.json()["status"]) == (200, "in_progress")
    r = await request(http, workflow, booking, "cancel", idem=uuid.uuid4().hex)
    assert r.status_code == 202
    assert await status_of(session_factory, booking.id) == "in_progress"


async def test_an_override_is_approved_with_its_body_and_only_that_body_executes(
    http, agent, approver, make_key, booking, session_factory
):
    agent = await make_key("bookings:*", "approvals:read", kind="agent", name="overrider")
    command = {"status": "cancelled", "reason": "supplier closed"}
    r = await http.post(
        f"/v1/bookings/{booking.id}/override", json=command, headers=keyed(agent, uuid.uuid4().hex)
    )
    assert r.status_code == 202, r.text
    approval_id = r.json()["approval_id"]
    await decide(http, approver, approval_id)
    path, execute = f"/v1/bookings/{booking.id}/override", keyed(agent, approval=approval_id)
    r = await http.post(path, json={**command, "reason": "something else"}, headers=execute)
    assert (r.status_code, r.json()["code"]) == (409, "approval_command_mismatch")
    r = await http.post(path, json=command, headers=execute)
    assert (r.status_code, r.json()["status"]) == (200, "cancelled")


async def test_an_unreadable_held_override_is_422_and_records_nothing(
    http, agent, approver, booking
):
    r = await http.post(
        f"/v1/bookings/{booking.id}/override",
        json={"status": "nope", "reason": "x"},
        headers=keyed(agent, uuid.uuid4().hex),
    )
    assert (r.status_code, r.json()["code"]) == (422, "validation_error")
    listed = await http.get("/v1/approvals", headers=bearer(approver))
    assert [a for a in listed.json() if a["action"]["target_id"] == booking.id] == []


async def test_malformed_and_unknown_approval_ids_are_400_and_404(http, agent, approver, booking):
    r = await http.post(f"/v1/bookings/{booking.id}/confirm", headers=keyed(agent, approval="junk"))
    assert (r.status_code, r.json()["code"]) == (400, "invalid_id")
    r = await decide(http, approver, new_id("appr"))
    assert (r.status_code, r.json()["code"]) == (404, "approval_not_found")


async def test_a_move_the_status_graph_refuses_is_409_at_once_and_holds_nothing(
    http, agent, approver, make_key, booking
):
    staff = bearer(await make_key("bookings:*"))
    assert (await http.post(f"/v1/bookings/{booking.id}/cancel", headers=staff)).status_code == 200
    r = await request(http, agent, booking, idem=uuid.uuid4().hex)
    assert (r.status_code, r.json()["code"]) == (409, "invalid_transition")
    listed = await http.get("/v1/approvals", headers=bearer(approver))
    assert [a for a in listed.json() if a["action"]["target_id"] == booking.id] == []


async def test_concurrent_executions_of_one_approval_run_the_mutation_once(
    http, agent, approver, booking, session_factory
):
    body = await requested(http, agent, booking)
    await decide(http, approver, body["approval_id"])
    execute = keyed(agent, approval=body["approval_id"])
    responses = await asyncio.gather(
        *(http.post(f"/v1/bookings/{booking.id}/confirm", headers=execute) for _ in range(3))
    )
    assert sorted(r.status_code for r in responses) == [200, 409, 409]
    assert {r.json()["code"] for r in responses if r.status_code == 409} == {
        "approval_already_executed"
    }
    async with session_factory() as db:
        executed = await db.scalar(
            select(func.count())
            .select_from(BookingActivity)
            .where(
                BookingActivity.booking_id == booking.id,
                BookingActivity.action == "status:confirmed",
            )
        )
    assert executed == 1
