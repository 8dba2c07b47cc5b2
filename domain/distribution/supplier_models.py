"""Suppliers (services, rates, notes, contracts) and per-entity external references."""

from __future__ import annotations

from datetime import date

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from domain.base import Base, Timestamps, TypeIdPk

SUPPLIER_TYPES = ("accommodation", "transport", "guide", "activity", "restaurant", "other")
SUPPLIER_STATUSES = ("active", "inactive", "archived")
RATE_UNITS = ("per_person", "per_group", "per_night", "per_vehicle", "per_hour", "per_day")
SUPPLIER_CONTRACT_STATUSES = ("draft", "active", "expired", "terminated")


class Supplier(TypeIdPk, Timestamps, Base):
    """A party the operator buys services from."""

    __tablename__ = "suppliers"
    id_prefix = "supp"

    name: Mapped[str] = mapped_column(String(200))
    type: Mapped[str] = mapped_column(String(20))
    status: Mapped[str] = mapped_column(String(16), server_default="active")
    email: Mapped[str | None] = mapped_column(String(320))
    phone: Mapped[str | None] = mapped_column(String(40))
    default_currency: Mapped[str | None] = mapped_column(String(3))

    __table_args__ = (
        CheckConstraint(f"type IN {SUPPLIER_TYPES!r}", name="type"),
        CheckConstraint(f"status IN {SUPPLIER_STATUSES!r}", name="status"),
    )


class SupplierService(TypeIdPk, Timestamps, Base):
    """Something a supplier provides (a room type, a coach transfer, a guided walk)."""

    __tablename__ = "supplier_services"
    id_prefix = "spsv"

    supplier_id: Mapped[str] = mapped_column(
        ForeignKey("suppliers.id", ondelete="CASCADE"), index=True
    )
    name: Mapped[str] = mapped_column(String(200))
    description: Mapped[str | None] = mapped_column(Text)
    active: Mapped[bool] = mapped_column(Boolean, server_default="true")


class SupplierRate(TypeIdPk, Timestamps, Base):
    """A price for a service per unit over an inclusive validity window."""

    __tablename__ = "supplier_rates"
    id_prefix = "sprt"

    supplier_id: Mapped[str] = mapped_column(
        ForeignKey("suppliers.id", ondelete="CASCADE"), index=True
    )
    service_id: Mapped[str] = mapped_column(
        ForeignKey("supplier_services.id", ondelete="CASCADE"), index=True
    )
    name: Mapped[str] = mapped_column(String(200))
    unit: Mapped[str] = mapped_column(String(16))
    amount_minor: Mapped[int]
    currency: Mapped[str] = mapped_column(String(3))
    valid_from: Mapped[date | None] = mapped_column(Date)
    valid_to: Mapped[date | None] = mapped_column(Date)

    __table_args__ = (
        CheckConstraint(f"unit IN {RATE_UNITS!r}", name="unit"),
        CheckConstraint("amount_minor >= 0", name="amount_non_negative"),
        CheckConstraint(
            "valid_from IS NULL OR valid_to IS NULL OR valid_to >= valid_from", name="validity"
        ),
    )


class SupplierNote(TypeIdPk, Timestamps, Base):
    """A free-text note about a supplier."""

    __tablename__ = "supplier_notes"
    id_prefix = "spnt"

    supplier_id: Mapped[str] = mapped_column(
        ForeignKey("suppliers.id", ondelete="CASCADE"), index=True
    )
    body: Mapped[str] = mapped_column(Text)
    author: Mapped[str | None] = mapped_column(String(200))


class SupplierContract(TypeIdPk, Timestamps, Base):
    """Terms agreed with a supplier over an inclusive validity window."""

    __tablename__ = "supplier_contracts"
    id_prefix = "spcn"

    supplier_id: Mapped[str] = mapped_column(
        ForeignKey("suppliers.id", ondelete="CASCADE"), index=True
    )
    reference: Mapped[str] = mapped_column(String(200))
    status: Mapped[str] = mapped_column(String(16), server_default="active")
    valid_from: Mapped[date | None] = mapped_column(Date)
    valid_to: Mapped[date | None] = mapped_column(Date)
    terms: Mapped[str | None] = mapped_column(Text)

    __table_args__ = (
        UniqueConstraint("supplier_id", "reference"),
        CheckConstraint(f"status IN {SUPPLIER_CONTRACT_STATUSES!r}", name="status"),
        CheckConstraint(
            "valid_from IS NULL OR valid_to IS NULL OR valid_to >= valid_from", name="validity"
        ),
    )


class ExternalRef(TypeIdPk, Timestamps, Base):
    """An upstream identifier for a local entity.

    An external id names one entity per (entity type, source system, namespace); an
    entity has at most one primary ref per (source system, namespace).
    """

    __tablename__ = "external_refs"
    id_prefix = "xref"

    entity_type: Mapped[str] = mapped_column(String(40))
    entity_id: Mapped[str] = mapped_column(String(90))
    source_system: Mapped[str] = mapped_column(String(80))
    namespace: Mapped[str] = mapped_column(String(80), server_default="default")
    external_id: Mapped[str] = mapped_column(String(200))
    is_primary: Mapped[bool] = mapped_column(Boolean, server_default="false")

    __table_args__ = (
        UniqueConstraint("entity_type", "source_system", "namespace", "external_id"),
        Index("ix_external_refs_entity", "entity_type", "entity_id"),
        Index(
            "uq_external_refs_primary",
            "entity_type",
            "entity_id",
            "source_system",
            "namespace",
            unique=True,
            postgresql_where=text("is_primary"),
        ),
    )
