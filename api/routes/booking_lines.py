"""Booking lines and travellers on an existing booking."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Depends
from pydantic import BaseModel, Field

from api.deps import PrincipalDep, RuntimeDep, SessionDep, require
from api.redaction import redact
from api.routes.bookings import ItemIn, ItemOut, TravellerIn, TravellerOut, _ctx, _id, _opt
from domain.auth.service import AuthenticatedPrincipal
from domain.bookings import lines
from domain.bookings.service import ItemSpec, TravellerSpec
from domain.errors import BadRequest
from domain.ids import parse_id

router = APIRouter(prefix="/v1/bookings", tags=["bookings"])
Writer = Annotated[AuthenticatedPrincipal, Depends(require("bookings:write"))]


class TravellerPatch(BaseModel):
    first_name: str | None = Field(default=None, min_length=1, max_length=100)
    last_name: str | None = Field(default=None, min_length=1, max_length=100)
    category: Literal["adult", "child", "infant", "youth", "senior", "student"] | None = None
    email: str | None = Field(default=None, max_length=320)
    phone: str | None = Field(default=None, max_length=40)
    is_lead: bool | None = None


@router.post("/{booking_id}/items", response_model=ItemOut, status_code=201)
async def add_item(
    booking_id: str,
    body: ItemIn,
    session: SessionDep,
    runtime: RuntimeDep,
    principal: PrincipalDep,
    _: Writer,
) -> ItemOut:
    """Add a line; on a held or confirmed booking it takes capacity now (409 when full)."""
    spec = ItemSpec(
        **body.model_dump(
            exclude={"product_id", "option_id", "unit_id", "slot_id", "pickup_id", "resources"}
        ),
        product_id=_opt(body.product_id, "prod", "product_id"),
        option_id=_opt(body.option_id, "popt", "option_id"),
        unit_id=_opt(body.unit_id, "punt", "unit_id"),
        slot_id=_opt(body.slot_id, "avsl", "slot_id"),
        pickup_id=_opt(body.pickup_id, "slpk", "pickup_id"),
    )
    if body.resources:
        raise BadRequest("resources_on_create_only", "assign resources when creating the booking")
    item = await lines.add_item(
        session, booking_id=_id(booking_id), spec=spec, ctx=_ctx(runtime, principal)
    )
    return ItemOut.model_validate(item)


@router.post("/{booking_id}/items/{item_id}/cancel", response_model=ItemOut)
async def cancel_item(
    booking_id: str,
    item_id: str,
    session: SessionDep,
    runtime: RuntimeDep,
    principal: PrincipalDep,
    _: Writer,
) -> ItemOut:
    """Cancel one line and release its capacity (idempotent)."""
    item = await lines.cancel_item(
        session,
        booking_id=_id(booking_id),
        item_id=parse_id(item_id, "bkit", field="item_id"),
        ctx=_ctx(runtime, principal),
    )
    return ItemOut.model_validate(item)


@router.post("/{booking_id}/travellers", response_model=TravellerOut, status_code=201)
async def add_traveller(
    booking_id: str,
    body: TravellerIn,
    session: SessionDep,
    runtime: RuntimeDep,
    principal: PrincipalDep,
    _: Writer,
) -> TravellerOut:
    """Add a traveller (travel-document PII has its own endpoint)."""
    traveller = await lines.add_traveller(
        session,
        booking_id=_id(booking_id),
        spec=TravellerSpec(**body.model_dump()),
        ctx=_ctx(runtime, principal),
    )
    return redact(TravellerOut.model_validate(traveller), principal)


@router.patch("/{booking_id}/travellers/{traveller_id}", response_model=TravellerOut)
async def update_traveller(
    booking_id: str,
    traveller_id: str,
    body: TravellerPatch,
    session: SessionDep,
    runtime: RuntimeDep,
    principal: PrincipalDep,
    _: Writer,
) -> TravellerOut:
    """Change the fields given; omitted fields stay."""
    changes = body.model_dump(exclude_unset=True)
    for key in ("first_name", "last_name", "category", "is_lead"):
        if key in changes and changes[key] is None:
            raise BadRequest("field_not_nullable", f"{key} cannot be null", field=key)
    traveller = await lines.update_traveller(
        session,
        booking_id=_id(booking_id),
        traveller_id=parse_id(traveller_id, "bkps", field="traveller_id"),
        changes=changes,
        ctx=_ctx(runtime, principal),
    )
    return redact(TravellerOut.model_validate(traveller), principal)
