"""Issuing, reissuing and revoking fulfillments, and redeeming them at the point of service.

Lock order, everywhere: the booking row first, then the fulfillment row, then allocation
rows in id order. Issue, reissue and revoke take the booking FOR UPDATE (they record events
on the booking aggregate, whose `seq` must follow commit order); a redemption takes it
FOR SHARE (scans of different tickets proceed side by side, while a cancel waits for them
and they for it) and the fulfillment FOR UPDATE, so racing scans of one ticket serialize.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from domain.bookings import fulfillment_rules as rules
from domain.bookings.fulfillment_models import (
    DELIVERY_CHANNELS,
    FULFILLMENT_KINDS,
    Fulfillment,
    Redemption,
)
from domain.bookings.models import Booking, BookingAllocation
from domain.bookings.records import booking_item, ensure_booking
from domain.bookings.service import Context, lock_booking, log_activity
from domain.errors import BadRequest, NotFound
from domain.outbox.record import record_event

# Allocations a redemption moves to `fulfilled` (released ones stay released).
UNFULFILLED = ("held", "confirmed")


def _validate(kind: str, delivery_channel: str) -> None:
    if kind not in FULFILLMENT_KINDS:
        raise BadRequest("invalid_kind", f"kind must be one of {', '.join(FULFILLMENT_KINDS)}")
    if delivery_channel not in DELIVERY_CHANNELS:
        raise BadRequest(
            "invalid_delivery_channel",
            f"delivery_channel must be one of {', '.join(DELIVERY_CHANNELS)}",
        )


def _event(session: AsyncSession, event_type: str, f: Fulfillment, **extra: Any) -> None:
    # The code is a bearer secret: subscribers that deliver it read it from the row.
    record_event(
        session,
        aggregate_type="booking",
        aggregate_id=f.booking_id,
        event_type=event_type,
        payload={
            "booking_id": f.booking_id,
            "fulfillment_id": f.id,
            "item_id": f.item_id,
            "kind": f.kind,
            "delivery_channel": f.delivery_channel,
            "single_use": f.single_use,
            "status": f.status,
            "reissue_of_id": f.reissue_of_id,
            **extra,
        },
    )


async def _locked(session: AsyncSession, *, booking_id: str, fulfillment_id: str) -> Fulfillment:
    row = await session.scalar(
        select(Fulfillment)
        .where(Fulfillment.id == fulfillment_id, Fulfillment.booking_id == booking_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    if row is None:
        raise NotFound(
            "fulfillment_not_found", f"booking {booking_id} has no fulfillment {fulfillment_id}"
        )
    return row


async def issue_fulfillment(
    session: AsyncSession,
    *,
    booking_id: str,
    item_id: str,
    kind: str,
    delivery_channel: str,
    ctx: Context,
    single_use: bool = True,
) -> Fulfillment:
    """Issue a deliverable for an active item of a confirmed or in-progress booking."""
    _validate(kind, delivery_channel)
    booking = await lock_booking(session, booking_id)
    rules.ensure_fulfillable(booking.status)
    item = await booking_item(session, booking_id=booking.id, item_id=item_id)
    fulfillment = Fulfillment(
        booking_id=booking.id,
        item_id=item.id,
        kind=kind,
        delivery_channel=delivery_channel,
        code=rules.new_code(),
        single_use=single_use,
        status="issued",
    )
    session.add(fulfillment)
    await session.flush()
    _event(session, "booking.fulfillment_issued", fulfillment)
    log_activity(
        session,
        booking.id,
        "fulfillment_issued",
        ctx,
        fulfillment_id=fulfillment.id,
        item_id=item.id,
        kind=kind,
        delivery_channel=delivery_channel,
    )
    return fulfillment


async def reissue_fulfillment(
    session: AsyncSession,
    *,
    booking_id: str,
    fulfillment_id: str,
    ctx: Context,
    delivery_channel: str | None = None,
    reason: str | None = None,
) -> Fulfillment:
    """Supersede an issued fulfillment with a new one (new code), linked by `reissue_of_id`."""
    booking = await lock_booking(session, booking_id)
    old = await _locked(session, booking_id=booking.id, fulfillment_id=fulfillment_id)
    channel = delivery_channel or old.delivery_channel
    _validate(old.kind, channel)
    rules.ensure_live(old.status)
    rules.ensure_fulfillable(booking.status)
    await booking_item(session, booking_id=booking.id, item_id=old.item_id)
    old.status = rules.transition(old.status, "superseded")
    new = Fulfillment(
        booking_id=booking.id,
        item_id=old.item_id,
        kind=old.kind,
        delivery_channel=channel,
        code=rules.new_code(),
        single_use=old.single_use,
        status="issued",
        reissue_of_id=old.id,
    )
    session.add(new)
    await session.flush()
    _event(session, "booking.fulfillment_issued", new)
    log_activity(
        session,
        booking.id,
        "fulfillment_reissued",
        ctx,
        reason=reason,
        fulfillment_id=new.id,
        reissue_of_id=old.id,
        item_id=new.item_id,
        delivery_channel=channel,
    )
    return new


async def revoke_fulfillment(
    session: AsyncSession,
    *,
    booking_id: str,
    fulfillment_id: str,
    reason: str,
    ctx: Context,
    now: datetime | None = None,
) -> Fulfillment:
    """Revoke an issued fulfillment (reason required); allowed whatever the booking's status."""
    why = rules.require_reason(reason, code="revoke_reason_required")
    booking = await lock_booking(session, booking_id)
    row = await _locked(session, booking_id=booking.id, fulfillment_id=fulfillment_id)
    row.status = rules.transition(row.status, "revoked")
    row.revoked_at = now or datetime.now(UTC)
    row.revoke_reason = why
    await session.flush()
    _event(session, "booking.fulfillment_revoked", row, reason=why)
    log_activity(session, booking.id, "fulfillment_revoked", ctx, reason=why, fulfillment_id=row.id)
    return row


