"""Row loading with optional locks, and mapping constraint violations to domain errors.

Lock order, everywhere in ground: dispatch, then vehicle, then driver. Keeping one order
means two transactions can wait for each other's rows but never deadlock.
"""

from __future__ import annotations

from typing import Literal, TypeVar

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from domain.base import TypeIdPk
from domain.errors import NotFound
from domain.ground.models import DispatchCheckpoint, DispatchEvent, DispatchLeg
from domain.ids import parse_id

Lock = Literal["share", "update"] | None
M = TypeVar("M", bound=TypeIdPk)


async def load(
    session: AsyncSession,
    model: type[M],
    raw_id: str,
    *,
    field: str,
    thing: str,
    lock: Lock = None,
) -> M:
    """The row of `model` with id `raw_id`: 400 `invalid_id`, 404 `<thing>_not_found`."""
    row_id = parse_id(raw_id, model.id_prefix, field=field)
    stmt = select(model).where(model.id == row_id).execution_options(populate_existing=True)
    if lock is not None:
        stmt = stmt.with_for_update(read=lock == "share")
    row = await session.scalar(stmt)
    if row is None:
        raise NotFound(f"{thing}_not_found", f"no {thing} {raw_id}", **{field: raw_id})
    return row


def violated_constraint(exc: IntegrityError) -> str | None:
    """The name of the constraint behind an IntegrityError, when PostgreSQL reports it."""
    return getattr(getattr(exc.orig, "diag", None), "constraint_name", None)


async def next_sequence(
    session: AsyncSession,
    model: type[DispatchLeg | DispatchCheckpoint | DispatchEvent],
    dispatch_id: str,
) -> int:
    """The next `sequence` of `model` on a dispatch; the caller holds the dispatch lock."""
    last = await session.scalar(
        select(func.max(model.sequence)).where(model.dispatch_id == dispatch_id)
    )
    return (last or 0) + 1
