"""Which number a new invoice-like document gets, pure. The precedence, in order:

1. a caller-supplied number wins: stored as-is, no series advances;
2. else the requested series, which must exist, be active and be of the document's scope;
3. else the scope's active default series, else its most recently updated active series;
4. else 409 `no_active_series_for_scope`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from domain.errors import BadRequest, Conflict, NotFound


@dataclass(frozen=True, slots=True)
class SeriesView:
    """What the rule needs to know about a number series."""

    id: str
    scope: str
    active: bool
    is_default: bool
    updated_at: datetime


@dataclass(frozen=True, slots=True)
class Supplied:
    """Rule 1: store the caller's number."""

    number: str


@dataclass(frozen=True, slots=True)
class FromSeries:
    """Rules 2 and 3: allocate from `series_id`; `rule` says why it was chosen."""

    series_id: str
    rule: Literal["requested", "default", "latest"]


Choice = Supplied | FromSeries


def check_usable(series: SeriesView, scope: str) -> None:
    """Raise unless `series` may number a document of `scope` (active, same scope)."""
    if series.scope != scope:
        raise BadRequest(
            "series_scope_mismatch",
            f"series {series.id} numbers {series.scope} documents, not {scope}",
            series_id=series.id,
            series_scope=series.scope,
            scope=scope,
        )
    if not series.active:
        raise Conflict("series_inactive", f"series {series.id} is not active", series_id=series.id)


def resolve(
    *,
    scope: str,
    supplied_number: str | None,
    series_id: str | None,
    requested: SeriesView | None,
    candidates: Sequence[SeriesView],
) -> Choice:
    """Apply the precedence. `requested` is the series named by `series_id` (None if unknown);
    `candidates` are the series that may be of `scope` (inactive and other scopes are ignored).
    """
    if supplied_number is not None:
        return Supplied(supplied_number)
    if series_id is not None:
        if requested is None:
            raise NotFound("series_not_found", f"no number series {series_id}")
        check_usable(requested, scope)
        return FromSeries(requested.id, "requested")
    usable = [s for s in candidates if s.active and s.scope == scope]
    defaults = [s for s in usable if s.is_default]
    if defaults:
        return FromSeries(defaults[0].id, "default")
    if usable:
        latest = max(usable, key=lambda s: (s.updated_at, s.id))
        return FromSeries(latest.id, "latest")
    raise Conflict(
        "no_active_series_for_scope", f"no active number series for {scope} documents", scope=scope
    )
