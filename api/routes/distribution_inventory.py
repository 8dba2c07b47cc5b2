"""Channel allotments: create, target slots (carving capacity), release rules (Temporal
timers), manual release and the release log; a booking's distribution details."""

from __future__ import annotations

from datetime import UTC, datetime, time
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Response
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import select

from api.deps import RuntimeDep, SessionDep, require
from api.fields import Ref
from api.routes.distribution_channels import parse_channel_id
from domain.auth.service import AuthenticatedPrincipal
from domain.availability.models import AvailabilitySlot
from domain.bookings.models import Booking
from domain.catalog.models import Product, ProductOption
from domain.distribution import allotment_admin, allotments, channel_bookings, release_rules
from domain.distribution.channels import get_channel
from domain.distribution.models import (
    BookingDistributionDetails,
    ChannelInventoryAllotment,
    ChannelInventoryAllotmentTarget,
)
from domain.distribution.release_models import AllotmentReleaseExecution, AllotmentReleaseRule
from domain.errors import BadRequest, NotFound
from domain.ids import parse_id

router = APIRouter(tags=["distribution"])
Reader = Annotated[AuthenticatedPrincipal, Depends(require("distribution:read"))]
Writer = Annotated[AuthenticatedPrincipal, Depends(require("distribution:write"))]
Units = Annotated[int, Field(ge=0, le=1_000_000)]


def _aid(value: str) -> str:
    return parse_id(value, ChannelInventoryAllotment.id_prefix, field="allotment_id")


class AllotmentIn(BaseModel):
    product_id: Ref
    option_id: Ref | None = None
    slot_id: Ref | None = None
    start_time: time | None = None
    guaranteed_capacity: Units = 0
    max_capacity: Units


class AllotmentOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: str
    channel_id: str
    product_id: str
    option_id: str | None
    slot_id: str | None
    start_time: time | None
    guaranteed_capacity: int
    max_capacity: int
    status: str
    created_at: datetime


class AllotmentPatch(BaseModel):
    max_capacity: Units | None = None
    status: Literal["active", "paused", "closed"] | None = None

    def changes(self) -> dict[str, object]:
        return {k: v for k, v in self.model_dump(exclude_unset=True).items() if v is not None}


class TargetIn(BaseModel):
    slot_id: Ref
    guaranteed: Units | None = Field(default=None, description="default: the allotment's")


class TargetOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: str
    allotment_id: str
    slot_id: str
    channel_id: str
    guaranteed: int
    held: int
    sold: int
    released: int
    status: str
    released_at: datetime | None


class ReleaseRuleIn(BaseModel):
    mode: Literal["automatic", "manual"] = "automatic"
    offset_unit: Literal["days", "hours"]
    offset_value: Annotated[int, Field(ge=0, le=3650)]
    unsold_action: Literal["release_to_general_pool", "expire", "retain"] = (
        "release_to_general_pool"
    )
    active: bool = True


class ReleaseRuleOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: str
    allotment_id: str
    mode: str
    offset_unit: str
    offset_value: int
    unsold_action: str
    active: bool


class ManualReleaseIn(BaseModel):
    unsold_action: Literal["release_to_general_pool", "expire", "retain"] = (
        "release_to_general_pool"
    )


class ExecutionOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: str
    target_id: str
    rule_id: str | None
    slot_id: str
    trigger: str
    unsold_action: str
    capacity_released: int
    executed_at: datetime


@router.post(
    "/v1/channels/{channel_id}/allotments",
    response_model=AllotmentOut,
    status_code=201,
    summary="Create a channel allotment",
)
async def create_allotment(
    channel_id: str, body: AllotmentIn, session: SessionDep, _: Writer
) -> ChannelInventoryAllotment:
    """400 `invalid_allotment` when guaranteed exceeds max; 404 for an option or slot that
    is not the product's (the allotment could never target a slot)."""
    channel = await get_channel(session, parse_channel_id(channel_id))
    if await session.get(Product, body.product_id) is None:
        raise NotFound("product_not_found", f"no product {body.product_id}")
    if body.guaranteed_capacity > body.max_capacity:
        raise BadRequest("invalid_allotment", "guaranteed_capacity cannot exceed max_capacity")
    if body.option_id is not None:
        option = await session.get(ProductOption, body.option_id)
        if option is None or option.product_id != body.product_id:
            raise NotFound("option_not_found", f"no option {body.option_id} on this product")
    if body.slot_id is not None:
        found = await session.get(AvailabilitySlot, body.slot_id)
        if found is None or found.product_id != body.product_id:
            raise NotFound("slot_not_found", f"no slot {body.slot_id} of this product")
        if body.option_id is not None and found.option_id != body.option_id:
            raise NotFound("slot_not_found", f"no slot {body.slot_id} of this option")
    row = ChannelInventoryAllotment(channel_id=channel.id, status="active", **body.model_dump())
    session.add(row)
    await session.flush()
    await session.refresh(row)
    return row


@router.get("/v1/channels/{channel_id}/allotments", response_model=list[AllotmentOut])
async def list_allotments(
    channel_id: str, session: SessionDep, _: Reader
) -> list[ChannelInventoryAllotment]:
    """The channel's allotments."""
    stmt = select(ChannelInventoryAllotment).where(
        ChannelInventoryAllotment.channel_id == parse_channel_id(channel_id)
    )
    return list(await session.scalars(stmt.order_by(ChannelInventoryAllotment.id)))


