"""The PII service: the only path that decrypts travel details. Every call is audited.

Services flush, never commit: the success audit row commits with the operation. Callers
record failures and denials with `audit.record_detached` (their own transaction).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from adapters.kms.base import KmsProvider
from domain.bookings.models import BookingTraveller
from domain.errors import NotFound
from domain.pii import audit, fields
from domain.pii.audit import Actor
from domain.pii.envelope import Envelope, open_envelope, seal
from domain.pii.models import TravellerTravelDetails

PURPOSE = "traveller_travel_details"


def context_for(traveller_id: str) -> dict[str, str]:
    """The encryption context binding an envelope to its traveller."""
    return {"purpose": PURPOSE, "traveller_id": traveller_id}


@dataclass(frozen=True, slots=True)
class Snapshot:
    """Values taken from a person document, and that document's id (provenance)."""

    source_document_id: str
    values: Mapping[str, Any]


@dataclass(frozen=True, slots=True)
class TravelDetails:
    """Decrypted travel details (`values`) or, after a write, only the metadata."""

    traveller_id: str
    booking_id: str
    key_id: str
    key_version: int
    source_document_id: str | None
    snapshot_applied_at: datetime | None
    updated_at: datetime
    values: dict[str, Any] | None = None


def _view(row: TravellerTravelDetails, values: dict[str, Any] | None) -> TravelDetails:
    return TravelDetails(
        traveller_id=row.traveller_id,
        booking_id=row.booking_id,
        key_id=row.key_id,
        key_version=row.key_version,
        source_document_id=row.source_document_id,
        snapshot_applied_at=row.snapshot_applied_at,
        updated_at=row.updated_at,
        values=values,
    )


async def _traveller(
    session: AsyncSession, booking_id: str, traveller_id: str, *, lock: bool = True
) -> None:
    # FOR NO KEY UPDATE serialises writers of one traveller's details (including the
    # first insert) without blocking inserts that only reference the traveller.
    stmt = select(BookingTraveller.id).where(
        BookingTraveller.id == traveller_id, BookingTraveller.booking_id == booking_id
    )
    found = await session.scalar(stmt.with_for_update(key_share=True) if lock else stmt)
    if found is None:
        raise NotFound(
            "traveller_not_found", f"no traveller {traveller_id} on booking {booking_id}"
        )


async def _row(session: AsyncSession, traveller_id: str) -> TravellerTravelDetails | None:
    return await session.scalar(
        select(TravellerTravelDetails).where(TravellerTravelDetails.traveller_id == traveller_id)
    )


def _missing(traveller_id: str) -> NotFound:
    return NotFound("travel_details_not_found", f"traveller {traveller_id} has no travel details")


async def _decrypt(
    session: AsyncSession,
    kms: KmsProvider,
    row: TravellerTravelDetails,
    *,
    actor: Actor,
    reason: str | None,
    purpose: str,
) -> dict[str, Any]:
    values = await open_envelope(
        kms, Envelope.from_json(row.envelope), context=context_for(row.traveller_id)
    )
    audit.record(
        session,
        action="decrypt",
        traveller_id=row.traveller_id,
        booking_id=row.booking_id,
        actor=actor,
        reason=reason,
        purpose=purpose,
        key_id=row.key_id,
        key_version=row.key_version,
    )
    return {name: values.get(name) for name in fields.FIELDS}


async def get_travel_details(
    session: AsyncSession,
    kms: KmsProvider,
    *,
    booking_id: str,
    traveller_id: str,
    actor: Actor,
    reason: str,
) -> TravelDetails:
    """Decrypt one traveller's details (404 `travel_details_not_found` when none)."""
    await _traveller(session, booking_id, traveller_id, lock=False)
    row = await _row(session, traveller_id)
    if row is None:
        raise _missing(traveller_id)
    values = await _decrypt(session, kms, row, actor=actor, reason=reason, purpose="read")
    await session.flush()
    return _view(row, values)


async def upsert_travel_details(
    session: AsyncSession,
    kms: KmsProvider,
    *,
    booking_id: str,
    traveller_id: str,
    changes: Mapping[str, Any],
    actor: Actor,
    reason: str | None = None,
    snapshot: Snapshot | None = None,
) -> TravelDetails:
    """Create or merge a traveller's details (omitted fields kept, None clears).

    A snapshot fills only the fields still empty that the caller did not give.
    Returns metadata only: writing must not reveal what was stored before.
    """
    await _traveller(session, booking_id, traveller_id)
    row = await _row(session, traveller_id)
    existing = fields.empty()
    if row is not None:
        existing = await _decrypt(session, kms, row, actor=actor, reason=reason, purpose="merge")
    merged = fields.merge(existing, changes)
    filled: list[str] = []
    if snapshot is not None:
        merged, filled = fields.fill_gaps(merged, set(changes), snapshot.values)
    envelope = await seal(kms, merged, context=context_for(traveller_id))
    if row is None:
        row = TravellerTravelDetails(traveller_id=traveller_id, booking_id=booking_id)
        session.add(row)
    row.envelope = envelope.to_json()
    row.key_id, row.key_version = envelope.key_id, envelope.key_version
    if snapshot is not None:
        row.source_document_id = snapshot.source_document_id
        row.snapshot_applied_at = datetime.now(UTC)
    audit.record(
        session,
        action="encrypt",
        traveller_id=traveller_id,
        booking_id=booking_id,
        actor=actor,
        reason=reason,
        fields_given=sorted(changes),
        fields_from_snapshot=filled,
        source_document_id=snapshot.source_document_id if snapshot else None,
        key_id=envelope.key_id,
        key_version=envelope.key_version,
    )
    await session.flush()
    await session.refresh(row)
    return _view(row, None)


async def delete_travel_details(
    session: AsyncSession,
    *,
    booking_id: str,
    traveller_id: str,
    actor: Actor,
    reason: str | None = None,
) -> None:
    """Delete a traveller's details (404 `travel_details_not_found` when none)."""
    await _traveller(session, booking_id, traveller_id)
    row = await _row(session, traveller_id)
    if row is None:
        raise _missing(traveller_id)
    await session.delete(row)
    audit.record(
        session,
        action="delete",
        traveller_id=traveller_id,
        booking_id=booking_id,
        actor=actor,
        reason=reason,
    )
    await session.flush()
