"""Fulfillments of a booking (issue, reissue, revoke) and redemptions at the point of service.

Registered before `api.routes.bookings`, so a catch-all `POST /v1/bookings/{id}/{verb}`
there could never shadow `POST .../fulfillments`.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Response
from pydantic import AfterValidator, BaseModel, ConfigDict, StringConstraints

from api.deps import PrincipalDep, RuntimeDep, SessionDep, require
from domain.auth.service import AuthenticatedPrincipal
from domain.bookings import fulfillments
from domain.bookings.service import Context
from domain.ids import parse_id

router = APIRouter(tags=["booking fulfillment"])
Reader = Annotated[AuthenticatedPrincipal, Depends(require("bookings:read"))]
Writer = Annotated[AuthenticatedPrincipal, Depends(require("bookings:write"))]
# A scanner device's key needs this scope only.
Redeemer = Annotated[AuthenticatedPrincipal, Depends(require("fulfillment:redeem"))]
Kind = Literal["voucher", "ticket", "pdf", "qr", "barcode"]
Channel = Literal["email", "sms", "wallet", "download", "print", "api"]
BOOKING = "/v1/bookings/{booking_id}"


def no_nul(value: str) -> str:
    # PostgreSQL text cannot hold NUL: refuse it here (422), never at the driver (500).
    if "\x00" in value:
        raise ValueError("must not contain NUL characters")
    return value


def bounded(max_length: int) -> StringConstraints:
    """Required text, stripped, of at most `max_length` characters."""
    return StringConstraints(strip_whitespace=True, min_length=1, max_length=max_length)


NoNul = AfterValidator(no_nul)
Ref = Annotated[str, bounded(90), NoNul]
Code = Annotated[str, bounded(64), NoNul]
Label = Annotated[str, bounded(200), NoNul]
Reason = Annotated[str, bounded(1000), NoNul]


class FulfillmentIn(BaseModel):
    item_id: Ref
    kind: Kind = "voucher"
    delivery_channel: Channel
    single_use: bool = True


class ReissueIn(BaseModel):
    delivery_channel: Channel | None = None
    reason: Reason | None = None


class RevokeIn(BaseModel):
    reason: Annotated[str, bounded(300), NoNul]


class RedeemIn(BaseModel):
    code: Code
    scan_id: Label
    location: Label | None = None


class Row(BaseModel):
    """A response model read from an ORM row."""

    model_config = ConfigDict(from_attributes=True)


class FulfillmentOut(Row):
    id: str
    booking_id: str
    item_id: str
    kind: str
    delivery_channel: str
    code: str
    single_use: bool
    status: str
    reissue_of_id: str | None
    revoked_at: datetime | None
    revoke_reason: str | None
    created_at: datetime


class RedemptionOut(Row):
    id: str
    fulfillment_id: str
    scan_id: str
    location: str | None
    redeemed_by: str | None
    redeemed_at: datetime


class RedeemOut(RedemptionOut):
    """The redemption (the earlier one when `replayed`) and the state of what it used."""

    booking_id: str
    item_id: str
    fulfillment_status: str
    replayed: bool


def actor_context(runtime: RuntimeDep, principal: AuthenticatedPrincipal) -> Context:
    """The service context of the calling principal."""
    return Context(actor_id=principal.id, task_queue=runtime.settings.temporal_task_queue)


def booking_id_of(booking_id: str) -> str:
    """The path's booking id, or 400 `invalid_id`."""
    return parse_id(booking_id, "book", field="booking_id")


def _fulfillment(fulfillment_id: str) -> str:
    return parse_id(fulfillment_id, "bkfl", field="fulfillment_id")


@router.get(f"{BOOKING}/fulfillments", response_model=list[FulfillmentOut])
async def list_fulfillments(
    booking_id: str, session: SessionDep, _: Reader
) -> list[FulfillmentOut]:
    """The booking's fulfillments, oldest first."""
    rows = await fulfillments.list_fulfillments(session, booking_id=booking_id_of(booking_id))
    return [FulfillmentOut.model_validate(r) for r in rows]


