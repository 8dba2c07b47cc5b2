"""Number series: configuring them and allocating numbers inside the document's transaction."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from domain.errors import BadRequest, Conflict, NotFound
from domain.finance import numbering, precedence
from domain.finance.series_models import NumberSeries, NumberSeriesCounter
from domain.ids import new_id

_DEFAULT_CONSTRAINT = "uq_number_series_active_default"
_EDITABLE = frozenset({"name", "format", "reset_rule", "is_default", "active", "external_provider"})


@dataclass(frozen=True, slots=True)
class Allocation:
    """The number a document gets. `external` means a placeholder awaiting its provider."""

    number: str
    series_id: str | None
    sequence: int | None
    external_provider: str | None

    @property
    def external(self) -> bool:
        """True when the provider will allocate the real number later."""
        return self.external_provider is not None


def _view(series: NumberSeries) -> precedence.SeriesView:
    return precedence.SeriesView(
        id=series.id,
        scope=series.scope,
        active=series.active,
        is_default=series.is_default,
        updated_at=series.updated_at,
    )


async def _save(session: AsyncSession, series: NumberSeries, changes: dict[str, Any]) -> None:
    # The partial unique index decides races between two "make me the default" requests;
    # a savepoint turns the loser's violation into a clean 409 without spoiling the session.
    scope = series.scope
    try:
        async with session.begin_nested():
            for key, value in changes.items():
                setattr(series, key, value)
            session.add(series)
            await session.flush()
    except IntegrityError as exc:
        constraint = getattr(getattr(exc.orig, "diag", None), "constraint_name", None)
        if constraint != _DEFAULT_CONSTRAINT:
            raise
        raise Conflict(
            "default_series_exists",
            f"{scope} already has an active default series",
            scope=scope,
        ) from exc


async def create_series(
    session: AsyncSession,
    *,
    name: str,
    scope: str,
    format: str,
    reset_rule: str = "never",
    is_default: bool = False,
    active: bool = True,
    external_provider: str | None = None,
) -> NumberSeries:
    """Add a series; 409 `default_series_exists` if the scope already has an active default."""
    if scope not in numbering.SCOPES:
        raise BadRequest("invalid_scope", f"scope must be one of {numbering.SCOPES}")
    numbering.validate_format(format, reset_rule)
    series = NumberSeries(scope=scope)
    await _save(
        session,
        series,
        {
            "name": name,
            "format": format,
            "reset_rule": reset_rule,
            "is_default": is_default,
            "active": active,
            "external_provider": external_provider,
        },
    )
    await session.refresh(series)
    return series


async def get_series(session: AsyncSession, series_id: str, *, lock: bool = False) -> NumberSeries:
    """One series (row-locked when `lock`); 404 `series_not_found`."""
    stmt = select(NumberSeries).where(NumberSeries.id == series_id)
    if lock:
        stmt = stmt.with_for_update().execution_options(populate_existing=True)
    series = await session.scalar(stmt)
    if series is None:
        raise NotFound("series_not_found", f"no number series {series_id}")
    return series


async def update_series(
    session: AsyncSession, *, series_id: str, changes: dict[str, Any]
) -> NumberSeries:
    """Change name, format, reset rule, default flag, active flag or provider."""
    unknown = set(changes) - _EDITABLE
    if unknown:
        raise BadRequest("invalid_field", f"cannot change {sorted(unknown)}")
    series = await get_series(session, series_id, lock=True)
    numbering.validate_format(
        changes.get("format", series.format), changes.get("reset_rule", series.reset_rule)
    )
    await _save(session, series, changes)
    await session.refresh(series)
    return series


async def counters(session: AsyncSession, series_id: str) -> dict[str, int]:
    """Period -> last sequence handed out."""
    rows = await session.execute(
        select(NumberSeriesCounter.period, NumberSeriesCounter.current_sequence)
        .where(NumberSeriesCounter.series_id == series_id)
        .order_by(NumberSeriesCounter.period)
    )
    return {period: seq for period, seq in rows.all()}


async def _choose(
    session: AsyncSession, *, scope: str, supplied_number: str | None, series_id: str | None
) -> precedence.Choice:
    requested = None
    candidates: list[precedence.SeriesView] = []
    if supplied_number is None and series_id is not None:
        found = await session.get(NumberSeries, series_id)
        requested = _view(found) if found is not None else None
    elif supplied_number is None:
        rows = await session.scalars(
            select(NumberSeries).where(NumberSeries.scope == scope, NumberSeries.active.is_(True))
        )
        candidates = [_view(s) for s in rows]
    return precedence.resolve(
        scope=scope,
        supplied_number=supplied_number,
        series_id=series_id,
        requested=requested,
        candidates=candidates,
    )


async def _next_sequence(session: AsyncSession, series_id: str, period: str) -> int:
    # Runs under the series row lock, so this upsert never races another allocation of the
    # series; it rolls back with the document if the document's transaction fails.
    stmt = (
        insert(NumberSeriesCounter)
        .values(
            id=new_id(NumberSeriesCounter.id_prefix),
            series_id=series_id,
            period=period,
            current_sequence=1,
        )
        .on_conflict_do_update(
            index_elements=["series_id", "period"],
            set_={"current_sequence": NumberSeriesCounter.current_sequence + 1},
        )
        .returning(NumberSeriesCounter.current_sequence)
    )
    seq = await session.scalar(stmt)
    assert seq is not None
    return seq


async def allocate_number(
    session: AsyncSession,
    *,
    scope: str,
    document_id: str,
    on: date,
    supplied_number: str | None = None,
    series_id: str | None = None,
) -> Allocation:
    """The document's number by the precedence rule, in the caller's transaction.

    The chosen series row is locked FOR UPDATE until the caller commits, so concurrent
    documents of one series get consecutive numbers, and a rolled-back document gives its
    number back. A series with an external provider hands out a `PENDING-` placeholder.
    """
    for _ in range(3):
        choice = await _choose(
            session, scope=scope, supplied_number=supplied_number, series_id=series_id
        )
        if isinstance(choice, precedence.Supplied):
            return Allocation(choice.number, None, None, None)
        series = await get_series(session, choice.series_id, lock=True)
        if choice.rule != "requested" and not (series.active and series.scope == scope):
            continue  # changed since we chose it: choose again under the new state
        precedence.check_usable(_view(series), scope)
        if series.external_provider:
            return Allocation(
                numbering.placeholder(document_id), series.id, None, series.external_provider
            )
        seq = await _next_sequence(session, series.id, numbering.period_key(series.reset_rule, on))
        return Allocation(
            numbering.format_number(series.format, seq=seq, on=on), series.id, seq, None
        )
    raise Conflict("series_changed", f"the {scope} series changed while numbering; retry")
