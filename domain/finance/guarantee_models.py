"""Guarantees: security holds on a booking (deposit, pre-auth, card on file, agency letter,
voucher) that ensure eventual payment."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from domain.base import Base, Timestamps, TypeIdPk

GUARANTEE_KINDS = ("deposit", "pre_auth", "card_on_file", "agency_letter", "voucher")
GUARANTEE_STATUSES = ("pending", "active", "released", "claimed", "cancelled", "expired")


class Guarantee(TypeIdPk, Timestamps, Base):
    """One guarantee for a booking, in the booking's currency, up to `amount_minor`.

    Deposits, pre-auths and cards on file are secured by a payment session (`pending`
    until it succeeds; `expired` once `expires_at` passes unsecured); agency letters and
    vouchers are documents, `active` on creation.
    """

    __tablename__ = "booking_guarantees"
    id_prefix = "bgua"

    booking_id: Mapped[str] = mapped_column(ForeignKey("bookings.id"), index=True)
    idempotency_key: Mapped[str] = mapped_column(String(200), unique=True)
    kind: Mapped[str] = mapped_column(String(16))
    status: Mapped[str] = mapped_column(String(16), server_default="pending")
    amount_minor: Mapped[int]
    currency: Mapped[str] = mapped_column(String(3))
    # The document's number (agency letter, voucher code) or the processor's handle.
    reference: Mapped[str | None] = mapped_column(String(200))
    issuer: Mapped[str | None] = mapped_column(String(200))
    provider: Mapped[str | None] = mapped_column(String(40))
    provider_ref: Mapped[str | None] = mapped_column(String(200))
    payment_session_id: Mapped[str | None] = mapped_column(String(90), index=True)
    # The money it holds (a paid deposit) or that claiming it collected.
    payment_id: Mapped[str | None] = mapped_column(ForeignKey("payments.id"))
    claimed_minor: Mapped[int] = mapped_column(server_default="0")
    expires_at: Mapped[datetime | None]
    secured_at: Mapped[datetime | None]
    closed_at: Mapped[datetime | None]
    note: Mapped[str | None] = mapped_column(Text)

    __table_args__ = (
        CheckConstraint(f"kind IN {GUARANTEE_KINDS!r}", name="kind"),
        CheckConstraint(f"status IN {GUARANTEE_STATUSES!r}", name="status"),
        CheckConstraint("amount_minor > 0", name="amount_positive"),
        CheckConstraint("claimed_minor >= 0 AND claimed_minor <= amount_minor", name="claimed"),
        CheckConstraint(
            "status IN ('pending', 'cancelled', 'expired') OR secured_at IS NOT NULL",
            name="secured_at",
        ),
    )
