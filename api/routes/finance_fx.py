"""Exchange rates: the manual rate table, and resolving a pair through the resolver."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Annotated

from fastapi import APIRouter, Depends, Query
from pydantic import BaseModel, ConfigDict, Field, field_serializer
from sqlalchemy import select

from api.deps import RuntimeDep, SessionDep, require
from api.fields import Medium
from domain.auth.service import AuthenticatedPrincipal
from domain.finance import fx_rates
from domain.finance.fx_models import FxRate
from domain.finance.invoice_fx import resolver_for

router = APIRouter(prefix="/v1/finance/fx-rates", tags=["finance"])
Reader = Annotated[AuthenticatedPrincipal, Depends(require("finance:read"))]
Writer = Annotated[AuthenticatedPrincipal, Depends(require("finance:write"))]
Currency = Annotated[str, Field(pattern=r"^[A-Z]{3}$", examples=["EUR"])]


class RateIn(BaseModel):
    """1 `from_currency` = `rate` `to_currency` from `rate_date` on (rate as a string)."""

    from_currency: Currency
    to_currency: Currency
    rate: Decimal = Field(gt=0, max_digits=20, decimal_places=10)
    rate_date: date
    source: Medium = "manual"


class RateOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: str | None = None
    from_currency: str
    to_currency: str
    rate: Decimal
    rate_date: date
    source: str

    @field_serializer("rate")
    def _rate(self, value: Decimal) -> str:
        return str(value)


@router.post("", response_model=RateOut, status_code=201, summary="Record a rate")
async def record_rate(body: RateIn, session: SessionDep, _: Writer) -> RateOut:
    """A second rate for the same pair, date and source corrects the first."""
    row = await fx_rates.record_rate(session, **body.model_dump())
    return RateOut.model_validate(row)


@router.get("", response_model=list[RateOut], summary="List rates")
async def list_rates(
    session: SessionDep,
    _: Reader,
    from_currency: Currency | None = None,
    to_currency: Currency | None = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> list[RateOut]:
    """Newest first."""
    stmt = select(FxRate).order_by(FxRate.rate_date.desc(), FxRate.id).limit(limit)
    if from_currency:
        stmt = stmt.where(FxRate.from_currency == from_currency)
    if to_currency:
        stmt = stmt.where(FxRate.to_currency == to_currency)
    return [RateOut.model_validate(x) for x in (await session.scalars(stmt)).all()]


@router.get("/resolve", response_model=RateOut, summary="Resolve a pair on a date")
async def resolve(
    session: SessionDep,
    runtime: RuntimeDep,
    _: Reader,
    from_currency: Currency,
    to_currency: Currency,
    on: date,
) -> RateOut:
    """Through the configured resolver; 409 `fx_rate_unavailable`."""
    quote = await fx_rates.resolve_quote(
        session,
        resolver_for(runtime.settings),
        from_currency=from_currency,
        to_currency=to_currency,
        on=on,
    )
    return RateOut(
        from_currency=quote.from_currency,
        to_currency=quote.to_currency,
        rate=quote.rate,
        rate_date=quote.rate_date,
        source=quote.source,
    )
