"""Number series: create, read, list and change (default flag, activity, format)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from fastapi import APIRouter, Depends
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import select

from api.deps import SessionDep, require
from api.fields import Medium, Name, Patch
from domain.auth.service import AuthenticatedPrincipal
from domain.finance import series as service
from domain.finance.series_models import NumberSeries
from domain.ids import parse_id

router = APIRouter(prefix="/v1/finance/number-series", tags=["finance"])
Reader = Annotated[AuthenticatedPrincipal, Depends(require("finance:read"))]
Writer = Annotated[AuthenticatedPrincipal, Depends(require("finance:write"))]
Scope = Literal["invoice", "proforma", "credit_note"]
ResetRule = Literal["never", "annual", "monthly"]
Format = Annotated[Medium, Field(examples=["INV-{YYYY}-{seq:06}"])]


class SeriesIn(BaseModel):
    """A new series. `format` tokens: {YYYY} {YY} {MM} {DD} and one {seq} / {seq:0N}."""

    name: Name
    scope: Scope
    format: Format
    reset_rule: ResetRule = "never"
    is_default: bool = False
    active: bool = True
    external_provider: Medium | None = Field(
        default=None, description="set: the provider allocates numbers; nothing advances here"
    )


class SeriesPatch(Patch):
    """Fields to change; absent ones stay."""

    not_null = frozenset({"name", "format", "reset_rule", "is_default", "active"})
    name: Name | None = None
    format: Format | None = None
    reset_rule: ResetRule | None = None
    is_default: bool | None = None
    active: bool | None = None
    external_provider: Medium | None = None


class SeriesOut(BaseModel):
    """A series and, per period, the last sequence it handed out."""

    model_config = ConfigDict(from_attributes=True)
    id: str
    name: str
    scope: str
    format: str
    reset_rule: str
    is_default: bool
    active: bool
    external_provider: str | None
    created_at: datetime
    updated_at: datetime
    counters: dict[str, int] = {}


def _id(series_id: str) -> str:
    return parse_id(series_id, NumberSeries.id_prefix, field="series_id")


async def _out(session: SessionDep, series: NumberSeries) -> SeriesOut:
    out = SeriesOut.model_validate(series)
    out.counters = await service.counters(session, series.id)
    return out


@router.post("", response_model=SeriesOut, status_code=201, summary="Create a number series")
async def create_series(body: SeriesIn, session: SessionDep, _: Writer) -> SeriesOut:
    """409 `default_series_exists` when the scope already has an active default."""
    series = await service.create_series(session, **body.model_dump())
    return await _out(session, series)


@router.get("", response_model=list[SeriesOut], summary="List number series")
async def list_series(
    session: SessionDep, _: Reader, scope: Scope | None = None
) -> list[SeriesOut]:
    """All series, optionally of one scope."""
    stmt = select(NumberSeries).order_by(NumberSeries.scope, NumberSeries.id)
    if scope:
        stmt = stmt.where(NumberSeries.scope == scope)
    return [await _out(session, s) for s in (await session.scalars(stmt)).all()]


@router.get("/{series_id}", response_model=SeriesOut, summary="One number series")
async def get_series(series_id: str, session: SessionDep, _: Reader) -> SeriesOut:
    """404 `series_not_found`."""
    return await _out(session, await service.get_series(session, _id(series_id)))


@router.patch("/{series_id}", response_model=SeriesOut, summary="Change a number series")
async def update_series(
    series_id: str, body: SeriesPatch, session: SessionDep, _: Writer
) -> SeriesOut:
    """Counters are never edited: numbers already handed out stay handed out."""
    series = await service.update_series(session, series_id=_id(series_id), changes=body.changes())
    return await _out(session, series)
