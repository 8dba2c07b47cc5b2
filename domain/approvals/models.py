"""Requested actions, their approvals, and the ledger linking request -> approval -> execution."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from domain.base import Base, Timestamps, TypeIdPk

APPROVAL_STATUSES = ("pending", "approved", "rejected", "executed", "invalidated")
LEDGER_KINDS = ("requested", "approved", "rejected", "executed", "execution_refused", "invalidated")


class ActionRequest(TypeIdPk, Timestamps, Base):
    """A mutation a principal asked for that policy held for approval.

    `fingerprint` hashes the command and the policy inputs; the (principal, key) pair is
    unique, so a replayed key finds this row instead of creating a second action.
    `depends_on` is the state the command was requested from (the booking status).
    """

    __tablename__ = "action_requests"
    id_prefix = "actn"

    principal_id: Mapped[str] = mapped_column(String(90))
    principal_kind: Mapped[str] = mapped_column(String(16))
    action: Mapped[str] = mapped_column(String(64))
    target_type: Mapped[str] = mapped_column(String(32))
    target_id: Mapped[str] = mapped_column(String(90), index=True)
    command: Mapped[dict[str, Any]] = mapped_column(JSONB)
    policy_inputs: Mapped[dict[str, Any]] = mapped_column(JSONB)
    depends_on: Mapped[dict[str, Any]] = mapped_column(JSONB)
    fingerprint: Mapped[str] = mapped_column(String(64))
    idempotency_key: Mapped[str] = mapped_column(String(255))

    __table_args__ = (UniqueConstraint("principal_id", "idempotency_key"),)


class Approval(TypeIdPk, Timestamps, Base):
    """The decision on one requested action; single use once approved."""

    __tablename__ = "approvals"
    id_prefix = "appr"

    action_id: Mapped[str] = mapped_column(
        ForeignKey("action_requests.id", ondelete="CASCADE"), unique=True
    )
    status: Mapped[str] = mapped_column(String(16), server_default="pending")
    expires_at: Mapped[datetime]
    decided_by: Mapped[str | None] = mapped_column(String(90))
    decided_at: Mapped[datetime | None]
    decision_note: Mapped[str | None] = mapped_column(Text)
    executed_at: Mapped[datetime | None]

    __table_args__ = (
        CheckConstraint(f"status IN {APPROVAL_STATUSES!r}", name="status"),
        Index("ix_approvals_status", "status", "expires_at"),
    )


class ActionLedgerEntry(TypeIdPk, Timestamps, Base):
    """Append-only: what happened to a requested action, by whom."""

    __tablename__ = "action_ledger_entries"
    id_prefix = "aled"

    action_id: Mapped[str] = mapped_column(
        ForeignKey("action_requests.id", ondelete="CASCADE"), index=True
    )
    approval_id: Mapped[str | None] = mapped_column(ForeignKey("approvals.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(24))
    principal_id: Mapped[str | None] = mapped_column(String(90))
    details: Mapped[dict[str, Any]] = mapped_column(JSONB, server_default="{}")

    __table_args__ = (CheckConstraint(f"kind IN {LEDGER_KINDS!r}", name="kind"),)
