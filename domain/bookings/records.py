"""Record-keeping around a booking: notes, the activity log and supplier statuses.

None of these change the booking row or lock it: they reference it by foreign key only
(PostgreSQL's FOR KEY SHARE), so a note or a supplier answer never conflicts with, or
invalidates anything derived from, the booking's own state.
"""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from domain.bookings import supplier_rules
from domain.bookings.fulfillment_rules import ensure_item_active
from domain.bookings.models import (
    Booking,
    BookingActivity,
    BookingItem,
    BookingNote,
    BookingSupplierStatus,
)
from domain.bookings.service import Context, log_activity
from domain.errors import BadRequest, Conflict, NotFound

NOTE_VISIBILITIES = ("internal", "customer")
SUPPLIER_UNIQUE = "uq_booking_supplier_statuses_item_id_supplier_ref"


async def ensure_booking(session: AsyncSession, booking_id: str) -> None:
    """404 `booking_not_found` unless the booking exists (no lock taken)."""
    found = await session.scalar(select(Booking.id).where(Booking.id == booking_id))
    if found is None:
        raise NotFound("booking_not_found", f"no booking {booking_id}")


async def booking_item(
    session: AsyncSession, *, booking_id: str, item_id: str, active: bool = True
) -> BookingItem:
    """An item of this booking (404 `booking_item_not_found`), active unless told otherwise."""
    item = await session.scalar(
        select(BookingItem).where(BookingItem.id == item_id, BookingItem.booking_id == booking_id)
    )
    if item is None:
        raise NotFound("booking_item_not_found", f"booking {booking_id} has no item {item_id}")
    if active:
        ensure_item_active(item.status)
    return item


async def add_note(
    session: AsyncSession, *, booking_id: str, body: str, visibility: str, ctx: Context
) -> BookingNote:
    """Add a note; the booking row itself is neither changed nor locked."""
    if visibility not in NOTE_VISIBILITIES:
        raise BadRequest("invalid_visibility", "visibility must be internal or customer")
    if not body.strip():
        raise BadRequest("note_body_required", "a note needs a body")
    await ensure_booking(session, booking_id)
    note = BookingNote(
        booking_id=booking_id, author_id=ctx.actor_id, body=body.strip(), visibility=visibility
    )
    session.add(note)
    await session.flush()
    log_activity(session, booking_id, "note_added", ctx, note_id=note.id, visibility=visibility)
    return note


async def list_notes(
    session: AsyncSession, *, booking_id: str, visibility: str | None = None
) -> list[BookingNote]:
    """The booking's notes, newest first, optionally of one visibility."""
    await ensure_booking(session, booking_id)
    stmt = select(BookingNote).where(BookingNote.booking_id == booking_id)
    if visibility is not None:
        stmt = stmt.where(BookingNote.visibility == visibility)
    stmt = stmt.order_by(BookingNote.created_at.desc(), BookingNote.id.desc())
    return list((await session.scalars(stmt)).all())


async def list_activity(
    session: AsyncSession, *, booking_id: str, limit: int = 100
) -> list[BookingActivity]:
    """The booking's activity log, newest first (ids break ties within one transaction)."""
    await ensure_booking(session, booking_id)
    stmt = (
        select(BookingActivity)
        .where(BookingActivity.booking_id == booking_id)
        .order_by(BookingActivity.created_at.desc(), BookingActivity.id.desc())
        .limit(limit)
    )
    return list((await session.scalars(stmt)).all())


async def request_supplier_status(
    session: AsyncSession,
    *,
    booking_id: str,
    item_id: str,
    supplier_ref: str,
    respond_by: datetime | None = None,
    ctx: Context,
) -> BookingSupplierStatus:
    """Ask a supplier to confirm one item; 409 `supplier_status_exists` if already asked."""
    if not supplier_ref.strip():
        raise BadRequest("supplier_ref_required", "a supplier request needs a supplier_ref")
    await ensure_booking(session, booking_id)
    item = await booking_item(session, booking_id=booking_id, item_id=item_id)
    row = BookingSupplierStatus(
        booking_id=booking_id,
        item_id=item.id,
        supplier_ref=supplier_ref.strip(),
        status="requested",
        respond_by=respond_by,
    )
    # The unique constraint, not a prior SELECT, arbitrates concurrent requests; the
    # savepoint keeps the caller's transaction usable after the violation.
    try:
        async with session.begin_nested():
            session.add(row)
    except IntegrityError as exc:
        constraint = getattr(getattr(exc.orig, "diag", None), "constraint_name", None)
        if constraint != SUPPLIER_UNIQUE:
            raise
        raise Conflict(
            "supplier_status_exists",
            f"supplier {row.supplier_ref} was already asked about item {item.id}",
        ) from exc
    log_activity(
        session,
        booking_id,
        "supplier_status_requested",
        ctx,
        supplier_status_id=row.id,
        item_id=item.id,
        supplier_ref=row.supplier_ref,
    )
    return row


async def respond_supplier_status(
    session: AsyncSession,
    *,
    booking_id: str,
    supplier_status_id: str,
    to: str,
    ctx: Context,
    confirmation_ref: str | None = None,
    reason: str | None = None,
    now: datetime | None = None,
) -> BookingSupplierStatus:
    """Record the supplier's confirmation or decline, or call the request off."""
    if to == "confirmed" and not (confirmation_ref or "").strip():
        raise BadRequest("confirmation_ref_required", "a confirmation needs a confirmation_ref")
    # Locked so a confirm and a decline racing on one request cannot both win.
    row = await session.scalar(
        select(BookingSupplierStatus)
        .where(
            BookingSupplierStatus.id == supplier_status_id,
            BookingSupplierStatus.booking_id == booking_id,
        )
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    if row is None:
        raise NotFound(
            "supplier_status_not_found",
            f"booking {booking_id} has no supplier status {supplier_status_id}",
        )
    previous = row.status
    row.status = supplier_rules.transition(previous, to)
    if to == "confirmed":
        row.confirmation_ref = (confirmation_ref or "").strip()
    if to in supplier_rules.RESPONSES:
        row.responded_at = now or datetime.now(UTC)
    await session.flush()
    log_activity(
        session,
        booking_id,
        f"supplier_status_{to}",
        ctx,
        reason=reason,
        supplier_status_id=row.id,
        item_id=row.item_id,
        supplier_ref=row.supplier_ref,
        previous=previous,
    )
    return row


async def list_supplier_statuses(
    session: AsyncSession, *, booking_id: str
) -> list[BookingSupplierStatus]:
    """The booking's supplier statuses in the order they were requested."""
    await ensure_booking(session, booking_id)
    stmt = (
        select(BookingSupplierStatus)
        .where(BookingSupplierStatus.booking_id == booking_id)
        .order_by(BookingSupplierStatus.id)
    )
    return list((await session.scalars(stmt)).all())
