"""Tax regimes and the tax line stored for each invoice line at finalisation."""

from __future__ import annotations

from sqlalchemy import Boolean, CheckConstraint, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from domain.base import Base, Timestamps, TypeIdPk
from domain.finance.tax import REGIME_KINDS, TAX_MODES


class TaxRegime(TypeIdPk, Timestamps, Base):
    """A named rate: standard, reduced, exempt (rate 0) or reverse charge."""

    __tablename__ = "tax_regimes"
    id_prefix = "txrg"

    code: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(20))
    rate_bps: Mapped[int]
    active: Mapped[bool] = mapped_column(Boolean, server_default="true")

    __table_args__ = (
        CheckConstraint(f"kind IN {REGIME_KINDS!r}", name="kind"),
        CheckConstraint("rate_bps BETWEEN 0 AND 10000", name="rate_range"),
        CheckConstraint("kind <> 'exempt' OR rate_bps = 0", name="exempt_zero"),
    )


class InvoiceLineTax(TypeIdPk, Timestamps, Base):
    """The tax line `domain.finance.tax.compute_tax_line` gave one invoice line."""

    __tablename__ = "invoice_line_taxes"
    id_prefix = "inlx"

    invoice_id: Mapped[str] = mapped_column(
        ForeignKey("invoices.id", ondelete="CASCADE"), index=True
    )
    invoice_line_id: Mapped[str] = mapped_column(
        ForeignKey("invoice_lines.id", ondelete="CASCADE"), unique=True
    )
    regime_id: Mapped[str] = mapped_column(ForeignKey("tax_regimes.id"))
    regime_kind: Mapped[str] = mapped_column(String(20))
    mode: Mapped[str] = mapped_column(String(16))
    rate_bps: Mapped[int]
    amount_minor: Mapped[int]
    net_minor: Mapped[int]
    tax_minor: Mapped[int]
    gross_minor: Mapped[int]
    self_assessed_minor: Mapped[int] = mapped_column(server_default="0")

    __table_args__ = (
        CheckConstraint(f"mode IN {TAX_MODES!r}", name="mode"),
        CheckConstraint("net_minor + tax_minor = gross_minor", name="balanced"),
    )
