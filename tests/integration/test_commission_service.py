import asyncio
from datetime import date

import pytest

from domain.db import unit_of_work
from domain.distribution import commercial
from domain.distribution.channel_bookings import create_channel_booking
from domain.distribution.commercial import commission_for_booking
from domain.errors import Conflict
from tests.support.bookings import book, ctx, spec_for
from tests.support.catalog import product_with_option, slot
from tests.support.distribution import make_channel, make_commission_rule, make_contract


async def test_a_channel_booking_earns_by_its_most_specific_rule_and_a_direct_one_earns_nothing(
    session_factory,
):
    _, option = await product_with_option(session_factory)
    s = await slot(session_factory, option, capacity=10)
    async with unit_of_work(session_factory) as session:
        channel = await make_channel(session)
        await make_contract(session, channel, commission_bps=500)
        await make_commission_rule(session, channel, bps=1000)
        rate_rule = await make_commission_rule(
            session, channel, scope="rate", scope_ref=option.id, bps=1500
        )
        booking = await create_channel_booking(
            session, spec_for(s, pax=2, status="confirmed"), ctx(), channel_id=channel.id
        )
    direct = await book(session_factory, spec_for(s, pax=1))
    async with session_factory() as session:
        result = await commission_for_booking(session, booking.id)
        assert await commission_for_booking(session, direct.id) is None
    assert result is not None
    assert (result.rule_id, result.amount_minor, result.currency) == (rate_rule.id, 1500, "EUR")


async def test_without_a_matching_rule_the_active_contract_bps_applies(session_factory):
    _, option = await product_with_option(session_factory)
    s = await slot(session_factory, option, capacity=10)
    async with unit_of_work(session_factory) as session:
        channel = await make_channel(session)
        await make_contract(session, channel, commission_bps=800, valid_from=date(2020, 1, 1))
        await make_commission_rule(session, channel, scope="product", scope_ref="prod_other")
        booking = await create_channel_booking(
            session, spec_for(s, pax=1, status="confirmed"), ctx(), channel_id=channel.id
        )
    async with session_factory() as session:
        result = await commission_for_booking(session, booking.id)
    assert result is not None and (result.rule_id, result.amount_minor) == (None, 400)
    assert "contract's 800 bps" in result.explanation


async def test_two_racing_mappings_of_one_product_give_one_and_a_mapping_exists_conflict(
    session_factory,
):
    product, _ = await product_with_option(session_factory)
    async with unit_of_work(session_factory) as session:
        channel = await make_channel(session)

    async def create(session):
        return await commercial.create_mapping(
            session, channel.id, product_id=product.id, external_product_id="ext-1"
        )

    async with session_factory() as first:
        await create(first)
        async with session_factory() as second:
            racing = asyncio.create_task(create(second))  # passes the pre-check, then waits
            await asyncio.sleep(0.5)
            await first.commit()
            with pytest.raises(Conflict) as err:
                await racing
    assert err.value.code == "mapping_exists"
