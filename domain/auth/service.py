"""Creating principals with keys, and authenticating a presented key."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from domain.auth.keys import generate_key, secret_matches, split_key, validate_scope
from domain.auth.models import PRINCIPAL_KINDS, ApiKey, Principal
from domain.errors import BadRequest, Unauthorized

_TOUCH_EVERY = timedelta(minutes=1)


@dataclass(frozen=True, slots=True)
class AuthenticatedPrincipal:
    """The caller of a request, as route handlers see it."""

    id: str
    kind: str
    name: str
    scopes: tuple[str, ...]
    channel_id: str | None
    api_key_id: str


async def create_principal_with_key(
    session: AsyncSession,
    *,
    kind: str,
    name: str,
    scopes: Sequence[str],
    channel_id: str | None = None,
) -> tuple[Principal, str]:
    """Create a principal and its first key; returns the principal and the plaintext key."""
    if kind not in PRINCIPAL_KINDS:
        raise BadRequest(
            "invalid_principal_kind", f"kind must be one of {', '.join(PRINCIPAL_KINDS)}"
        )
    try:
        clean = sorted({validate_scope(s) for s in scopes})
    except ValueError as exc:
        raise BadRequest("invalid_scope", str(exc)) from exc
    if not clean:
        raise BadRequest("invalid_scope", "a principal needs at least one scope")
    principal = Principal(kind=kind, name=name, scopes=clean, channel_id=channel_id)
    session.add(principal)
    await session.flush()  # no ORM relationship, so insert the parent before the key
    key = generate_key()
    session.add(
        ApiKey(
            principal_id=principal.id, lookup=key.lookup, secret_hash=key.secret_hash, label=name
        )
    )
    await session.flush()
    return principal, key.plaintext


async def authenticate(session: AsyncSession, plaintext: str) -> AuthenticatedPrincipal:
    """Resolve a presented key to its principal, or raise 401 `invalid_api_key`."""
    parts = split_key(plaintext)
    if parts is None:
        raise Unauthorized("invalid_api_key", "the API key is malformed")
    lookup, secret = parts
    row = (
        await session.execute(
            select(ApiKey, Principal)
            .join(Principal, Principal.id == ApiKey.principal_id)
            .where(ApiKey.lookup == lookup)
        )
    ).one_or_none()
    if row is None or not secret_matches(secret, row.ApiKey.secret_hash):
        raise Unauthorized("invalid_api_key", "the API key is not valid")
    key, principal = row.ApiKey, row.Principal
    if key.revoked_at is not None or principal.disabled_at is not None:
        raise Unauthorized("revoked_api_key", "the API key has been revoked")
    # Touch last_used_at at most once a minute so hot keys do not contend on one row.
    await session.execute(
        update(ApiKey)
        .where(
            ApiKey.id == key.id,
            or_(ApiKey.last_used_at.is_(None), ApiKey.last_used_at < func.now() - _TOUCH_EVERY),
        )
        .values(last_used_at=func.now())
    )
    return AuthenticatedPrincipal(
        id=principal.id,
        kind=principal.kind,
        name=principal.name,
        scopes=tuple(principal.scopes),
        channel_id=principal.channel_id,
        api_key_id=key.id,
    )


async def revoke_key(session: AsyncSession, *, api_key_id: str) -> bool:
    """Revoke one key; returns False when it does not exist or was already revoked."""
    result = await session.execute(
        update(ApiKey)
        .where(ApiKey.id == api_key_id, ApiKey.revoked_at.is_(None))
        .values(revoked_at=func.now())
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]
