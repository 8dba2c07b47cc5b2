"""Declarative base: TypeID text primary keys, timestamps, constraint naming convention."""

from __future__ import annotations

from datetime import datetime
from typing import Any, ClassVar

from sqlalchemy import BigInteger, DateTime, MetaData, String, func
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from domain.ids import new_id

# Stable constraint names so Alembic diffs and error-code mapping are predictable.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    """Root of every ORM model."""

    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map: ClassVar[dict[Any, Any]] = {
        datetime: DateTime(timezone=True),
        int: BigInteger,
    }


class Timestamps:
    """`created_at` / `updated_at` maintained by the database clock."""

    created_at: Mapped[datetime] = mapped_column(server_default=func.now())
    updated_at: Mapped[datetime] = mapped_column(server_default=func.now(), onupdate=func.now())


class TypeIdPk:
    """A TypeID primary key; subclasses set `id_prefix` (e.g. 'book')."""

    id_prefix: ClassVar[str]
    id: Mapped[str] = mapped_column(String(90), primary_key=True)

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("id", new_id(self.id_prefix))
        for key, value in kwargs.items():
            setattr(self, key, value)
