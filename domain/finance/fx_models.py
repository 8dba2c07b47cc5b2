"""The manual exchange-rate table the default FX resolver reads."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from sqlalchemy import CheckConstraint, Index, Numeric, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from domain.base import Base, Timestamps, TypeIdPk

RATE = Numeric(20, 10)


class FxRate(TypeIdPk, Timestamps, Base):
    """1 `from_currency` = `rate` `to_currency`, in force from `rate_date` on."""

    __tablename__ = "fx_rates"
    id_prefix = "fxrt"

    from_currency: Mapped[str] = mapped_column(String(3))
    to_currency: Mapped[str] = mapped_column(String(3))
    rate: Mapped[Decimal] = mapped_column(RATE)
    rate_date: Mapped[date]
    source: Mapped[str] = mapped_column(String(64), server_default="manual")

    __table_args__ = (
        UniqueConstraint("from_currency", "to_currency", "rate_date", "source"),
        CheckConstraint("rate > 0", name="rate_positive"),
        CheckConstraint("from_currency <> to_currency", name="distinct_currencies"),
        Index("ix_fx_rates_pair_date", "from_currency", "to_currency", "rate_date"),
    )