async def get_fulfillment(
    session: AsyncSession, *, booking_id: str, fulfillment_id: str
) -> Fulfillment:
    """One fulfillment of the booking; 404 `fulfillment_not_found`."""
    row = await session.scalar(
        select(Fulfillment).where(
            Fulfillment.id == fulfillment_id, Fulfillment.booking_id == booking_id
        )
    )
    if row is None:
        raise NotFound(
            "fulfillment_not_found", f"booking {booking_id} has no fulfillment {fulfillment_id}"
        )
    return row


async def list_fulfillments(session: AsyncSession, *, booking_id: str) -> list[Fulfillment]:
    """The booking's fulfillments, oldest first (reissues follow what they replace)."""
    await ensure_booking(session, booking_id)
    stmt = select(Fulfillment).where(Fulfillment.booking_id == booking_id).order_by(Fulfillment.id)
    return list((await session.scalars(stmt)).all())


@dataclass(frozen=True)
class RedemptionResult:
    """A redemption, the fulfillment it used, and whether it was a retried scan."""

    redemption: Redemption
    fulfillment: Fulfillment
    replayed: bool


async def redeem(
    session: AsyncSession,
    *,
    code: str,
    scan_id: str,
    ctx: Context,
    location: str | None = None,
    now: datetime | None = None,
) -> RedemptionResult:
    """Consume a fulfillment by its code; a retried scan (same `scan_id`) changes nothing."""
    if not scan_id.strip():
        raise BadRequest("scan_id_required", "a redemption needs a scan_id")
    found = await session.execute(
        select(Fulfillment.id, Fulfillment.booking_id).where(
            Fulfillment.code == rules.normalize_code(code)
        )
    )
    ids = found.first()
    if ids is None:
        raise NotFound("fulfillment_not_found", "no fulfillment has this code")
    booking = await session.scalar(
        select(Booking)
        .where(Booking.id == ids.booking_id)
        .with_for_update(read=True)
        .execution_options(populate_existing=True)
    )
    if booking is None:  # deleted in between: as unknown as a code never issued
        raise NotFound("fulfillment_not_found", "no fulfillment has this code")
    fulfillment = await _locked(session, booking_id=booking.id, fulfillment_id=ids.id)
    # Under the fulfillment lock a retried scan always sees the first attempt's commit.
    earlier = await session.scalar(
        select(Redemption).where(
            Redemption.fulfillment_id == fulfillment.id, Redemption.scan_id == scan_id
        )
    )
    if earlier is not None:
        return RedemptionResult(redemption=earlier, fulfillment=fulfillment, replayed=True)
    rules.ensure_live(fulfillment.status)
    rules.ensure_fulfillable(booking.status)
    await booking_item(session, booking_id=booking.id, item_id=fulfillment.item_id)
    redemption = Redemption(
        fulfillment_id=fulfillment.id,
        scan_id=scan_id,
        location=location,
        redeemed_by=ctx.actor_id,
        redeemed_at=now or datetime.now(UTC),
    )
    session.add(redemption)
    fulfillment.status = rules.status_after_redemption(single_use=fulfillment.single_use)
    await _fulfil_allocations(session, booking_id=booking.id, item_id=fulfillment.item_id)
    await session.flush()
    log_activity(
        session,
        booking.id,
        "fulfillment_redeemed",
        ctx,
        fulfillment_id=fulfillment.id,
        redemption_id=redemption.id,
        scan_id=scan_id,
        location=location,
    )
    return RedemptionResult(redemption=redemption, fulfillment=fulfillment, replayed=False)


async def _fulfil_allocations(session: AsyncSession, *, booking_id: str, item_id: str) -> None:
    # Scans of two tickets of one item may run side by side (the booking is only share-
    # locked): take the allocation rows in id order so they cannot deadlock.
    ids = list(
        (
            await session.scalars(
                select(BookingAllocation.id)
                .where(
                    BookingAllocation.booking_id == booking_id,
                    BookingAllocation.item_id == item_id,
                    BookingAllocation.status.in_(UNFULFILLED),
                )
                .order_by(BookingAllocation.id)
                .with_for_update()
            )
        ).all()
    )
    if ids:
        await session.execute(
            update(BookingAllocation)
            .where(BookingAllocation.id.in_(ids), BookingAllocation.status.in_(UNFULFILLED))
            .values(status="fulfilled")
        )


async def list_redemptions(session: AsyncSession, *, booking_id: str) -> list[Redemption]:
    """Every redemption of the booking's fulfillments, oldest first."""
    await ensure_booking(session, booking_id)
    stmt = (
        select(Redemption)
        .join(Fulfillment, Fulfillment.id == Redemption.fulfillment_id)
        .where(Fulfillment.booking_id == booking_id)
        .order_by(Redemption.id)
    )
    return list((await session.scalars(stmt)).all())
