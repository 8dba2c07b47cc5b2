"""Number series and their per-period counters."""

from __future__ import annotations

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column

from domain.base import Base, Timestamps, TypeIdPk
from domain.finance.numbering import RESET_RULES, SCOPES


class NumberSeries(TypeIdPk, Timestamps, Base):
    """A numbering sequence for one scope (invoice, proforma or credit_note)."""

    __tablename__ = "number_series"
    id_prefix = "invs"

    name: Mapped[str] = mapped_column(String(200))
    scope: Mapped[str] = mapped_column(String(16))
    format: Mapped[str] = mapped_column(String(64))
    reset_rule: Mapped[str] = mapped_column(String(16), server_default="never")
    is_default: Mapped[bool] = mapped_column(server_default="false")
    active: Mapped[bool] = mapped_column(server_default="true")
    # Set: numbers come from this provider later; the series never advances locally.
    external_provider: Mapped[str | None] = mapped_column(String(64))

    __table_args__ = (
        CheckConstraint(f"scope IN {SCOPES!r}", name="scope"),
        CheckConstraint(f"reset_rule IN {RESET_RULES!r}", name="reset_rule"),
        # The database, not the service, guarantees one active default per scope.
        Index(
            "uq_number_series_active_default",
            "scope",
            unique=True,
            postgresql_where=text("is_default AND active"),
        ),
    )


class NumberSeriesCounter(TypeIdPk, Timestamps, Base):
    """The last sequence handed out by a series in one period ('all', '2026', '2026-03')."""

    __tablename__ = "number_series_counters"
    id_prefix = "nsct"

    series_id: Mapped[str] = mapped_column(ForeignKey("number_series.id", ondelete="CASCADE"))
    period: Mapped[str] = mapped_column(String(16))
    current_sequence: Mapped[int] = mapped_column(server_default="0")

    __table_args__ = (
        UniqueConstraint("series_id", "period"),
        CheckConstraint("current_sequence >= 0", name="sequence_non_negative"),
    )
