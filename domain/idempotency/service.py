"""Claiming an Idempotency-Key, storing the response, replaying it.

Each call runs in its own short transaction (the caller's unit of work), never the
request's: the claim must be visible to a concurrent twin before the request runs.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from domain.errors import Conflict
from domain.idempotency.models import IdempotencyRecord
from domain.ids import new_id

# How long an unfinished request owns its key; after that a retry may take it over.
LEASE = timedelta(minutes=2)


def request_fingerprint(method: str, path: str, query: bytes, body: bytes) -> str:
    """SHA-256 over what makes two requests "the same request"."""
    digest = hashlib.sha256()
    for part in (method.encode(), path.encode(), query, body):
        digest.update(len(part).to_bytes(8, "big"))
        digest.update(part)
    return digest.hexdigest()


@dataclass(frozen=True, slots=True)
class StoredResponse:
    """A response to replay."""

    status: int
    headers: dict[str, str]
    body: bytes


@dataclass(frozen=True, slots=True)
class Claim:
    """Either this request owns the key (`record_id`) or there is a response to replay."""

    record_id: str | None = None
    replay: StoredResponse | None = None


async def claim(
    session: AsyncSession,
    *,
    principal_id: str,
    key: str,
    fingerprint: str,
    method: str,
    path: str,
    ttl: timedelta,
    now: datetime,
) -> Claim:
    """Claim `key` for this request, or find its stored response; 409 on misuse.

    409 `idempotency_key_reused`: the key was used for a different request.
    409 `idempotency_request_in_progress`: the same request is still running.
    """
    fields = {
        "fingerprint": fingerprint,
        "method": method,
        "path": path[:2000],
        "state": "in_progress",
        "locked_until": now + LEASE,
        "expires_at": now + ttl,
        "response_status": None,
        "response_headers": None,
        "response_body": None,
    }
    record_id = new_id(IdempotencyRecord.id_prefix)
    inserted = await session.scalar(
        insert(IdempotencyRecord)
        .values(id=record_id, principal_id=principal_id, key=key, **fields)
        .on_conflict_do_nothing(index_elements=["principal_id", "key"])
        .returning(IdempotencyRecord.id)
    )
    if inserted is not None:
        await purge_expired(session, now=now)
        return Claim(record_id=inserted)
    row = await session.scalar(
        select(IdempotencyRecord)
        .where(IdempotencyRecord.principal_id == principal_id, IdempotencyRecord.key == key)
        .with_for_update()
    )
    assert row is not None  # the conflicting row exists; keys are only deleted when expired
    abandoned = row.state == "in_progress" and row.locked_until <= now
    if row.expires_at <= now or (abandoned and row.fingerprint == fingerprint):
        for name, value in fields.items():
            setattr(row, name, value)
        await session.flush()
        return Claim(record_id=row.id)
    if row.fingerprint != fingerprint:
        raise Conflict(
            "idempotency_key_reused",
            "this Idempotency-Key was already used for a different request",
            method=row.method,
            path=row.path,
        )
    if row.state == "in_progress" or row.response_status is None:
        raise Conflict(
            "idempotency_request_in_progress",
            "a request with this Idempotency-Key is still being processed; retry later",
        )
    return Claim(
        replay=StoredResponse(
            row.response_status, row.response_headers or {}, row.response_body or b""
        )
    )


async def complete(
    session: AsyncSession, *, record_id: str, status: int, headers: dict[str, str], body: bytes
) -> None:
    """Store the response of the request that owns `record_id`."""
    row = await session.get(IdempotencyRecord, record_id, with_for_update=True)
    if row is None:
        return
    row.state, row.response_status = "completed", status
    row.response_headers, row.response_body = headers, body
    await session.flush()


async def release(session: AsyncSession, *, record_id: str) -> None:
    """Give the key back (the request failed in a way a retry should re-run)."""
    await session.execute(
        delete(IdempotencyRecord).where(
            IdempotencyRecord.id == record_id, IdempotencyRecord.state == "in_progress"
        )
    )


async def purge_expired(session: AsyncSession, *, now: datetime, limit: int = 100) -> None:
    """Delete a bounded number of expired records (called as new keys arrive)."""
    expired = (
        select(IdempotencyRecord.id)
        .where(IdempotencyRecord.expires_at <= now)
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    await session.execute(delete(IdempotencyRecord).where(IdempotencyRecord.id.in_(expired)))
