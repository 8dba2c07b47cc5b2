"""Principals and API keys. Keys are stored only as SHA-256 hashes."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ARRAY, CheckConstraint, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from domain.base import Base, Timestamps, TypeIdPk

PRINCIPAL_KINDS = ("staff", "agent", "workflow", "reseller")


class Principal(TypeIdPk, Timestamps, Base):
    """Who is calling: a kind and the scopes granted to it."""

    __tablename__ = "principals"
    id_prefix = "prin"

    kind: Mapped[str] = mapped_column(String(16))
    name: Mapped[str] = mapped_column(String(200))
    scopes: Mapped[list[str]] = mapped_column(ARRAY(String(64)))
    # For reseller principals: the channel they book through (set by the distribution module).
    channel_id: Mapped[str | None] = mapped_column(String(90))
    disabled_at: Mapped[datetime | None]

    __table_args__ = (CheckConstraint(f"kind IN {PRINCIPAL_KINDS!r}", name="kind"),)


class ApiKey(TypeIdPk, Timestamps, Base):
    """A bearer credential. `lookup` finds the row; `secret_hash` proves possession."""

    __tablename__ = "api_keys"
    id_prefix = "apik"

    principal_id: Mapped[str] = mapped_column(ForeignKey("principals.id", ondelete="CASCADE"))
    lookup: Mapped[str] = mapped_column(String(32), unique=True)
    secret_hash: Mapped[str] = mapped_column(String(64))
    label: Mapped[str | None] = mapped_column(String(200))
    last_used_at: Mapped[datetime | None]
    revoked_at: Mapped[datetime | None]
