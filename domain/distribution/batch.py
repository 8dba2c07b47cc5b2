"""Batch operations: up to 200 ids, each in its own savepoint, one result per id.

One id failing (unknown, protected, conflicting) rolls back only its own savepoint; the
others commit with the request.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from domain.errors import BadRequest, DomainError

MAX_BATCH = 200


@dataclass(frozen=True)
class ItemResult:
    """`ok` with no error, or the error's stable code and message."""

    id: str
    ok: bool
    code: str | None = None
    message: str | None = None


def constraint_of(exc: IntegrityError) -> str | None:
    """The name of the constraint an IntegrityError violated (None when unknown)."""
    return getattr(getattr(exc.orig, "diag", None), "constraint_name", None)


def check_ids(ids: list[str]) -> list[str]:
    """1 to 200 distinct ids (order kept); 400 `invalid_batch` otherwise."""
    unique = list(dict.fromkeys(ids))
    if not 1 <= len(unique) <= MAX_BATCH:
        raise BadRequest("invalid_batch", f"send between 1 and {MAX_BATCH} distinct ids")
    return unique


async def run_batch(
    session: AsyncSession, ids: list[str], apply: Callable[[str], Awaitable[object]]
) -> list[ItemResult]:
    """Apply `apply(id)` to each id in a savepoint; collect per-id results."""
    results: list[ItemResult] = []
    for item_id in check_ids(ids):
        try:
            async with session.begin_nested():
                await apply(item_id)
            results.append(ItemResult(id=item_id, ok=True))
        except DomainError as exc:
            results.append(ItemResult(id=item_id, ok=False, code=exc.code, message=exc.message))
        except IntegrityError as exc:
            constraint = getattr(getattr(exc.orig, "diag", None), "constraint_name", None)
            results.append(
                ItemResult(id=item_id, ok=False, code="conflict", message=f"violates {constraint}")
            )
    return results
