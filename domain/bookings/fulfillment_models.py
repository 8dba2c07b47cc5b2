"""Fulfillments (vouchers, tickets, ...) and their redemptions at the point of service."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column

from domain.base import Base, Timestamps, TypeIdPk

FULFILLMENT_KINDS = ("voucher", "ticket", "pdf", "qr", "barcode")
DELIVERY_CHANNELS = ("email", "sms", "wallet", "download", "print", "api")


class Fulfillment(TypeIdPk, Timestamps, Base):
    """A deliverable issued for one booking item over exactly one delivery channel."""

    __tablename__ = "booking_fulfillments"
    id_prefix = "bkfl"

    booking_id: Mapped[str] = mapped_column(
        ForeignKey("bookings.id", ondelete="CASCADE"), index=True
    )
    item_id: Mapped[str] = mapped_column(ForeignKey("booking_items.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(16))
    delivery_channel: Mapped[str] = mapped_column(String(16))
    code: Mapped[str] = mapped_column(String(64), unique=True)
    single_use: Mapped[bool] = mapped_column(server_default="true")
    status: Mapped[str] = mapped_column(String(16), server_default="issued")
    reissue_of_id: Mapped[str | None] = mapped_column(ForeignKey("booking_fulfillments.id"))
    revoked_at: Mapped[datetime | None]
    revoke_reason: Mapped[str | None] = mapped_column(String(300))

    __table_args__ = (
        CheckConstraint(f"kind IN {FULFILLMENT_KINDS!r}", name="kind"),
        CheckConstraint(f"delivery_channel IN {DELIVERY_CHANNELS!r}", name="delivery_channel"),
        CheckConstraint("status IN ('issued', 'redeemed', 'revoked', 'superseded')", name="status"),
        Index(
            "ix_booking_fulfillments_item_live",
            "item_id",
            postgresql_where=text("status IN ('issued', 'redeemed')"),
        ),
    )


class Redemption(TypeIdPk, Timestamps, Base):
    """One scan at the point of service. The scan id makes a retried scan a no-op."""

    __tablename__ = "booking_redemptions"
    id_prefix = "bkrd"

    fulfillment_id: Mapped[str] = mapped_column(
        ForeignKey("booking_fulfillments.id", ondelete="CASCADE")
    )
    scan_id: Mapped[str] = mapped_column(String(200))
    location: Mapped[str | None] = mapped_column(String(200))
    redeemed_by: Mapped[str | None] = mapped_column(String(90))
    redeemed_at: Mapped[datetime]

    __table_args__ = (UniqueConstraint("fulfillment_id", "scan_id"),)
