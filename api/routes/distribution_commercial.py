"""Commission rules (with the engine's quote) and product mappings, per channel; batch
update/delete of mappings and rules (up to 200 ids, each isolated)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Response
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import select

from api.deps import SessionDep, require
from api.fields import Medium, Ref
from api.routes.distribution_channels import BatchIds, BatchOut, batch_out, parse_channel_id
from domain.auth.service import AuthenticatedPrincipal
from domain.distribution import batch, commercial
from domain.distribution.commission import BookingContext
from domain.distribution.models import (
    ChannelCommissionRule,
    ChannelContract,
    ChannelProductMapping,
)
from domain.errors import BadRequest, NotFound
from domain.ids import parse_id

router = APIRouter(tags=["distribution"])
Reader = Annotated[AuthenticatedPrincipal, Depends(require("distribution:read"))]
Writer = Annotated[AuthenticatedPrincipal, Depends(require("distribution:write"))]
Scope = Literal["booking", "product", "rate", "category"]
RuleKind = Literal["fixed", "percentage"]
Currency = Annotated[str, Field(pattern=r"^[A-Z]{3}$")]
Minor = Annotated[int, Field(ge=0, le=10**13)]
Bps = Annotated[int, Field(ge=0, le=10_000)]
ExternalId = Annotated[str, Field(min_length=1, max_length=200)]


class RuleIn(BaseModel):
    contract_id: Ref | None = None
    scope: Scope
    scope_ref: Annotated[str, Field(min_length=1, max_length=200)] | None = None
    kind: RuleKind
    amount_minor: Minor | None = None
    currency: Currency | None = None
    bps: Bps | None = None
    valid_from: date | None = None
    valid_to: date | None = None


class RulePatch(BaseModel):
    """Validity and amounts; scope and kind are fixed once created (make a new rule)."""

    amount_minor: Minor | None = None
    currency: Currency | None = None
    bps: Bps | None = None
    valid_from: date | None = None
    valid_to: date | None = None

    def changes(self) -> dict[str, object]:
        return self.model_dump(exclude_unset=True)


class RuleOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: str
    channel_id: str
    contract_id: str | None
    scope: str
    scope_ref: str | None
    kind: str
    amount_minor: int | None
    currency: str | None
    bps: int | None
    valid_from: date | None
    valid_to: date | None
    created_at: datetime


class QuoteIn(BaseModel):
    gross_minor: Minor
    currency: Currency
    on_date: date
    product_id: Ref | None = None
    rate_id: Ref | None = None
    categories: list[Medium] = Field(default_factory=list, max_length=50)
    fallback_bps: Bps | None = None


class QuoteOut(BaseModel):
    amount_minor: int
    currency: str
    rule_id: str | None
    explanation: str


def _rule_id(value: str) -> str:
    return parse_id(value, ChannelCommissionRule.id_prefix, field="rule_id")


async def _channel_rule(session: SessionDep, channel_id: str, rule_id: str) -> str:
    rule = await commercial.get_rule(session, _rule_id(rule_id))
    if rule.channel_id != parse_channel_id(channel_id):
        raise NotFound("commission_rule_not_found", f"no commission rule {rule_id} here")
    return rule.id


@router.post(
    "/v1/channels/{channel_id}/commission-rules",
    response_model=RuleOut,
    status_code=201,
    summary="Add a commission rule",
)
async def create_rule(
    channel_id: str, body: RuleIn, session: SessionDep, _: Writer
) -> ChannelCommissionRule:
    """400 `invalid_commission_rule` when scope/kind and amounts disagree."""
    if body.contract_id is not None:
        parse_id(body.contract_id, ChannelContract.id_prefix, field="contract_id")
    return await commercial.create_rule(session, parse_channel_id(channel_id), **body.model_dump())


@router.get("/v1/channels/{channel_id}/commission-rules", response_model=list[RuleOut])
async def list_rules(
    channel_id: str, session: SessionDep, _: Reader
) -> list[ChannelCommissionRule]:
    """The channel's rules, newest first."""
    stmt = select(ChannelCommissionRule).where(
        ChannelCommissionRule.channel_id == parse_channel_id(channel_id)
    )
    return list(await session.scalars(stmt.order_by(ChannelCommissionRule.id.desc())))


@router.patch("/v1/channels/{channel_id}/commission-rules/{rule_id}", response_model=RuleOut)
async def update_rule(
    channel_id: str, rule_id: str, body: RulePatch, session: SessionDep, _: Writer
) -> ChannelCommissionRule:
    """Change a rule's amounts or validity window."""
    rid = await _channel_rule(session, channel_id, rule_id)
    return await commercial.update_rule(session, rid, body.changes())


@router.delete("/v1/channels/{channel_id}/commission-rules/{rule_id}", status_code=204)
async def delete_rule(channel_id: str, rule_id: str, session: SessionDep, _: Writer) -> Response:
    """Remove a rule."""
    await commercial.delete_rule(session, await _channel_rule(session, channel_id, rule_id))
    return Response(status_code=204)


@router.post(
    "/v1/channels/{channel_id}/commission-quote",
    response_model=QuoteOut,
    summary="What the channel earns on a booking, and why",
)
async def quote(channel_id: str, body: QuoteIn, session: SessionDep, _: Reader) -> QuoteOut:
    """Runs the commission engine over the channel's rules (see domain/distribution/
    commission.py for the precedence); the active contract's bps is the fallback."""
    ctx = BookingContext(**{**body.model_dump(), "categories": tuple(body.categories)})
    result = await commercial.quote_commission(session, parse_channel_id(channel_id), ctx)
    return QuoteOut(
        amount_minor=result.amount_minor,
        currency=result.currency,
        rule_id=result.rule_id,
        explanation=result.explanation,
    )


