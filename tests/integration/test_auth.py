import pytest
from sqlalchemy import select

from domain.auth.models import ApiKey
from domain.auth.service import authenticate, create_principal_with_key, revoke_key
from domain.db import unit_of_work
from domain.errors import BadRequest, Unauthorized


async def make(session_factory, **overrides):
    fields = {"kind": "staff", "name": "ops", "scopes": ["bookings:read"], **overrides}
    async with unit_of_work(session_factory) as session:
        return await create_principal_with_key(session, **fields)


async def test_a_created_key_authenticates_as_its_principal_and_is_stored_only_as_a_hash(
    session_factory,
):
    principal, key = await make(session_factory, scopes=["bookings:read", "bookings:read", "ops:*"])
    async with unit_of_work(session_factory) as session:
        who = await authenticate(session, key)
        stored = (await session.scalars(select(ApiKey))).one()
    assert (who.id, who.kind, who.scopes) == (principal.id, "staff", ("bookings:read", "ops:*"))
    assert key.split("_", 2)[2] not in stored.secret_hash
    assert stored.last_used_at is not None


async def test_a_wrong_secret_is_refused(session_factory):
    _, key = await make(session_factory)
    async with unit_of_work(session_factory) as session:
        with pytest.raises(Unauthorized) as err:
            await authenticate(session, key[:-2] + ("xx" if not key.endswith("xx") else "yy"))
    assert err.value.code == "invalid_api_key"


async def test_a_revoked_key_is_refused(session_factory):
    _, key = await make(session_factory)
    async with unit_of_work(session_factory) as session:
        key_id = (await session.scalars(select(ApiKey.id))).one()
        assert await revoke_key(session, api_key_id=key_id)
        assert not await revoke_key(session, api_key_id=key_id)
    async with unit_of_work(session_factory) as session:
        with pytest.raises(Unauthorized) as err:
            await authenticate(session, key)
    assert err.value.code == "revoked_api_key"


@pytest.mark.parametrize(
    ("overrides", "code"),
    [
        ({"kind": "robot"}, "invalid_principal_kind"),
        ({"scopes": ["all"]}, "invalid_scope"),
        ({"scopes": []}, "invalid_scope"),
    ],
)
async def test_bad_principal_input_is_refused_and_writes_nothing(session_factory, overrides, code):
    with pytest.raises(BadRequest) as err:
        await make(session_factory, **overrides)
    assert err.value.code == code
    async with session_factory() as s:
        assert (await s.scalars(select(ApiKey))).all() == []
