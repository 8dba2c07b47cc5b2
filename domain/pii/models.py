"""Encrypted travel details (one envelope per traveller) and the PII audit trail."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Text
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from domain.base import Base, Timestamps, TypeIdPk

AUDIT_ACTIONS = ("encrypt", "decrypt", "delete", "rewrap")
AUDIT_OUTCOMES = ("success", "denied", "failed")


class TravellerTravelDetails(TypeIdPk, Timestamps, Base):
    """A traveller's identity document, birth date, dietary and accessibility needs.

    Only `envelope` holds them (AES-256-GCM under a per-record data key wrapped by the
    KMS); `key_id`/`key_version` repeat the envelope's so rotation can find stale rows.
    """

    __tablename__ = "traveller_travel_details"
    id_prefix = "trvd"

    traveller_id: Mapped[str] = mapped_column(
        ForeignKey("booking_travellers.id", ondelete="CASCADE"), unique=True
    )
    booking_id: Mapped[str] = mapped_column(
        ForeignKey("bookings.id", ondelete="CASCADE"), index=True
    )
    envelope: Mapped[dict[str, Any]] = mapped_column(JSONB)
    key_id: Mapped[str] = mapped_column(String(200))
    key_version: Mapped[int]
    # Provenance of a person-document snapshot that pre-filled gaps (an id, not PII).
    source_document_id: Mapped[str | None] = mapped_column(String(200))
    snapshot_applied_at: Mapped[datetime | None]

    __table_args__ = (Index("ix_traveller_travel_details_key", "key_id", "key_version"),)


class PiiAuditEvent(TypeIdPk, Timestamps, Base):
    """One encrypt, decrypt, delete or rewrap of travel details, allowed or not.

    No foreign keys: the trail outlives the traveller, and denial rows are written in
    their own transaction while the request's may still hold locks.
    """

    __tablename__ = "pii_audit_events"
    id_prefix = "piae"

    action: Mapped[str] = mapped_column(String(16))
    traveller_id: Mapped[str] = mapped_column(String(200))
    booking_id: Mapped[str | None] = mapped_column(String(200))
    principal_id: Mapped[str | None] = mapped_column(String(90))
    principal_kind: Mapped[str | None] = mapped_column(String(16))
    reason: Mapped[str | None] = mapped_column(Text)
    outcome: Mapped[str] = mapped_column(String(16))
    details: Mapped[dict[str, Any]] = mapped_column(JSONB, server_default="{}")

    __table_args__ = (
        CheckConstraint(f"action IN {AUDIT_ACTIONS!r}", name="action"),
        CheckConstraint(f"outcome IN {AUDIT_OUTCOMES!r}", name="outcome"),
        Index("ix_pii_audit_events_traveller", "traveller_id", "created_at"),
        Index("ix_pii_audit_events_created", "created_at"),
    )
