"""OCTO bookings: reserve, extend, confirm, update, cancel, get and list."""

from __future__ import annotations

import asyncio

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from api.deps import RuntimeDep, SessionDep
from api.octo.auth import Capabilities, OctoPrincipal
from api.octo.booking_body import booking_body
from api.octo.respond import ok, route
from api.octo.schemas import BookingIn, CancelIn, ExtendIn, parse
from domain.auth.service import AuthenticatedPrincipal
from domain.bookings import service
from domain.bookings.models import Booking
from domain.db import defer_after_commit
from domain.octo import bookings, verbs
from domain.octo.channels import reseller_channel
from domain.octo.models import OctoBooking
from tourflow.runtime import Runtime

router = APIRouter(prefix="/octo/bookings", tags=["octo"])
WAKE_TIMEOUT = 2.0


def _ctx(runtime: Runtime, principal: AuthenticatedPrincipal) -> service.Context:
    return service.Context(actor_id=principal.id, task_queue=runtime.settings.temporal_task_queue)


async def _channel(session: SessionDep, principal: AuthenticatedPrincipal) -> str:
    return (await reseller_channel(session, principal.channel_id)).id


async def _respond(
    session: SessionDep, row: OctoBooking, booking: Booking | None, caps: frozenset[str]
) -> JSONResponse:
    if booking is None:
        booking = await session.get(Booking, row.booking_id, populate_existing=True)
        assert booking is not None  # octo_bookings.booking_id is a foreign key
    await session.flush()
    await session.refresh(booking)
    return ok(await booking_body(session, row, booking, caps), caps)


@route(router, "POST", "")
async def reserve(
    request: Request,
    session: SessionDep,
    runtime: RuntimeDep,
    principal: OctoPrincipal,
    caps: Capabilities,
) -> JSONResponse:
    """A reservation: a real on_hold booking with allocations and its hold workflow."""
    channel_id = await _channel(session, principal)
    body = await parse(request, BookingIn)
    row = await bookings.reserve(
        session, channel_id=channel_id, req=body.reservation(), ctx=_ctx(runtime, principal)
    )
    return await _respond(session, row, None, caps)


@route(router, "GET", "")
async def list_bookings(
    session: SessionDep,
    principal: OctoPrincipal,
    caps: Capabilities,
    resellerReference: str | None = None,  # noqa: N803 (OCTO's query names)
    supplierReference: str | None = None,  # noqa: N803
) -> JSONResponse:
    """This reseller's bookings by resellerReference or supplierReference."""
    channel_id = await _channel(session, principal)
    rows = await bookings.search(
        session,
        channel_id=channel_id,
        reseller_reference=resellerReference,
        supplier_reference=supplierReference,
    )
    out = []
    for row in rows:
        booking = await session.get(Booking, row.booking_id)
        assert booking is not None
        out.append(await booking_body(session, row, booking, caps))
    return ok(out, caps)


@route(router, "GET", "/{uuid}")
async def get_booking(
    uuid: str, session: SessionDep, principal: OctoPrincipal, caps: Capabilities
) -> JSONResponse:
    """One booking; an unknown uuid is INVALID_BOOKING_UUID (400)."""
    row = await bookings.find(session, channel_id=await _channel(session, principal), uuid=uuid)
    return await _respond(session, row, None, caps)


@route(router, "PATCH", "/{uuid}")
async def update_booking(
    uuid: str,
    request: Request,
    session: SessionDep,
    runtime: RuntimeDep,
    principal: OctoPrincipal,
    caps: Capabilities,
) -> JSONResponse:
    """Change contact, references, notes, expiry, date, units, option or product."""
    channel_id = await _channel(session, principal)
    body = await parse(request, BookingIn)
    row, booking = await verbs.update(
        session,
        channel_id=channel_id,
        uuid=uuid,
        req=body.reservation(),
        ctx=_ctx(runtime, principal),
    )
    if body.expirationMinutes is not None:
        _wake_hold(session, runtime, booking)
    return await _respond(session, row, booking, caps)


@route(router, "POST", "/{uuid}/confirm")
async def confirm_booking(
    uuid: str,
    request: Request,
    session: SessionDep,
    runtime: RuntimeDep,
    principal: OctoPrincipal,
    caps: Capabilities,
) -> JSONResponse:
    """ON_HOLD -> CONFIRMED; the hold workflow is settled through its intent."""
    channel_id = await _channel(session, principal)
    body = await parse(request, BookingIn, required=False)
    row, booking = await verbs.confirm(
        session,
        channel_id=channel_id,
        uuid=uuid,
        req=body.reservation(),
        ctx=_ctx(runtime, principal),
    )
    return await _respond(session, row, booking, caps)


@route(router, "POST", "/{uuid}/cancel")
async def cancel_booking(
    uuid: str,
    request: Request,
    session: SessionDep,
    runtime: RuntimeDep,
    principal: OctoPrincipal,
    caps: Capabilities,
) -> JSONResponse:
    """Cancel; seats and allotment go back, the booking is kept as cancelled."""
    channel_id = await _channel(session, principal)
    body = await parse(request, CancelIn, required=False)
    row, booking = await verbs.cancel(
        session, channel_id=channel_id, uuid=uuid, reason=body.reason, ctx=_ctx(runtime, principal)
    )
    return await _respond(session, row, booking, caps)


@route(router, "POST", "/{uuid}/extend")
async def extend_booking(
    uuid: str,
    request: Request,
    session: SessionDep,
    runtime: RuntimeDep,
    principal: OctoPrincipal,
    caps: Capabilities,
) -> JSONResponse:
    """Move the hold: the expiry is written, then the hold workflow's timer is woken."""
    channel_id = await _channel(session, principal)
    body = await parse(request, ExtendIn, required=False)
    row, booking = await verbs.extend(
        session,
        channel_id=channel_id,
        uuid=uuid,
        minutes=body.expirationMinutes,
        ctx=_ctx(runtime, principal),
    )
    _wake_hold(session, runtime, booking)
    return await _respond(session, row, booking, caps)


def _wake_hold(session: SessionDep, runtime: Runtime, booking: Booking) -> None:
    expiry = booking.hold_expires_at
    booking_id = booking.id

    async def wake() -> None:
        # Best effort, as in the bookings API: the workflow re-reads the expiry when its
        # old timer fires, so a lost update only delays the wake-up.
        client = await runtime.temporal.get()
        handle = client.get_workflow_handle(service.hold_workflow_id(booking_id))
        # Bounded: with no worker polling, an update would wait forever.
        await asyncio.wait_for(
            handle.execute_update("extend", {"hold_expires_at": expiry}), WAKE_TIMEOUT
        )

    if expiry is not None:
        defer_after_commit(session, wake)
