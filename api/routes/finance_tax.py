"""Tax regimes and the booking-tax preview (the same function finalisation uses)."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Depends
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import select

from api.deps import SessionDep, require
from api.fields import Medium, Name, Ref
from domain.auth.service import AuthenticatedPrincipal
from domain.errors import Conflict
from domain.finance import invoice_tax
from domain.finance.tax import check_rate
from domain.finance.tax_models import TaxRegime
from domain.ids import parse_id

router = APIRouter(prefix="/v1/finance", tags=["finance"])
Reader = Annotated[AuthenticatedPrincipal, Depends(require("finance:read"))]
Writer = Annotated[AuthenticatedPrincipal, Depends(require("finance:write"))]
Kind = Literal["standard", "reduced", "exempt", "reverse_charge"]
Mode = Literal["inclusive", "exclusive"]


class RegimeIn(BaseModel):
    """A tax regime; the rate is in basis points (1900 = 19 %), 0 for exempt."""

    code: Annotated[Medium, Field(max_length=40)]
    name: Name
    kind: Kind
    rate_bps: int = Field(ge=0, le=10_000)


class RegimeOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: str
    code: str
    name: str
    kind: str
    rate_bps: int
    active: bool


class PreviewIn(BaseModel):
    """Which booking, under which regime and price mode."""

    booking_id: Ref
    tax_regime_id: Ref
    mode: Mode = "inclusive"


class PreviewLine(BaseModel):
    booking_item_id: str | None
    invoice_line_id: str | None = None
    description: str
    currency: str
    mode: str
    regime_kind: str
    rate_bps: int
    amount_minor: int
    net_minor: int
    tax_minor: int
    gross_minor: int
    self_assessed_minor: int


class PreviewOut(BaseModel):
    invoice_id: str | None = None  # the draft whose lines were taxed, if any
    lines: list[PreviewLine]
    net_minor: int
    tax_minor: int
    gross_minor: int


@router.post("/tax-regimes", response_model=RegimeOut, status_code=201, summary="Add a regime")
async def create_regime(body: RegimeIn, session: SessionDep, _: Writer) -> RegimeOut:
    """409 `tax_regime_exists` for a taken code; 400 `invalid_tax_rate`."""
    rate = check_rate(body.kind, body.rate_bps)
    if await session.scalar(select(TaxRegime.id).where(TaxRegime.code == body.code)):
        raise Conflict(
            "tax_regime_exists", f"tax regime {body.code!r} exists", regime_code=body.code
        )
    row = TaxRegime(code=body.code, name=body.name, kind=body.kind, rate_bps=rate, active=True)
    session.add(row)
    await session.flush()
    await session.refresh(row)
    return RegimeOut.model_validate(row)


@router.get("/tax-regimes", response_model=list[RegimeOut], summary="List regimes")
async def list_regimes(session: SessionDep, _: Reader) -> list[RegimeOut]:
    rows = await session.scalars(select(TaxRegime).order_by(TaxRegime.code))
    return [RegimeOut.model_validate(x) for x in rows.all()]


@router.post("/tax/preview", response_model=PreviewOut, summary="Preview a booking's tax")
async def preview(body: PreviewIn, session: SessionDep, _: Reader) -> PreviewOut:
    """The tax lines issuing this booking's invoice with the regime would store: its
    draft's lines when it has a draft invoice (`invoice_id`), else its active items."""
    items = await invoice_tax.preview_booking_tax(
        session,
        booking_id=parse_id(body.booking_id, "book", field="booking_id"),
        regime_id=parse_id(body.tax_regime_id, "txrg", field="tax_regime_id"),
        mode=body.mode,
    )
    lines = [
        PreviewLine(
            booking_item_id=i.booking_item_id,
            invoice_line_id=i.invoice_line_id,
            description=i.description,
            currency=i.currency,
            mode=i.line.mode,
            regime_kind=i.line.regime_kind,
            rate_bps=i.line.rate_bps,
            amount_minor=i.line.amount_minor,
            net_minor=i.line.net_minor,
            tax_minor=i.line.tax_minor,
            gross_minor=i.line.gross_minor,
            self_assessed_minor=i.line.self_assessed_minor,
        )
        for i in items
    ]
    return PreviewOut(
        invoice_id=items[0].invoice_id if items else None,
        lines=lines,
        net_minor=sum(x.net_minor for x in lines),
        tax_minor=sum(x.tax_minor for x in lines),
        gross_minor=sum(x.gross_minor for x in lines),
    )
