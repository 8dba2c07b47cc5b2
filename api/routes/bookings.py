"""Booking routes: create, read, status verbs, override and hold extension."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import select

from api.approvals import OverrideGate, verb_gate
from api.deps import PrincipalDep, RuntimeDep, SessionDep, require
from api.redaction import redact
from domain.auth.service import AuthenticatedPrincipal
from domain.bookings import service
from domain.bookings.models import (
    Booking,
    BookingAllocation,
    BookingItem,
    BookingOrigin,
    BookingTraveller,
)
from domain.db import defer_after_commit
from domain.errors import NotFound
from domain.ids import parse_id
from tourflow.runtime import Runtime

router = APIRouter(prefix="/v1/bookings", tags=["bookings"])
Reader = Annotated[AuthenticatedPrincipal, Depends(require("bookings:read"))]
Writer = Annotated[AuthenticatedPrincipal, Depends(require("bookings:write"))]
Overrider = Annotated[AuthenticatedPrincipal, Depends(require("bookings:override"))]
ItemKind = Literal[
    "unit", "service", "extra", "fee", "tax", "discount", "accommodation", "transport"
]


class ItemIn(BaseModel):
    kind: ItemKind = "unit"
    description: str = Field(min_length=1, max_length=300)
    sell_amount_minor: int
    sell_currency: str = Field(min_length=3, max_length=3)
    cost_amount_minor: int = 0
    cost_currency: str | None = Field(default=None, min_length=3, max_length=3)
    product_id: str | None = None
    option_id: str | None = None
    unit_id: str | None = None
    slot_id: str | None = None
    quantity: int = Field(default=1, ge=1, le=10_000)
    pax: int = Field(default=0, ge=0, le=10_000)
    pickup_id: str | None = None
    resources: dict[str, list[int]] = Field(
        default_factory=dict, description="slot resource id -> indexes into `travellers`"
    )


class TravellerIn(BaseModel):
    first_name: str = Field(min_length=1, max_length=100)
    last_name: str = Field(min_length=1, max_length=100)
    category: Literal["adult", "child", "infant", "youth", "senior", "student"] = "adult"
    email: str | None = Field(default=None, max_length=320)
    phone: str | None = Field(default=None, max_length=40)
    is_lead: bool = False
    person_id: str | None = Field(default=None, max_length=90)


class BuyerIn(BaseModel):
    person_id: str | None = Field(default=None, max_length=90)
    organization_id: str | None = Field(default=None, max_length=90)
    name: str | None = Field(default=None, max_length=200)
    email: str | None = Field(default=None, max_length=320)
    phone: str | None = Field(default=None, max_length=40)


class OriginIn(BaseModel):
    kind: Literal[
        "accepted_quote_version", "catalog_price_availability", "catalog_snapshot",
        "provider_source_order", "legacy_transaction", "manual", "direct",
    ] = "direct"  # fmt: skip
    quote_version_id: str | None = Field(default=None, max_length=90)
    reservation_plan_id: str | None = Field(default=None, max_length=90)
    trip_snapshot_id: str | None = Field(default=None, max_length=90)
    catalog_response_id: str | None = Field(default=None, max_length=90)
    provider_order_ref: str | None = Field(default=None, max_length=200)
    legacy_transaction_id: str | None = Field(default=None, max_length=200)


class BookingIn(BaseModel):
    currency: str = Field(min_length=3, max_length=3)
    status: Literal["draft", "on_hold", "awaiting_payment", "confirmed"] = "on_hold"
    items: list[ItemIn] = Field(default_factory=list, max_length=200)
    travellers: list[TravellerIn] = Field(default_factory=list, max_length=500)
    buyer: BuyerIn = Field(default_factory=BuyerIn)
    origin: OriginIn = Field(default_factory=OriginIn)
    channel_id: str | None = Field(default=None, max_length=90)
    external_ref: str | None = Field(default=None, max_length=200)
    hold_ttl_seconds: int | None = Field(default=None, ge=1, le=30 * 86400)


class _Row(BaseModel):
    model_config = ConfigDict(from_attributes=True)


class ItemOut(_Row):
    id: str
    kind: str
    description: str
    product_id: str | None
    option_id: str | None
    unit_id: str | None
    slot_id: str | None
    quantity: int
    pax: int
    sell_amount_minor: int
    sell_currency: str
    cost_amount_minor: int
    cost_currency: str
    status: str


class TravellerOut(_Row):
    id: str
    category: str
    first_name: str
    last_name: str
    email: str | None
    phone: str | None
    is_lead: bool


class AllocationOut(_Row):
    id: str
    item_id: str
    target: str
    slot_id: str | None
    slot_pickup_id: str | None
    slot_resource_id: str | None
    traveller_id: str | None
    pax: int
    status: str


class OriginOut(_Row):
    kind: str
    quote_version_id: str | None
    reservation_plan_id: str | None
    provider_order_ref: str | None


class BookingOut(_Row):
    id: str
    number: str
    status: str
    currency: str
    sell_total_minor: int
    cost_total_minor: int
    buyer_person_id: str | None
    buyer_organization_id: str | None
    buyer_name: str | None
    buyer_email: str | None
    channel_id: str | None
    external_ref: str | None
    hold_expires_at: datetime | None
    confirmed_at: datetime | None
    paid_at: datetime | None
    started_at: datetime | None
    completed_at: datetime | None
    expired_at: datetime | None
    cancelled_at: datetime | None
    items: list[ItemOut] = []
    travellers: list[TravellerOut] = []
    allocations: list[AllocationOut] = []
    origin: OriginOut | None = None


class OverrideIn(BaseModel):
    status: Literal[
        "draft", "on_hold", "awaiting_payment", "confirmed", "in_progress", "completed",
        "expired", "cancelled",
    ]  # fmt: skip
    reason: str = Field(min_length=3, max_length=1000)


class ExtendIn(BaseModel):
    ttl_seconds: int = Field(ge=1, le=30 * 86400)


def _ctx(runtime: Runtime, principal: AuthenticatedPrincipal) -> service.Context:
    return service.Context(
        actor_id=principal.id,
        task_queue=runtime.settings.temporal_task_queue,
        default_hold_ttl=timedelta(seconds=runtime.settings.booking_hold_ttl_seconds),
    )


def _opt(value: str | None, prefix: str, field: str) -> str | None:
    return parse_id(value, prefix, field=field) if value else None


def _spec(body: BookingIn) -> service.BookingSpec:
    items = [
        service.ItemSpec(
            **i.model_dump(
                exclude={"product_id", "option_id", "unit_id", "slot_id", "pickup_id", "resources"}
            ),
            product_id=_opt(i.product_id, "prod", f"items[{n}].product_id"),
            option_id=_opt(i.option_id, "popt", f"items[{n}].option_id"),
            unit_id=_opt(i.unit_id, "punt", f"items[{n}].unit_id"),
            slot_id=_opt(i.slot_id, "avsl", f"items[{n}].slot_id"),
            pickup_id=_opt(i.pickup_id, "slpk", f"items[{n}].pickup_id"),
            resources={
                parse_id(k, "alrs", field=f"items[{n}].resources"): v
                for k, v in i.resources.items()
            },
        )
        for n, i in enumerate(body.items)
    ]
    return service.BookingSpec(
        currency=body.currency,
        status=body.status,
        items=items,
        travellers=[service.TravellerSpec(**t.model_dump()) for t in body.travellers],
        origin_kind=body.origin.kind,
        origin_refs=body.origin.model_dump(exclude={"kind"}, exclude_none=True),
        buyer=body.buyer.model_dump(),
        channel_id=body.channel_id,
        external_ref=body.external_ref,
        hold_ttl=timedelta(seconds=body.hold_ttl_seconds) if body.hold_ttl_seconds else None,
    )


async def booking_out(session: SessionDep, booking: Booking) -> BookingOut:
    """A booking with its items, travellers, allocations and origin."""

    async def rows(model: Any) -> list[Any]:
        stmt = select(model).where(model.booking_id == booking.id).order_by(model.id)
        return list((await session.scalars(stmt)).all())

    out = BookingOut.model_validate(booking)
    out.items = [ItemOut.model_validate(r) for r in await rows(BookingItem)]
    out.travellers = [TravellerOut.model_validate(r) for r in await rows(BookingTraveller)]
    out.allocations = [AllocationOut.model_validate(r) for r in await rows(BookingAllocation)]
    origin = await session.scalar(
        select(BookingOrigin).where(BookingOrigin.booking_id == booking.id)
    )
    out.origin = OriginOut.model_validate(origin) if origin else None
    return out


def _id(booking_id: str) -> str:
    return parse_id(booking_id, "book", field="booking_id")


@router.post("", response_model=BookingOut, status_code=201)
async def create_booking(
    body: BookingIn, session: SessionDep, runtime: RuntimeDep, principal: PrincipalDep, _: Writer
) -> BookingOut:
    """Create a booking; capacity gates run in the same transaction (409 when sold out)."""
    booking = await service.create_booking(session, _spec(body), _ctx(runtime, principal))
    return redact(await booking_out(session, booking), principal)


@router.get("", response_model=list[BookingOut])
async def list_bookings(
    session: SessionDep,
    _: Reader,
    status: Literal[
        "draft",
        "on_hold",
        "awaiting_payment",
        "confirmed",
        "in_progress",
        "completed",
        "expired",
        "cancelled",
    ]
    | None = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
) -> list[BookingOut]:
    """Newest first, without nested lines."""
    stmt = select(Booking).order_by(Booking.id.desc()).limit(limit)
    if status:
        stmt = stmt.where(Booking.status == status)
    return redact([BookingOut.model_validate(b) for b in (await session.scalars(stmt)).all()], _)


@router.get("/{booking_id}", response_model=BookingOut)
async def get_booking(booking_id: str, session: SessionDep, _: Reader) -> BookingOut:
    """One booking with its lines."""
    booking = await session.get(Booking, _id(booking_id))
    if booking is None:
        raise NotFound("booking_not_found", f"no booking {booking_id}")
    return redact(await booking_out(session, booking), _)


VERBS = {
    "confirm": "confirmed",
    "cancel": "cancelled",
    "start": "in_progress",
    "complete": "completed",
    "expire": "expired",
    "hold": "on_hold",
    "await-payment": "awaiting_payment",
}


def _verb_route(verb: str, target: str) -> None:
    async def move(
        booking_id: str,
        session: SessionDep,
        runtime: RuntimeDep,
        principal: PrincipalDep,
        _: Writer,
        _gate: None = Depends(verb_gate(verb)),  # approval-required moves answer 202
    ) -> BookingOut:
        booking = await service.change_status(
            session, booking_id=_id(booking_id), target=target, ctx=_ctx(runtime, principal)
        )
        return redact(await booking_out(session, booking), principal)

    # One explicit route per verb (no catch-all), so /{id}/items, /{id}/notes ... stay free.
    router.add_api_route(
        f"/{{booking_id}}/{verb}",
        move,
        methods=["POST"],
        response_model=BookingOut,
        name=f"booking_{verb.replace('-', '_')}",
        summary=f"Move the booking to {target}",
        description="Along the status graph; an illegal move is 409 `invalid_transition`.",
    )


for _verb, _target in VERBS.items():
    _verb_route(_verb, _target)


@router.post("/{booking_id}/override", response_model=BookingOut)
async def override(
    booking_id: str,
    body: OverrideIn,
    session: SessionDep,
    runtime: RuntimeDep,
    principal: PrincipalDep,
    _: Overrider,
    _gate: OverrideGate,
) -> BookingOut:
    """Set any status outside the graph (scope `bookings:override`, reason required, audited)."""
    booking = await service.override_status(
        session,
        booking_id=_id(booking_id),
        target=body.status,
        reason=body.reason,
        ctx=_ctx(runtime, principal),
    )
    return redact(await booking_out(session, booking), principal)


@router.post("/{booking_id}/hold/extend", response_model=BookingOut)
async def extend_hold(
    booking_id: str,
    body: ExtendIn,
    session: SessionDep,
    runtime: RuntimeDep,
    principal: PrincipalDep,
    _: Writer,
) -> BookingOut:
    """Push the hold expiry out; the hold workflow is told through its `extend` update."""
    booking = await service.extend_hold(
        session,
        booking_id=_id(booking_id),
        ttl=timedelta(seconds=body.ttl_seconds),
        ctx=_ctx(runtime, principal),
    )
    expiry = booking.hold_expires_at

    async def wake_hold_workflow() -> None:
        # Best effort: if the update does not arrive, the workflow re-reads the expiry
        # when its old timer fires and sleeps again, so the extension still holds.
        client = await runtime.temporal.get()
        handle = client.get_workflow_handle(service.hold_workflow_id(booking.id))
        await handle.execute_update("extend", {"hold_expires_at": expiry})

    defer_after_commit(session, wake_hold_workflow)
    return redact(await booking_out(session, booking), principal)
