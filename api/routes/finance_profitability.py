"""Departure and product profitability, per currency plus a base-currency rollup."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends
from pydantic import BaseModel

from api.deps import RuntimeDep, SessionDep, require
from domain.auth.service import AuthenticatedPrincipal
from domain.availability.models import AvailabilitySlot
from domain.catalog.models import Product
from domain.errors import NotFound
from domain.finance import profitability
from domain.finance.profit_rules import Figures, split_evenly
from domain.ids import parse_id

router = APIRouter(prefix="/v1/finance/profitability", tags=["finance"])
Reader = Annotated[AuthenticatedPrincipal, Depends(require("finance:read"))]


class FiguresOut(BaseModel):
    """One currency: profit = revenue - actual; variance = planned - actual."""

    currency: str
    revenue_minor: int
    actual_cost_minor: int
    planned_cost_minor: int
    profit_minor: int
    variance_minor: int


class BaseOut(BaseModel):
    """The base-currency rollup; `figures` is null unless every currency converted."""

    currency: str
    complete: bool
    figures: FiguresOut | None


class ProfitabilityOut(BaseModel):
    scope: str
    id: str
    travellers: int
    currencies: list[FiguresOut]
    base: BaseOut | None


class TravellerCostOut(BaseModel):
    """A departure's actual cost in one currency split over its travellers."""

    currency: str
    actual_cost_minor: int
    travellers: int
    per_traveller_minor: list[int]


def _figures(f: Figures) -> FiguresOut:
    return FiguresOut(
        currency=f.currency,
        revenue_minor=f.revenue_minor,
        actual_cost_minor=f.actual_cost_minor,
        planned_cost_minor=f.planned_cost_minor,
        profit_minor=f.profit_minor,
        variance_minor=f.variance_minor,
    )


def _out(p: profitability.Profitability) -> ProfitabilityOut:
    base = None
    if p.base is not None:
        base = BaseOut(
            currency=p.base.currency,
            complete=p.base.complete,
            figures=_figures(p.base.figures) if p.base.figures else None,
        )
    return ProfitabilityOut(
        scope=p.scope,
        id=p.id,
        travellers=p.travellers,
        currencies=[_figures(c) for c in p.currencies],
        base=base,
    )


async def _departure(
    session: SessionDep, runtime: RuntimeDep, slot_id: str
) -> profitability.Profitability:
    sid = parse_id(slot_id, AvailabilitySlot.id_prefix, field="slot_id")
    if await session.get(AvailabilitySlot, sid) is None:
        raise NotFound("slot_not_found", f"no departure {slot_id}")
    result = await profitability.compute(
        session, scope="slot", ids=[sid], base_currency=runtime.settings.base_currency
    )
    return result[sid]


@router.get("/departures/{slot_id}", response_model=ProfitabilityOut, summary="One departure")
async def departure(
    slot_id: str, session: SessionDep, runtime: RuntimeDep, _: Reader
) -> ProfitabilityOut:
    """404 `slot_not_found`."""
    return _out(await _departure(session, runtime, slot_id))


@router.get(
    "/departures/{slot_id}/traveller-costs",
    response_model=list[TravellerCostOut],
    summary="Per-traveller cost",
)
async def traveller_costs(
    slot_id: str, session: SessionDep, runtime: RuntimeDep, _: Reader
) -> list[TravellerCostOut]:
    """Each currency's actual cost split over the departure's travellers (exact parts);
    400 `no_travellers` when nobody travels on it yet."""
    p = await _departure(session, runtime, slot_id)
    return [
        TravellerCostOut(
            currency=c.currency,
            actual_cost_minor=c.actual_cost_minor,
            travellers=p.travellers,
            per_traveller_minor=split_evenly(c.actual_cost_minor, p.travellers),
        )
        for c in p.currencies
        if c.actual_cost_minor
    ]


@router.get("/products/{product_id}", response_model=ProfitabilityOut, summary="One product")
async def product(
    product_id: str, session: SessionDep, runtime: RuntimeDep, _: Reader
) -> ProfitabilityOut:
    """The sum over the product's departures plus product-level costs; 404."""
    pid = parse_id(product_id, Product.id_prefix, field="product_id")
    if await session.get(Product, pid) is None:
        raise NotFound("product_not_found", f"no product {product_id}")
    result = await profitability.compute(
        session, scope="product", ids=[pid], base_currency=runtime.settings.base_currency
    )
    return _out(result[pid])


@router.get(
    "/products/{product_id}/departures",
    response_model=list[ProfitabilityOut],
    summary="Every departure of a product",
)
async def product_departures(
    product_id: str, session: SessionDep, runtime: RuntimeDep, _: Reader
) -> list[ProfitabilityOut]:
    """Departures with any revenue or cost, in id order; 404 `product_not_found`."""
    pid = parse_id(product_id, Product.id_prefix, field="product_id")
    if await session.get(Product, pid) is None:
        raise NotFound("product_not_found", f"no product {product_id}")
    result = await profitability.compute(
        session,
        scope="slot",
        ids=[],
        base_currency=runtime.settings.base_currency,
        product_filter=[pid],
    )
    return [_out(result[k]) for k in sorted(result)]
