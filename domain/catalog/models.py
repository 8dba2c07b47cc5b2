"""Catalog tables."""

from __future__ import annotations

from sqlalchemy import CheckConstraint, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from domain.base import Base, Timestamps, TypeIdPk


class Product(TypeIdPk, Timestamps, Base):
    """Something an operator sells (a tour, a transfer, a ticket)."""

    __tablename__ = "products"
    id_prefix = "prod"

    name: Mapped[str] = mapped_column(String(200))
    status: Mapped[str] = mapped_column(String(16), server_default="active")
    timezone: Mapped[str] = mapped_column(String(64), server_default="UTC")
    default_currency: Mapped[str] = mapped_column(String(3), server_default="EUR")

    __table_args__ = (CheckConstraint("status IN ('draft', 'active', 'archived')", name="status"),)


class ProductOption(TypeIdPk, Timestamps, Base):
    """A bookable variant of a product (e.g. 'Morning, English')."""

    __tablename__ = "product_options"
    id_prefix = "popt"

    product_id: Mapped[str] = mapped_column(
        ForeignKey("products.id", ondelete="CASCADE"), index=True
    )
    name: Mapped[str] = mapped_column(String(200))


class OptionUnit(TypeIdPk, Timestamps, Base):
    """A priced unit of an option (adult, child, family); `pax` travellers per unit."""

    __tablename__ = "option_units"
    id_prefix = "punt"

    option_id: Mapped[str] = mapped_column(
        ForeignKey("product_options.id", ondelete="CASCADE"), index=True
    )
    name: Mapped[str] = mapped_column(String(100))
    category: Mapped[str] = mapped_column(String(32), server_default="adult")
    pax: Mapped[int] = mapped_column(server_default="1")
    price_minor: Mapped[int | None]
    currency: Mapped[str | None] = mapped_column(String(3))
    # What the unit costs us now (NULL: no cost kept); quote recheck compares it.
    cost_minor: Mapped[int | None]
    cost_currency: Mapped[str | None] = mapped_column(String(3))

    __table_args__ = (CheckConstraint("pax >= 1", name="pax_positive"),)


class OptionResourceTemplate(TypeIdPk, Timestamps, Base):
    """The resource mix every slot of an option starts with (e.g. 20 x room_dbl of 2).

    `default_count` NULL disables auto-materialisation for this kind.
    """

    __tablename__ = "product_option_resource_templates"
    id_prefix = "prtm"

    option_id: Mapped[str] = mapped_column(
        ForeignKey("product_options.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[str] = mapped_column(String(64))
    capacity_per_unit: Mapped[int] = mapped_column(server_default="1")
    default_count: Mapped[int | None]
    label_prefix: Mapped[str | None] = mapped_column(String(64))

    __table_args__ = (
        UniqueConstraint("option_id", "kind"),
        CheckConstraint("capacity_per_unit >= 1", name="capacity_positive"),
        CheckConstraint("default_count IS NULL OR default_count >= 0", name="count_non_negative"),
    )
