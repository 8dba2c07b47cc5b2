"""Commission rules and product mappings (CRUD with the checks the tables cannot say)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from domain.bookings.models import Booking, BookingItem
from domain.catalog.models import Product, ProductOption
from domain.distribution.batch import constraint_of
from domain.distribution.channels import active_contract, get_channel
from domain.distribution.commission import BookingContext, CommissionResult, compute_commission
from domain.distribution.models import (
    BookingDistributionDetails,
    ChannelCommissionRule,
    ChannelContract,
    ChannelProductMapping,
)
from domain.errors import BadRequest, Conflict, NotFound

MAPPING_UNIQUE = "uq_channel_product_mappings_channel_id_product_id"
RULE_FIELDS: tuple[str, ...] = ("scope", "scope_ref", "kind", "amount_minor", "currency")
RULE_FIELDS += ("bps", "valid_from", "valid_to")


def check_rule(fields: dict[str, Any]) -> None:
    """Scope, kind and amount fields must agree (400 `invalid_commission_rule`)."""
    scope, kind = fields.get("scope"), fields.get("kind")
    if (scope == "booking") != (fields.get("scope_ref") is None):
        raise BadRequest(
            "invalid_commission_rule", "scope_ref is required except for booking scope, then null"
        )
    if kind == "fixed":
        if fields.get("amount_minor") is None or fields.get("currency") is None:
            raise BadRequest(
                "invalid_commission_rule", "fixed rules need amount_minor and currency"
            )
        if fields.get("bps") is not None:
            raise BadRequest("invalid_commission_rule", "fixed rules take no bps")
    elif kind == "percentage":
        if fields.get("bps") is None:
            raise BadRequest("invalid_commission_rule", "percentage rules need bps")
        if fields.get("amount_minor") is not None or fields.get("currency") is not None:
            raise BadRequest("invalid_commission_rule", "percentage rules take no amount")
    start, end = fields.get("valid_from"), fields.get("valid_to")
    if start is not None and end is not None and end < start:
        raise BadRequest("invalid_validity", "valid_to must be on or after valid_from")


async def create_rule(
    session: AsyncSession, channel_id: str, **fields: Any
) -> ChannelCommissionRule:
    await get_channel(session, channel_id)
    check_rule(fields)
    contract_id = fields.get("contract_id")
    if contract_id is not None:
        contract = await session.get(ChannelContract, contract_id)
        if contract is None or contract.channel_id != channel_id:
            raise NotFound("contract_not_found", f"no contract {contract_id} on this channel")
    rule = ChannelCommissionRule(channel_id=channel_id, **fields)
    session.add(rule)
    await session.flush()
    await session.refresh(rule)
    return rule


async def get_rule(session: AsyncSession, rule_id: str) -> ChannelCommissionRule:
    rule = await session.get(ChannelCommissionRule, rule_id)
    if rule is None:
        raise NotFound("commission_rule_not_found", f"no commission rule {rule_id}")
    return rule


async def update_rule(
    session: AsyncSession, rule_id: str, changes: dict[str, Any]
) -> ChannelCommissionRule:
    rule = await get_rule(session, rule_id)
    merged = {k: getattr(rule, k) for k in RULE_FIELDS}
    merged.update(changes)
    check_rule(merged)
    for key, value in changes.items():
        setattr(rule, key, value)
    await session.flush()
    await session.refresh(rule)
    return rule


async def delete_rule(session: AsyncSession, rule_id: str) -> None:
    await session.delete(await get_rule(session, rule_id))
    await session.flush()


async def quote_commission(
    session: AsyncSession, channel_id: str, ctx: BookingContext
) -> CommissionResult:
    """The engine over the channel's stored rules (the active contract's bps as fallback)."""
    await get_channel(session, channel_id)
    rules = list(
        await session.scalars(
            select(ChannelCommissionRule).where(ChannelCommissionRule.channel_id == channel_id)
        )
    )
    if ctx.fallback_bps is None:
        contract = await active_contract(session, channel_id, ctx.on_date)
        if contract is not None and contract.commission_bps is not None:
            ctx = BookingContext(**{**ctx.__dict__, "fallback_bps": contract.commission_bps})
    return compute_commission(rules, ctx)


# --- product mappings ------------------------------------------------------------------


async def _check_product(session: AsyncSession, product_id: str, option_id: str | None) -> None:
    if await session.get(Product, product_id) is None:
        raise NotFound("product_not_found", f"no product {product_id}")
    if option_id is not None:
        option = await session.get(ProductOption, option_id)
        if option is None or option.product_id != product_id:
            raise NotFound("option_not_found", f"no option {option_id} on product {product_id}")


async def create_mapping(
    session: AsyncSession, channel_id: str, **fields: Any
) -> ChannelProductMapping:
    """One mapping per channel and product: 409 `mapping_exists` for a second."""
    await get_channel(session, channel_id)
    await _check_product(session, fields["product_id"], fields.get("option_id"))
    existing = await session.scalar(
        select(ChannelProductMapping.id).where(
            ChannelProductMapping.channel_id == channel_id,
            ChannelProductMapping.product_id == fields["product_id"],
        )
    )
    if existing is not None:
        raise Conflict(
            "mapping_exists", f"channel {channel_id} already maps this product ({existing})"
        )
    mapping = ChannelProductMapping(channel_id=channel_id, **fields)
    session.add(mapping)
    try:
        await session.flush()
    except IntegrityError as exc:  # a racing twin passed the pre-check too
        if constraint_of(exc) != MAPPING_UNIQUE:
            raise
        raise Conflict("mapping_exists", f"channel {channel_id} already maps this product") from exc
    await session.refresh(mapping)
    return mapping


async def get_mapping(session: AsyncSession, mapping_id: str) -> ChannelProductMapping:
    mapping = await session.get(ChannelProductMapping, mapping_id)
    if mapping is None:
        raise NotFound("mapping_not_found", f"no product mapping {mapping_id}")
    return mapping


async def update_mapping(
    session: AsyncSession, mapping_id: str, changes: dict[str, Any]
) -> ChannelProductMapping:
    mapping = await get_mapping(session, mapping_id)
    if "option_id" in changes:
        await _check_product(session, mapping.product_id, changes["option_id"])
    for key, value in changes.items():
        setattr(mapping, key, value)
    await session.flush()
    await session.refresh(mapping)
    return mapping


async def delete_mapping(session: AsyncSession, mapping_id: str) -> None:
    await session.delete(await get_mapping(session, mapping_id))
    await session.flush()


async def commission_for_booking(session: AsyncSession, booking_id: str) -> CommissionResult | None:
    """What the booking's source channel earns on it; None for a booking without one.

    Context: the booking's sell total and currency, the day it was made, the product and
    option (rate) of its first priced item, and the active contract's bps as fallback.
    """
    details = await session.scalar(
        select(BookingDistributionDetails).where(
            BookingDistributionDetails.booking_id == booking_id
        )
    )
    if details is None or details.source_channel_id is None:
        return None
    booking = await session.get_one(Booking, booking_id)
    item = await session.scalar(
        select(BookingItem)
        .where(BookingItem.booking_id == booking_id, BookingItem.product_id.is_not(None))
        .order_by(BookingItem.created_at, BookingItem.id)
        .limit(1)
    )
    ctx = BookingContext(
        gross_minor=booking.sell_total_minor,
        currency=booking.currency,
        on_date=booking.created_at.date(),
        product_id=item.product_id if item else None,
        rate_id=item.option_id if item else None,
    )
    return await quote_commission(session, details.source_channel_id, ctx)
