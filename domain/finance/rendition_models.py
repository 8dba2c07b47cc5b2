"""Rendered invoice documents (PDF, HTML): one ready rendition per invoice and format."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, LargeBinary, String, UniqueConstraint
from sqlalchemy.orm import Mapped, deferred, mapped_column

from domain.base import Base, Timestamps, TypeIdPk

RENDITION_FORMATS = ("pdf", "html")


class InvoiceRendition(TypeIdPk, Timestamps, Base):
    """The bound artifact; `body` is loaded only when asked for (deferred)."""

    __tablename__ = "invoice_renditions"
    id_prefix = "invr"

    invoice_id: Mapped[str] = mapped_column(ForeignKey("invoices.id", ondelete="CASCADE"))
    format: Mapped[str] = mapped_column(String(8))
    status: Mapped[str] = mapped_column(String(16), server_default="ready")
    content_type: Mapped[str] = mapped_column(String(100))
    byte_size: Mapped[int]
    sha256: Mapped[str] = mapped_column(String(64))
    template: Mapped[str] = mapped_column(String(64))
    version: Mapped[int] = mapped_column(server_default="1")
    rendered_at: Mapped[datetime]
    body: Mapped[bytes] = deferred(mapped_column(LargeBinary))

    __table_args__ = (
        UniqueConstraint("invoice_id", "format"),
        CheckConstraint(f"format IN {RENDITION_FORMATS!r}", name="format"),
        CheckConstraint("status = 'ready'", name="status"),
        CheckConstraint("byte_size = octet_length(body)", name="size"),
    )
