"""Quote routes: quotes, versions with frozen lines, send, accept, and the reservation plan."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from fastapi import APIRouter, Depends
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import select

from api.deps import PrincipalDep, RuntimeDep, SessionDep, require
from domain.auth.service import AuthenticatedPrincipal
from domain.errors import NotFound
from domain.ids import parse_id
from domain.quotes import service
from domain.quotes.models import Quote, QuoteVersion
from domain.reservations import service as plans
from domain.reservations.models import ReservationPlan

router = APIRouter(tags=["quotes"])
Reader = Annotated[AuthenticatedPrincipal, Depends(require("quotes:read"))]
Writer = Annotated[AuthenticatedPrincipal, Depends(require("quotes:write"))]
MAX_MINOR = 10**12  # per unit; totals stay far inside BIGINT


class BuyerIn(BaseModel):
    person_id: str | None = Field(default=None, max_length=90)
    organization_id: str | None = Field(default=None, max_length=90)
    name: str | None = Field(default=None, max_length=200)
    email: str | None = Field(default=None, max_length=320)


class QuoteIn(BaseModel):
    title: str = Field(min_length=1, max_length=200)
    currency: str = Field(min_length=3, max_length=3)
    buyer: BuyerIn = Field(default_factory=BuyerIn)


class LineIn(BaseModel):
    kind: Literal["catalog", "manual"]
    description: str = Field(min_length=1, max_length=300)
    sell_amount_minor: int = Field(ge=0, le=MAX_MINOR, description="per unit, minor units")
    sell_currency: str = Field(min_length=3, max_length=3)
    cost_amount_minor: int = Field(
        default=0, ge=0, le=MAX_MINOR, description="per unit, minor units"
    )
    cost_currency: str | None = Field(default=None, min_length=3, max_length=3)
    quantity: int = Field(default=1, ge=1, le=10_000)
    pax_per_unit: int = Field(default=1, ge=0, le=100)
    product_id: str | None = None
    option_id: str | None = None
    unit_id: str | None = None
    slot_id: str | None = None
    supplier_ref: str | None = Field(default=None, max_length=200)
    service_name: str | None = Field(default=None, max_length=200)
    supplier_deadline_seconds: int | None = Field(default=None, ge=1, le=30 * 86400)


class VersionIn(BaseModel):
    lines: list[LineIn] = Field(min_length=1, max_length=200)
    payment_terms: Literal["pay_before_travel", "on_account"] = "pay_before_travel"
    booking_hold_seconds: int | None = Field(default=None, ge=1, le=30 * 86400)
    supplier_deadline_seconds: int = Field(default=172_800, ge=1, le=30 * 86400)


class _Row(BaseModel):
    model_config = ConfigDict(from_attributes=True)


class QuoteOut(_Row):
    id: str
    title: str
    status: str
    currency: str
    buyer_person_id: str | None
    buyer_organization_id: str | None
    buyer_name: str | None
    won_version_id: str | None
    closed_at: datetime | None


class LineOut(_Row):
    id: str
    position: int
    kind: str
    description: str
    product_id: str | None
    option_id: str | None
    unit_id: str | None
    slot_id: str | None
    quantity: int
    pax_per_unit: int
    sell_amount_minor: int
    sell_currency: str
    cost_amount_minor: int
    cost_currency: str
    supplier_ref: str | None
    service_name: str | None
    supplier_deadline_seconds: int | None


class VersionOut(_Row):
    id: str
    quote_id: str
    number: int
    status: str
    currency: str
    payment_terms: str
    booking_hold_seconds: int | None
    supplier_deadline_seconds: int
    sent_at: datetime | None
    accepted_at: datetime | None
    lines: list[LineOut] = []


class PlanLineOut(_Row):
    id: str
    version_line_id: str
    position: int
    kind: str
    status: str
    hold_token: str | None
    hold_id: str | None
    supplier_status: str | None
    confirmation_ref: str | None
    respond_by: datetime | None
    responded_at: datetime | None
    failure_code: str | None
    detail: str | None


class PlanOut(_Row):
    id: str
    quote_version_id: str
    workflow_id: str
    status: str
    failure_code: str | None
    failure_line_id: str | None
    failure_message: str | None
    booking_id: str | None
    booking_number: str | None = None
    finished_at: datetime | None
    lines: list[PlanLineOut] = []


class AcceptOut(BaseModel):
    accepted_now: bool
    version: VersionOut
    plan: PlanOut


def _opt(value: str | None, prefix: str, field: str) -> str | None:
    return parse_id(value, prefix, field=field) if value else None


def _line_spec(n: int, line: LineIn) -> service.LineSpec:
    refs = {"product_id", "option_id", "unit_id", "slot_id"}
    return service.LineSpec(
        **line.model_dump(exclude=refs),
        product_id=_opt(line.product_id, "prod", f"lines[{n}].product_id"),
        option_id=_opt(line.option_id, "popt", f"lines[{n}].option_id"),
        unit_id=_opt(line.unit_id, "punt", f"lines[{n}].unit_id"),
        slot_id=_opt(line.slot_id, "avsl", f"lines[{n}].slot_id"),
    )


async def version_out(session: SessionDep, version: QuoteVersion) -> VersionOut:
    out = VersionOut.model_validate(version)
    out.lines = [
        LineOut.model_validate(ln) for ln in await service.version_lines(session, version.id)
    ]
    return out


async def plan_out(session: SessionDep, plan: ReservationPlan) -> PlanOut:
    from domain.bookings.models import Booking

    out = PlanOut.model_validate(plan)
    out.lines = [PlanLineOut.model_validate(ln) for ln in await plans.plan_lines(session, plan.id)]
    if plan.booking_id:
        out.booking_number = await session.scalar(
            select(Booking.number).where(Booking.id == plan.booking_id)
        )
    return out


async def _version(session: SessionDep, version_id: str) -> QuoteVersion:
    version = await session.get(QuoteVersion, parse_id(version_id, "qver", field="version_id"))
    if version is None:
        raise NotFound("quote_version_not_found", f"no quote version {version_id}")
    return version


@router.post("/v1/quotes", response_model=QuoteOut, status_code=201)
async def create_quote(body: QuoteIn, session: SessionDep, _: Writer) -> QuoteOut:
    """Open a quote for a buyer."""
    quote = await service.create_quote(
        session,
        service.QuoteSpec(title=body.title, currency=body.currency, buyer=body.buyer.model_dump()),
    )
    return QuoteOut.model_validate(quote)


@router.get("/v1/quotes/{quote_id}", response_model=QuoteOut)
async def get_quote(quote_id: str, session: SessionDep, _: Reader) -> QuoteOut:
    """One quote."""
    quote = await session.get(Quote, parse_id(quote_id, "quot", field="quote_id"))
    if quote is None:
        raise NotFound("quote_not_found", f"no quote {quote_id}")
    return QuoteOut.model_validate(quote)


@router.post("/v1/quotes/{quote_id}/versions", response_model=VersionOut, status_code=201)
async def create_version(
    quote_id: str, body: VersionIn, session: SessionDep, _: Writer
) -> VersionOut:
    """A draft version; its lines are a frozen snapshot from now on."""
    version = await service.create_version(
        session,
        quote_id=parse_id(quote_id, "quot", field="quote_id"),
        spec=service.VersionSpec(
            lines=[_line_spec(n, ln) for n, ln in enumerate(body.lines)],
            payment_terms=body.payment_terms,
            booking_hold_seconds=body.booking_hold_seconds,
            supplier_deadline_seconds=body.supplier_deadline_seconds,
        ),
    )
    return await version_out(session, version)


@router.get("/v1/quote-versions/{version_id}", response_model=VersionOut)
async def get_version(version_id: str, session: SessionDep, _: Reader) -> VersionOut:
    """A version with its lines."""
    return await version_out(session, await _version(session, version_id))


@router.post("/v1/quote-versions/{version_id}/send", response_model=VersionOut)
async def send_version(version_id: str, session: SessionDep, _: Writer) -> VersionOut:
    """draft -> sent."""
    version = await service.send_version(
        session, version_id=parse_id(version_id, "qver", field="version_id")
    )
    return await version_out(session, version)


@router.post("/v1/quote-versions/{version_id}/accept", response_model=AcceptOut, status_code=202)
async def accept_version(
    version_id: str,
    session: SessionDep,
    runtime: RuntimeDep,
    principal: PrincipalDep,
    _: Writer,
) -> AcceptOut:
    """Accept a sent version: the quote closes won and `reserve:{versionId}` starts.

    202: reserving runs in the workflow; read the plan to follow it. Accepting again
    returns the same plan with `accepted_now: false` and starts nothing.
    """
    accepted = await service.accept_version(
        session,
        version_id=parse_id(version_id, "qver", field="version_id"),
        task_queue=runtime.settings.temporal_task_queue,
        actor_id=principal.id,
    )
    return AcceptOut(
        accepted_now=accepted.accepted_now,
        version=await version_out(session, accepted.version),
        plan=await plan_out(session, accepted.plan),
    )


@router.get("/v1/quote-versions/{version_id}/reservation-plan", response_model=PlanOut)
async def get_plan(version_id: str, session: SessionDep, _: Reader) -> PlanOut:
    """What reserve secured and what failed, line by line."""
    version = await _version(session, version_id)
    return await plan_out(session, await plans.plan_for_version(session, version.id))
