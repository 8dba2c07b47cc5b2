import asyncio

import pytest
from sqlalchemy import select, text

from adapters.kms import KmsKeyError, LocalKmsProvider
from adapters.kms.local import parse_keyring, rotate_keyring_file, write_keyring
from domain.db import unit_of_work
from domain.errors import NotFound
from domain.pii import service
from domain.pii.audit import Actor
from domain.pii.models import PiiAuditEvent, TravellerTravelDetails
from domain.pii.rotation import rewrap_all
from tests.support.pii import booking_with_travellers, local_kms

ACTOR = Actor("prin_tester", "staff")


@pytest.fixture
def key_file(tmp_path):
    return tmp_path / "kms.key"


@pytest.fixture
def kms(key_file):
    return local_kms(key_file)


async def upsert(factory, kms, booking, traveller, changes, **kw):
    async with unit_of_work(factory) as session:
        return await service.upsert_travel_details(
            session, kms, booking_id=booking.id, traveller_id=traveller.id, changes=changes,
            actor=ACTOR, **kw,
        )  # fmt: skip


async def read(factory, kms, booking, traveller):
    async with unit_of_work(factory) as session:
        details = await service.get_travel_details(
            session, kms, booking_id=booking.id, traveller_id=traveller.id, actor=ACTOR,
            reason="check-in",
        )  # fmt: skip
    return details.values


async def audit_rows(factory, traveller_id):
    async with factory() as session:
        stmt = (
            select(PiiAuditEvent)
            .where(PiiAuditEvent.traveller_id == traveller_id)
            .order_by(PiiAuditEvent.created_at, PiiAuditEvent.id)
        )
        return list((await session.scalars(stmt)).all())


async def test_details_are_stored_as_an_envelope_only_and_every_access_is_audited(
    session_factory, kms
):
    booking, [traveller, _] = await booking_with_travellers(session_factory)
    meta = await upsert(
        session_factory, kms, booking, traveller,
        {"document_number": "XK-PLAIN-778899", "dietary_needs": "no peanuts whatsoever"},
    )  # fmt: skip
    assert (meta.key_id, meta.key_version, meta.values) == ("local", 1, None)
    async with session_factory() as db:
        dump = "\n".join(
            (await db.scalars(text("SELECT t::text FROM traveller_travel_details t"))).all()
        )
    assert "XK-PLAIN-778899" not in dump and "peanuts" not in dump
    values = await read(session_factory, kms, booking, traveller)
    assert values["document_number"] == "XK-PLAIN-778899"
    rows = await audit_rows(session_factory, traveller.id)
    assert [(r.action, r.outcome, r.principal_id) for r in rows] == [
        ("encrypt", "success", "prin_tester"),
        ("decrypt", "success", "prin_tester"),
    ]
    assert rows[1].reason == "check-in" and rows[1].booking_id == booking.id


async def test_an_update_keeps_omitted_fields_and_an_explicit_null_clears(session_factory, kms):
    booking, [traveller, _] = await booking_with_travellers(session_factory)
    await upsert(
        session_factory, kms, booking, traveller, {"nationality": "DE", "dietary_needs": "vegan"}
    )
    await upsert(
        session_factory,
        kms,
        booking,
        traveller,
        {"dietary_needs": None, "date_of_birth": "1990-02-03"},
    )
    values = await read(session_factory, kms, booking, traveller)
    assert (values["nationality"], values["dietary_needs"], values["date_of_birth"]) == (
        "DE", None, "1990-02-03",
    )  # fmt: skip
    # The merge decrypted the old envelope: that read is on the trail too.
    actions = [
        (r.action, r.details.get("purpose"))
        for r in await audit_rows(session_factory, traveller.id)
    ]
    assert actions[:3] == [("encrypt", None), ("decrypt", "merge"), ("encrypt", None)]


