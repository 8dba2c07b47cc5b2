"""OCTO supplier, capabilities, products and availability (calendar and check)."""

from __future__ import annotations

from collections import defaultdict
from datetime import date, timedelta

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from api.deps import SessionDep
from api.octo import serialize
from api.octo.auth import Capabilities, OctoPrincipal
from api.octo.respond import ok, route
from api.octo.schemas import AvailabilityIn, parse
from domain.octo import availability, errors
from domain.octo.catalog import OptionView, ProductView, get_product, load_products
from domain.octo.channels import reseller_channel
from domain.octo.rules import day_vacancy, parse_local_date

router = APIRouter(prefix="/octo", tags=["octo"])


@route(router, "GET", "/supplier")
async def get_supplier(
    request: Request, session: SessionDep, principal: OctoPrincipal, caps: Capabilities
) -> JSONResponse:
    """Who the reseller is booking with."""
    await reseller_channel(session, principal.channel_id)
    endpoint = str(request.base_url).rstrip("/") + "/octo"
    return ok(serialize.supplier(endpoint, caps), caps)


@route(router, "GET", "/capabilities")
async def get_capabilities(
    session: SessionDep, principal: OctoPrincipal, caps: Capabilities
) -> JSONResponse:
    """The capabilities this supplier offers."""
    await reseller_channel(session, principal.channel_id)
    return ok(serialize.capabilities(), caps)


@route(router, "GET", "/products")
async def list_products(
    session: SessionDep, principal: OctoPrincipal, caps: Capabilities
) -> JSONResponse:
    """Every bookable product."""
    await reseller_channel(session, principal.channel_id)
    return ok([serialize.product(p, caps) for p in await load_products(session)], caps)


@route(router, "GET", "/products/{product_id}")
async def get_one_product(
    product_id: str, session: SessionDep, principal: OctoPrincipal, caps: Capabilities
) -> JSONResponse:
    """One product, or INVALID_PRODUCT_ID."""
    await reseller_channel(session, principal.channel_id)
    return ok(serialize.product(await get_product(session, product_id), caps), caps)


def _range(body: AvailabilityIn) -> tuple[date, date]:
    start = parse_local_date(body.localDateStart or "")
    end = parse_local_date(body.localDateEnd or "")
    if start is None or end is None:
        raise errors.bad_request("localDateStart and localDateEnd must be YYYY-MM-DD dates")
    if end < start:
        raise errors.bad_request("localDateEnd is before localDateStart")
    if (end - start).days >= availability.MAX_DAYS:
        raise errors.bad_request(f"a range covers at most {availability.MAX_DAYS} days")
    return start, end


async def _target(session: SessionDep, body: AvailabilityIn) -> tuple[ProductView, OptionView]:
    product = await get_product(session, body.productId)
    option = product.option(body.optionId)
    known = {u.id for u in option.units}
    for unit in body.units or []:
        unit_id = str(unit.get("id", ""))
        if unit_id not in known:
            # The spec lists no INVALID_UNIT_ID for availability: a bad filter is BAD_REQUEST.
            raise errors.bad_request(f"unit {unit_id!r} is not a unit of this option")
    return product, option


@route(router, "POST", "/availability/calendar")
async def availability_calendar(
    request: Request, session: SessionDep, principal: OctoPrincipal, caps: Capabilities
) -> JSONResponse:
    """One entry per local date in the range, summarising that day's slots."""
    channel = await reseller_channel(session, principal.channel_id)
    body = await parse(request, AvailabilityIn)
    product, option = await _target(session, body)
    start, end = _range(body)
    slots = await availability.slots_between(
        session, option_id=option.option.id, start=start, end=end
    )
    by_day = defaultdict(list)
    for view in await availability.views(session, channel_id=channel.id, slots=slots):
        by_day[view.slot.local_date].append(view.vacancy)
    days = [start + timedelta(days=n) for n in range((end - start).days + 1)]
    return ok(
        [serialize.calendar_day(d, day_vacancy(by_day[d]), product, option, caps) for d in days],
        caps,
    )


@route(router, "POST", "/availability")
async def availability_check(
    request: Request, session: SessionDep, principal: OctoPrincipal, caps: Capabilities
) -> JSONResponse:
    """Slots by date range, one date, or availability ids (exactly one of the three)."""
    channel = await reseller_channel(session, principal.channel_id)
    body = await parse(request, AvailabilityIn)
    product, option = await _target(session, body)
    ranged = body.localDateStart is not None or body.localDateEnd is not None
    given = [ranged, body.localDate is not None, body.availabilityIds is not None]
    if sum(given) != 1:
        raise errors.bad_request(
            "send exactly one of localDateStart/localDateEnd, localDate or availabilityIds"
        )
    if body.availabilityIds is not None:
        found = await availability.slots_by_ids(
            session, option_id=option.option.id, ids=body.availabilityIds
        )
        for availability_id in body.availabilityIds:
            if availability_id not in found:
                raise errors.invalid_availability(availability_id)
        slots = sorted(found.values(), key=lambda s: (s.starts_at, s.id))
    else:
        if body.localDate is not None:
            day = parse_local_date(body.localDate)
            if day is None:
                raise errors.bad_request("localDate must be a YYYY-MM-DD date")
            start = end = day
        else:
            start, end = _range(body)
        slots = await availability.slots_between(
            session, option_id=option.option.id, start=start, end=end
        )
    views = await availability.views(session, channel_id=channel.id, slots=slots)
    return ok(
        [serialize.availability(v.slot, v.vacancy, product, option, caps) for v in views], caps
    )
