"""The workflow_intents table."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import CheckConstraint, Index, String, Text, text
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from domain.base import Base, Timestamps, TypeIdPk


class WorkflowIntent(TypeIdPk, Timestamps, Base):
    """A promise to start (or signal) one workflow, kept until Temporal has accepted it.

    `key` is the business idempotency key: `start:{workflow_id}` for starts, caller-given
    for signals. Writing the same key twice is a no-op, so duplicate requests are harmless.
    """

    __tablename__ = "workflow_intents"
    id_prefix = "wfi"

    key: Mapped[str] = mapped_column(String(300), unique=True)
    kind: Mapped[str] = mapped_column(String(16))
    workflow_type: Mapped[str] = mapped_column(String(128))
    workflow_id: Mapped[str] = mapped_column(String(255))
    task_queue: Mapped[str] = mapped_column(String(128))
    input: Mapped[dict[str, Any] | None] = mapped_column(JSONB)
    signal_name: Mapped[str | None] = mapped_column(String(128))
    signal_input: Mapped[dict[str, Any] | None] = mapped_column(JSONB)
    search_attributes: Mapped[dict[str, str]] = mapped_column(JSONB, server_default="{}")
    status: Mapped[str] = mapped_column(String(16), server_default="pending")
    attempts: Mapped[int] = mapped_column(server_default="0")
    last_error: Mapped[str | None] = mapped_column(Text)
    started_at: Mapped[datetime | None]
    run_id: Mapped[str | None] = mapped_column(String(64))
    id_reuse_policy: Mapped[str] = mapped_column(String(24), server_default="reject_duplicate")

    __table_args__ = (
        CheckConstraint("kind IN ('start', 'signal')", name="kind"),
        CheckConstraint("status IN ('pending', 'started', 'failed')", name="status"),
        CheckConstraint("kind <> 'signal' OR signal_name IS NOT NULL", name="signal_needs_name"),
        CheckConstraint(
            "id_reuse_policy IN ('reject_duplicate', 'allow_duplicate')", name="id_reuse_policy"
        ),
        Index(
            "ix_workflow_intents_pending",
            "created_at",
            postgresql_where=text("status = 'pending'"),
        ),
        Index("ix_workflow_intents_workflow_id", "workflow_id"),
    )