async def test_a_snapshot_fills_only_the_gaps_and_its_source_is_recorded(session_factory, kms):
    booking, [traveller, _] = await booking_with_travellers(session_factory)
    await upsert(session_factory, kms, booking, traveller, {"nationality": "DE"})
    snapshot = service.Snapshot(
        "pdoc_123", {"nationality": "FR", "date_of_birth": "1970-01-01", "dietary_needs": "halal"}
    )
    meta = await upsert(
        session_factory, kms, booking, traveller, {"dietary_needs": None}, snapshot=snapshot
    )
    assert meta.source_document_id == "pdoc_123" and meta.snapshot_applied_at is not None
    values = await read(session_factory, kms, booking, traveller)
    assert (values["nationality"], values["date_of_birth"], values["dietary_needs"]) == (
        "DE", "1970-01-01", None,
    )  # fmt: skip
    encrypt = [r for r in await audit_rows(session_factory, traveller.id) if r.action == "encrypt"][
        -1
    ]
    assert encrypt.details["fields_from_snapshot"] == ["date_of_birth"]
    assert encrypt.details["source_document_id"] == "pdoc_123"


async def test_a_traveller_of_another_booking_is_not_found(session_factory, kms):
    booking, _ = await booking_with_travellers(session_factory)
    _, [stranger, _] = await booking_with_travellers(session_factory)
    with pytest.raises(NotFound) as err:
        await upsert(session_factory, kms, booking, stranger, {"nationality": "DE"})
    assert err.value.code == "traveller_not_found"


async def test_delete_removes_the_envelope_and_a_second_delete_is_not_found(session_factory, kms):
    booking, [traveller, _] = await booking_with_travellers(session_factory)
    await upsert(session_factory, kms, booking, traveller, {"nationality": "DE"})
    for attempt in range(2):
        try:
            async with unit_of_work(session_factory) as session:
                await service.delete_travel_details(
                    session, booking_id=booking.id, traveller_id=traveller.id, actor=ACTOR
                )
            assert attempt == 0
        except NotFound as exc:
            assert attempt == 1 and exc.code == "travel_details_not_found"
    assert [r.action for r in await audit_rows(session_factory, traveller.id)] == [
        "encrypt",
        "delete",
    ]


async def test_concurrent_updates_of_one_traveller_both_land(session_factory, kms):
    booking, [traveller, _] = await booking_with_travellers(session_factory)
    await asyncio.gather(
        upsert(session_factory, kms, booking, traveller, {"nationality": "DE"}),
        upsert(session_factory, kms, booking, traveller, {"dietary_needs": "vegan"}),
    )
    values = await read(session_factory, kms, booking, traveller)
    assert (values["nationality"], values["dietary_needs"]) == ("DE", "vegan")


async def test_rotation_rewraps_existing_rows_which_then_still_decrypt(
    session_factory, kms, key_file
):
    booking, travellers = await booking_with_travellers(session_factory, count=3)
    for n, traveller in enumerate(travellers):
        await upsert(session_factory, kms, booking, traveller, {"document_number": f"DOC{n}"})
    rotate_keyring_file(key_file)
    report = await rewrap_all(session_factory, kms, batch_size=2)
    assert (report.current.key_version, report.rewrapped, report.remaining) == (2, 3, 0)
    # Retire version 1: only a rewrapped envelope can still be opened.
    keyring = parse_keyring(key_file.read_text())
    write_keyring(key_file, type(keyring)(keyring.key_id, 2, {2: keyring.versions[2]}))
    fresh = LocalKmsProvider(path=key_file)
    for n, traveller in enumerate(travellers):
        assert (await read(session_factory, fresh, booking, traveller))[
            "document_number"
        ] == f"DOC{n}"
    async with session_factory() as db:
        versions = (await db.scalars(select(TravellerTravelDetails.key_version))).all()
    assert set(versions) == {2}
    rewraps = [
        r for r in await audit_rows(session_factory, travellers[0].id) if r.action == "rewrap"
    ]
    assert rewraps[0].details == {"from_key": "local/1", "to_key": "local/2"}


async def test_an_envelope_under_a_retired_key_fails_loudly_not_silently(
    session_factory, kms, key_file
):
    booking, [traveller, _] = await booking_with_travellers(session_factory)
    await upsert(session_factory, kms, booking, traveller, {"nationality": "DE"})
    keyring = parse_keyring(key_file.read_text()).with_new_version()
    write_keyring(key_file, type(keyring)(keyring.key_id, 2, {2: keyring.versions[2]}))
    with pytest.raises(KmsKeyError) as err:
        await read(session_factory, LocalKmsProvider(path=key_file), booking, traveller)
    assert err.value.code == "kms_key_unknown"