# --- product mappings ------------------------------------------------------------------


class MappingIn(BaseModel):
    product_id: Ref
    option_id: Ref | None = None
    external_product_id: ExternalId
    external_rate_id: ExternalId | None = None
    external_category_id: ExternalId | None = None
    push_bookings: bool = True
    push_availability: bool = True
    push_content: bool = True
    active: bool = True


class MappingPatch(BaseModel):
    option_id: Ref | None = None
    external_product_id: ExternalId | None = None
    external_rate_id: ExternalId | None = None
    external_category_id: ExternalId | None = None
    push_bookings: bool | None = None
    push_availability: bool | None = None
    push_content: bool | None = None
    active: bool | None = None

    def changes(self) -> dict[str, object]:
        changes = self.model_dump(exclude_unset=True)
        not_null: tuple[str, ...] = ("external_product_id", "push_bookings", "push_availability")
        not_null += ("push_content", "active")
        for key in not_null:
            if key in changes and changes[key] is None:
                raise BadRequest("invalid_field", f"{key} cannot be null")
        return changes


class MappingOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: str
    channel_id: str
    product_id: str
    option_id: str | None
    external_product_id: str
    external_rate_id: str | None
    external_category_id: str | None
    push_bookings: bool
    push_availability: bool
    push_content: bool
    active: bool
    created_at: datetime
    updated_at: datetime


def _mapping_id(value: str) -> str:
    return parse_id(value, ChannelProductMapping.id_prefix, field="mapping_id")


@router.post(
    "/v1/channels/{channel_id}/mappings",
    response_model=MappingOut,
    status_code=201,
    summary="Map a product to the channel's ids",
)
async def create_mapping(
    channel_id: str, body: MappingIn, session: SessionDep, _: Writer
) -> ChannelProductMapping:
    """One per channel and product: 409 `mapping_exists`."""
    return await commercial.create_mapping(
        session, parse_channel_id(channel_id), **body.model_dump()
    )


@router.get("/v1/channels/{channel_id}/mappings", response_model=list[MappingOut])
async def list_mappings(
    channel_id: str, session: SessionDep, _: Reader
) -> list[ChannelProductMapping]:
    """The channel's product mappings."""
    stmt = select(ChannelProductMapping).where(
        ChannelProductMapping.channel_id == parse_channel_id(channel_id)
    )
    return list(await session.scalars(stmt.order_by(ChannelProductMapping.id)))


@router.patch("/v1/distribution/mappings/{mapping_id}", response_model=MappingOut)
async def update_mapping(
    mapping_id: str, body: MappingPatch, session: SessionDep, _: Writer
) -> ChannelProductMapping:
    """Change external ids or push toggles."""
    return await commercial.update_mapping(session, _mapping_id(mapping_id), body.changes())


@router.delete("/v1/distribution/mappings/{mapping_id}", status_code=204)
async def delete_mapping(mapping_id: str, session: SessionDep, _: Writer) -> Response:
    """Remove a mapping."""
    await commercial.delete_mapping(session, _mapping_id(mapping_id))
    return Response(status_code=204)


class MappingBatchUpdate(BatchIds):
    changes: MappingPatch


@router.post("/v1/distribution/mappings/batch-update", response_model=BatchOut)
async def batch_update_mappings(
    body: MappingBatchUpdate, session: SessionDep, _: Writer
) -> BatchOut:
    """Change up to 200 mappings; each id in its own savepoint."""
    changes = body.changes.changes()

    async def apply(mid: str) -> None:
        await commercial.update_mapping(session, _mapping_id(mid), dict(changes))

    return batch_out(await batch.run_batch(session, body.ids, apply))


@router.post("/v1/distribution/mappings/batch-delete", response_model=BatchOut)
async def batch_delete_mappings(body: BatchIds, session: SessionDep, _: Writer) -> BatchOut:
    """Delete up to 200 mappings; each id in its own savepoint."""

    async def apply(mid: str) -> None:
        await commercial.delete_mapping(session, _mapping_id(mid))

    return batch_out(await batch.run_batch(session, body.ids, apply))


@router.post("/v1/distribution/commission-rules/batch-delete", response_model=BatchOut)
async def batch_delete_rules(body: BatchIds, session: SessionDep, _: Writer) -> BatchOut:
    """Delete up to 200 commission rules; each id in its own savepoint."""

    async def apply(rid: str) -> None:
        await commercial.delete_rule(session, _rule_id(rid))

    return batch_out(await batch.run_batch(session, body.ids, apply))


class RuleBatchUpdate(BatchIds):
    changes: RulePatch


@router.post("/v1/distribution/commission-rules/batch-update", response_model=BatchOut)
async def batch_update_rules(body: RuleBatchUpdate, session: SessionDep, _: Writer) -> BatchOut:
    """Change up to 200 commission rules (e.g. close their validity); each isolated."""
    changes = body.changes.changes()

    async def apply(rid: str) -> None:
        await commercial.update_rule(session, _rule_id(rid), dict(changes))

    return batch_out(await batch.run_batch(session, body.ids, apply))