@router.post(f"{BOOKING}/fulfillments", response_model=FulfillmentOut, status_code=201)
async def issue_fulfillment(
    booking_id: str,
    body: FulfillmentIn,
    session: SessionDep,
    runtime: RuntimeDep,
    principal: PrincipalDep,
    _: Writer,
) -> FulfillmentOut:
    """Issue a voucher or ticket for an item; 409 `booking_not_fulfillable` unless confirmed."""
    row = await fulfillments.issue_fulfillment(
        session,
        booking_id=booking_id_of(booking_id),
        item_id=parse_id(body.item_id, "bkit", field="item_id"),
        kind=body.kind,
        delivery_channel=body.delivery_channel,
        single_use=body.single_use,
        ctx=actor_context(runtime, principal),
    )
    return FulfillmentOut.model_validate(row)


@router.get(f"{BOOKING}/fulfillments/{{fulfillment_id}}", response_model=FulfillmentOut)
async def get_fulfillment(
    booking_id: str, fulfillment_id: str, session: SessionDep, _: Reader
) -> FulfillmentOut:
    """One fulfillment of the booking."""
    row = await fulfillments.get_fulfillment(
        session, booking_id=booking_id_of(booking_id), fulfillment_id=_fulfillment(fulfillment_id)
    )
    return FulfillmentOut.model_validate(row)


@router.post(
    f"{BOOKING}/fulfillments/{{fulfillment_id}}/reissue",
    response_model=FulfillmentOut,
    status_code=201,
)
async def reissue_fulfillment(
    booking_id: str,
    fulfillment_id: str,
    session: SessionDep,
    runtime: RuntimeDep,
    principal: PrincipalDep,
    _: Writer,
    body: ReissueIn | None = None,
) -> FulfillmentOut:
    """Replace a fulfillment with a new code; the old one becomes `superseded`."""
    body = body or ReissueIn()
    row = await fulfillments.reissue_fulfillment(
        session,
        booking_id=booking_id_of(booking_id),
        fulfillment_id=_fulfillment(fulfillment_id),
        delivery_channel=body.delivery_channel,
        reason=body.reason,
        ctx=actor_context(runtime, principal),
    )
    return FulfillmentOut.model_validate(row)


@router.post(f"{BOOKING}/fulfillments/{{fulfillment_id}}/revoke", response_model=FulfillmentOut)
async def revoke_fulfillment(
    booking_id: str,
    fulfillment_id: str,
    body: RevokeIn,
    session: SessionDep,
    runtime: RuntimeDep,
    principal: PrincipalDep,
    _: Writer,
) -> FulfillmentOut:
    """Revoke a fulfillment (reason required); its code no longer redeems."""
    row = await fulfillments.revoke_fulfillment(
        session,
        booking_id=booking_id_of(booking_id),
        fulfillment_id=_fulfillment(fulfillment_id),
        reason=body.reason,
        ctx=actor_context(runtime, principal),
    )
    return FulfillmentOut.model_validate(row)


@router.get(f"{BOOKING}/redemptions", response_model=list[RedemptionOut])
async def list_redemptions(booking_id: str, session: SessionDep, _: Reader) -> list[RedemptionOut]:
    """Every scan that redeemed one of the booking's fulfillments, oldest first."""
    rows = await fulfillments.list_redemptions(session, booking_id=booking_id_of(booking_id))
    return [RedemptionOut.model_validate(r) for r in rows]


@router.post("/v1/redemptions", response_model=RedeemOut, status_code=201)
async def redeem(
    body: RedeemIn,
    session: SessionDep,
    runtime: RuntimeDep,
    principal: PrincipalDep,
    response: Response,
    _: Redeemer,
) -> RedeemOut:
    """Redeem a code at the point of service; a retried scan (same `scan_id`) answers 200."""
    result = await fulfillments.redeem(
        session,
        code=body.code,
        scan_id=body.scan_id,
        location=body.location,
        ctx=actor_context(runtime, principal),
    )
    if result.replayed:
        response.status_code = 200
    out = RedemptionOut.model_validate(result.redemption)
    return RedeemOut(
        **out.model_dump(),
        booking_id=result.fulfillment.booking_id,
        item_id=result.fulfillment.item_id,
        fulfillment_status=result.fulfillment.status,
        replayed=result.replayed,
    )
