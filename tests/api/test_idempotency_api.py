import asyncio
import uuid

from sqlalchemy import func, select, update

from domain.bookings.models import Booking
from domain.idempotency.models import IdempotencyRecord
from tests.api.conftest import bearer


def draft(ref: str, **overrides):
    return {"currency": "EUR", "status": "draft", "external_ref": ref, **overrides}


async def bookings_with_ref(session_factory, ref):
    async with session_factory() as db:
        return await db.scalar(
            select(func.count()).select_from(Booking).where(Booking.external_ref == ref)
        )


def keyed(key: str, idem: str) -> dict[str, str]:
    return {**bearer(key), "Idempotency-Key": idem}


async def test_the_same_key_and_body_replays_the_first_response_and_creates_nothing_new(
    http, make_key, session_factory
):
    key, ref, idem = await make_key("bookings:*"), uuid.uuid4().hex, uuid.uuid4().hex
    first = await http.post("/v1/bookings", json=draft(ref), headers=keyed(key, idem))
    again = await http.post("/v1/bookings", json=draft(ref), headers=keyed(key, idem))
    assert (first.status_code, again.status_code) == (201, 201)
    assert again.json() == first.json()
    assert (
        again.headers["idempotent-replayed"] == "true"
        and "idempotent-replayed" not in first.headers
    )
    assert await bookings_with_ref(session_factory, ref) == 1


async def test_the_same_key_with_another_body_is_409_and_runs_nothing(
    http, make_key, session_factory
):
    key, ref, idem = await make_key("bookings:*"), uuid.uuid4().hex, uuid.uuid4().hex
    assert (
        await http.post("/v1/bookings", json=draft(ref), headers=keyed(key, idem))
    ).status_code == 201
    r = await http.post("/v1/bookings", json=draft(ref, currency="USD"), headers=keyed(key, idem))
    assert (r.status_code, r.json()["code"]) == (409, "idempotency_key_reused")
    assert r.json()["details"]["path"] == "/v1/bookings"
    assert await bookings_with_ref(session_factory, ref) == 1


async def test_keys_belong_to_their_principal(http, make_key, session_factory):
    ref, idem = uuid.uuid4().hex, uuid.uuid4().hex
    for key in (await make_key("bookings:*", name="a"), await make_key("bookings:*", name="b")):
        r = await http.post("/v1/bookings", json=draft(ref), headers=keyed(key, idem))
        assert r.status_code == 201 and "idempotent-replayed" not in r.headers
    assert await bookings_with_ref(session_factory, ref) == 2


async def test_an_expired_key_runs_the_request_again(http, make_key, session_factory):
    key, ref, idem = await make_key("bookings:*"), uuid.uuid4().hex, uuid.uuid4().hex
    first = await http.post("/v1/bookings", json=draft(ref), headers=keyed(key, idem))
    async with session_factory() as db, db.begin():
        await db.execute(
            update(IdempotencyRecord)
            .where(IdempotencyRecord.key == idem)
            .values(expires_at=func.now() - func.make_interval(0, 0, 0, 0, 0, 1))
        )
    again = await http.post("/v1/bookings", json=draft(ref), headers=keyed(key, idem))
    assert again.status_code == 201 and again.json()["id"] != first.json()["id"]
    assert await bookings_with_ref(session_factory, ref) == 2


async def test_concurrent_twins_run_once(http, make_key, session_factory):
    key, ref, idem = await make_key("bookings:*"), uuid.uuid4().hex, uuid.uuid4().hex
    responses = await asyncio.gather(
        *(http.post("/v1/bookings", json=draft(ref), headers=keyed(key, idem)) for _ in range(4))
    )
    statuses = sorted(r.status_code for r in responses)
    assert statuses.count(201) >= 1 and set(statuses) <= {201, 409}
    for r in responses:
        if r.status_code == 409:
            assert r.json()["code"] == "idempotency_request_in_progress"
    assert len({r.json()["id"] for r in responses if r.status_code == 201}) == 1
    assert await bookings_with_ref(session_factory, ref) == 1


async def test_an_error_response_is_replayed_too(http, make_key):
    key = await make_key("bookings:*")
    booking = (await http.post("/v1/bookings", json=draft("x"), headers=bearer(key))).json()
    assert (
        await http.post(f"/v1/bookings/{booking['id']}/cancel", headers=bearer(key))
    ).status_code == 200
    idem = uuid.uuid4().hex
    first = await http.post(f"/v1/bookings/{booking['id']}/confirm", headers=keyed(key, idem))
    again = await http.post(f"/v1/bookings/{booking['id']}/confirm", headers=keyed(key, idem))
    assert (first.status_code, again.status_code) == (409, 409)
    assert again.json() == first.json() and again.headers["idempotent-replayed"] == "true"


async def test_a_malformed_key_is_400_and_an_unauthenticated_request_still_401(http, make_key):
    key = await make_key("bookings:*")
    r = await http.post("/v1/bookings", json=draft("y"), headers=keyed(key, "x" * 256))
    assert (r.status_code, r.json()["code"]) == (400, "invalid_idempotency_key")
    r = await http.post("/v1/bookings", json=draft("y"), headers={"Idempotency-Key": "k1"})
    assert (r.status_code, r.json()["code"]) == (401, "missing_api_key")


async def test_without_a_key_nothing_is_stored(http, make_key, session_factory):
    key, ref = await make_key("bookings:*"), uuid.uuid4().hex
    for _ in range(2):
        assert (
            await http.post("/v1/bookings", json=draft(ref), headers=bearer(key))
        ).status_code == 201
    assert await bookings_with_ref(session_factory, ref) == 2
