"""`tourflow pii rotate-key` then `tourflow pii rewrap`, as an operator runs them."""

from __future__ import annotations

import subprocess
import sys

from sqlalchemy import select

from adapters.kms import LocalKmsProvider
from adapters.kms.local import Keyring, parse_keyring, write_keyring
from domain.db import unit_of_work
from domain.pii import service
from domain.pii.audit import Actor
from domain.pii.models import TravellerTravelDetails
from tests.e2e.test_up import env_for
from tests.support.pii import booking_with_travellers, local_kms
from tourflow.embedded import free_port

ACTOR = Actor("prin_cli_test", "staff")


def tourflow(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "tourflow", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


async def test_rotating_then_rewrapping_moves_every_envelope_to_the_new_key(
    data_dir, database_url, session_factory
):
    key_file = data_dir / "kms.key"
    kms = local_kms(key_file)
    booking, travellers = await booking_with_travellers(session_factory, count=2)
    for traveller in travellers:
        async with unit_of_work(session_factory) as session:
            await service.upsert_travel_details(
                session, kms, booking_id=booking.id, traveller_id=traveller.id,
                changes={"document_number": f"N-{traveller.id[-6:]}"}, actor=ACTOR,
            )  # fmt: skip
    env = env_for(data_dir, api=free_port(), temporal=free_port(), ui=free_port())
    env["TOURFLOW_DATABASE_URL"] = database_url

    rotated = tourflow(env, "pii", "rotate-key")
    assert rotated.returncode == 0, rotated.stderr
    assert "version 2 is current" in rotated.stderr
    rewrapped = tourflow(env, "pii", "rewrap", "--batch-size", "1")
    assert rewrapped.returncode == 0, rewrapped.stderr
    assert "re-wrapped 2 envelope(s) under local/2" in rewrapped.stderr

    async with session_factory() as db:
        assert set((await db.scalars(select(TravellerTravelDetails.key_version))).all()) == {2}
    keyring = parse_keyring(key_file.read_text())
    write_keyring(key_file, Keyring(keyring.key_id, 2, {2: keyring.versions[2]}))
    for traveller in travellers:
        async with unit_of_work(session_factory) as session:
            details = await service.get_travel_details(
                session, LocalKmsProvider(path=key_file), booking_id=booking.id,
                traveller_id=traveller.id, actor=ACTOR, reason="rotation check",
            )  # fmt: skip
        assert details.values is not None
        assert details.values["document_number"] == f"N-{traveller.id[-6:]}"


def test_rotating_an_inline_key_is_refused_in_one_sentence(data_dir):
    env = env_for(data_dir, api=free_port(), temporal=free_port(), ui=free_port())
    env["TOURFLOW_KMS_KEY"] = "A" * 43 + "="
    r = tourflow(env, "pii", "rotate-key")
    assert r.returncode == 1
    assert "TOURFLOW_KMS_KEY is set" in r.stderr and "Traceback" not in r.stderr
