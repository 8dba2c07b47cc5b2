"""Stored responses of POST requests sent with an Idempotency-Key."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, Index, LargeBinary, String, UniqueConstraint
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from domain.base import Base, Timestamps, TypeIdPk


class IdempotencyRecord(TypeIdPk, Timestamps, Base):
    """A key claimed by a request (`in_progress`), then its response (`completed`).

    `fingerprint` hashes method, path and body: the same key with another request is a
    conflict. `locked_until` bounds an in-progress claim, so a crashed request does not
    block its key until `expires_at`.
    """

    __tablename__ = "idempotency_records"
    id_prefix = "idem"

    principal_id: Mapped[str] = mapped_column(String(90))
    key: Mapped[str] = mapped_column(String(255))
    fingerprint: Mapped[str] = mapped_column(String(64))
    method: Mapped[str] = mapped_column(String(8))
    path: Mapped[str] = mapped_column(String(2000))
    state: Mapped[str] = mapped_column(String(16), server_default="in_progress")
    locked_until: Mapped[datetime]
    expires_at: Mapped[datetime]
    response_status: Mapped[int | None]
    response_headers: Mapped[dict[str, str] | None] = mapped_column(JSONB)
    response_body: Mapped[bytes | None] = mapped_column(LargeBinary)

    __table_args__ = (
        UniqueConstraint("principal_id", "key"),
        CheckConstraint("state IN ('in_progress', 'completed')", name="state"),
        Index("ix_idempotency_records_expires_at", "expires_at"),
    )