@router.patch("/v1/allotments/{allotment_id}", response_model=AllotmentOut)
async def update_allotment(
    allotment_id: str, body: AllotmentPatch, session: SessionDep, _: Writer
) -> ChannelInventoryAllotment:
    """409 `max_below_sold` when a slot already sold more than the new max."""
    return await allotment_admin.update_allotment(session, _aid(allotment_id), body.changes())


@router.delete("/v1/allotments/{allotment_id}", status_code=204)
async def delete_allotment(allotment_id: str, session: SessionDep, _: Writer) -> Response:
    """Held units go back to each slot's general pool first (logged as manual releases)."""
    await allotment_admin.delete_allotment(session, _aid(allotment_id))
    return Response(status_code=204)


@router.post(
    "/v1/allotments/{allotment_id}/targets",
    response_model=TargetOut,
    status_code=201,
    summary="Target a slot (carves guaranteed units from its general pool)",
)
async def add_target(
    allotment_id: str, body: TargetIn, session: SessionDep, runtime: RuntimeDep, _: Writer
) -> ChannelInventoryAllotmentTarget:
    """409 `insufficient_capacity` if the pool cannot give the units; idempotent per slot."""
    return await release_rules.add_scheduled_target(
        session,
        allotment_id=_aid(allotment_id),
        slot_id=body.slot_id,
        guaranteed=body.guaranteed,
        task_queue=runtime.settings.temporal_task_queue,
        now=datetime.now(UTC),
    )


@router.get("/v1/allotments/{allotment_id}/targets", response_model=list[TargetOut])
async def list_targets(
    allotment_id: str, session: SessionDep, _: Reader
) -> list[ChannelInventoryAllotmentTarget]:
    """Per-slot guaranteed, held, sold and released units."""
    aid = _aid(allotment_id)
    await allotments.get_allotment(session, aid)
    stmt = select(ChannelInventoryAllotmentTarget).where(
        ChannelInventoryAllotmentTarget.allotment_id == aid
    )
    return list(await session.scalars(stmt.order_by(ChannelInventoryAllotmentTarget.id)))


@router.put("/v1/allotments/{allotment_id}/release-rule", response_model=ReleaseRuleOut)
async def set_release_rule(
    allotment_id: str,
    body: ReleaseRuleIn,
    session: SessionDep,
    runtime: RuntimeDep,
    _: Writer,
) -> AllotmentReleaseRule:
    """Create or replace the rule; automatic rules (re)arm each open target's timer."""
    return await release_rules.set_rule(
        session,
        _aid(allotment_id),
        task_queue=runtime.settings.temporal_task_queue,
        now=datetime.now(UTC),
        **body.model_dump(),
    )


@router.post(
    "/v1/allotment-targets/{target_id}/release",
    response_model=ExecutionOut,
    summary="Release a target now (manual); idempotent",
)
async def release_now(
    target_id: str, body: ManualReleaseIn, session: SessionDep, _: Writer
) -> AllotmentReleaseExecution:
    """Applies the unsold action once; a second call returns the first execution."""
    tid = parse_id(target_id, ChannelInventoryAllotmentTarget.id_prefix, field="target_id")
    return await allotments.release_target(
        session, target_id=tid, action=body.unsold_action, trigger="manual"
    )


@router.get("/v1/allotments/{allotment_id}/releases", response_model=list[ExecutionOut])
async def list_releases(
    allotment_id: str, session: SessionDep, _: Reader
) -> list[AllotmentReleaseExecution]:
    """The release log of the allotment's targets."""
    stmt = select(AllotmentReleaseExecution).where(
        AllotmentReleaseExecution.allotment_id == _aid(allotment_id)
    )
    return list(await session.scalars(stmt.order_by(AllotmentReleaseExecution.id)))


# --- booking extension -----------------------------------------------------------------


class DetailsIn(BaseModel):
    source_channel_id: Ref | None = None
    payment_owner: Literal["operator", "channel", "split"] | None = None
    market: Annotated[str, Field(min_length=2, max_length=16)] | None = None


class DetailsOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    booking_id: str
    source_channel_id: str | None
    payment_owner: str | None
    market: str | None


@router.put("/v1/bookings/{booking_id}/distribution", response_model=DetailsOut)
async def set_details(
    booking_id: str, body: DetailsIn, session: SessionDep, _: Writer
) -> BookingDistributionDetails:
    """Where a booking was sold (source channel, payment owner, market). 409
    `source_channel_locked` when changing the source of a booking holding seats on an
    allotment of the old or new channel (its cancellation would give back the wrong ones)."""
    bid = parse_id(booking_id, Booking.id_prefix, field="booking_id")
    booking = await session.get(Booking, bid)
    if booking is None:
        raise NotFound("booking_not_found", f"no booking {bid}")
    if body.source_channel_id is not None:
        await get_channel(session, parse_channel_id(body.source_channel_id))
    await channel_bookings.check_source_channel_change(session, booking, body.source_channel_id)
    return await channel_bookings.set_distribution_details(
        session, booking_id=bid, **body.model_dump()
    )


@router.get("/v1/bookings/{booking_id}/distribution", response_model=DetailsOut)
async def get_details(
    booking_id: str, session: SessionDep, _: Reader
) -> BookingDistributionDetails:
    """404 `distribution_details_not_found` for a booking sold without a channel record."""
    bid = parse_id(booking_id, Booking.id_prefix, field="booking_id")
    row = await session.scalar(
        select(BookingDistributionDetails).where(BookingDistributionDetails.booking_id == bid)
    )
    if row is None:
        raise NotFound("distribution_details_not_found", f"no distribution details for {bid}")
    return row
