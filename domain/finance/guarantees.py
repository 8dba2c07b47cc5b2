"""Guarantees: create, secure (from a payment session), release, claim, cancel. Retry-safe."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from domain.errors import BadRequest, Conflict, NotFound
from domain.finance import guarantee_rules as rules
from domain.finance import payments
from domain.finance.guarantee_models import Guarantee
from domain.finance.schedules import booking_or_404
from domain.ids import new_id
from domain.outbox.record import record_event

CLOSED_BOOKINGS = frozenset({"cancelled", "expired", "completed"})


@dataclass(frozen=True, slots=True)
class GuaranteeSpec:
    """A guarantee for `booking_id` of `amount_minor` in the booking's currency."""

    booking_id: str
    kind: str
    amount_minor: int
    idempotency_key: str
    reference: str | None = None
    issuer: str | None = None
    expires_at: datetime | None = None
    note: str | None = None


def _emit(session: AsyncSession, row: Guarantee, event_type: str, **extra: Any) -> None:
    record_event(
        session,
        aggregate_type="guarantee",
        aggregate_id=row.id,
        event_type=event_type,
        payload={
            "guarantee_id": row.id,
            "booking_id": row.booking_id,
            "kind": row.kind,
            "status": row.status,
            "amount_minor": row.amount_minor,
            "claimed_minor": row.claimed_minor,
            "currency": row.currency,
            **extra,
        },
    )


async def create_guarantee(
    session: AsyncSession, spec: GuaranteeSpec, *, now: datetime | None = None
) -> tuple[Guarantee, bool]:
    """Create it (`active` for documents, `pending` otherwise); a retried key returns it."""
    now = now or datetime.now(UTC)
    status = rules.initial_status(rules.Draft(spec.kind, spec.amount_minor, spec.reference))
    expires_at = spec.expires_at
    if expires_at is not None and expires_at.tzinfo is None:
        expires_at = expires_at.replace(tzinfo=UTC)  # a time without a zone is UTC
    booking = await booking_or_404(session, spec.booking_id, lock=True)
    existing = await _by_key(session, spec.idempotency_key)
    if existing is not None:
        return _replay(existing, spec), False
    if expires_at is not None and expires_at <= now:
        raise BadRequest("expires_in_past", "a guarantee cannot expire before it is created")
    if booking.status in CLOSED_BOOKINGS:
        raise Conflict(
            "booking_not_guaranteeable",
            f"booking {booking.id} is {booking.status}",
            status=booking.status,
        )
    gid = await session.scalar(
        insert(Guarantee)
        .values(
            id=new_id(Guarantee.id_prefix),
            booking_id=booking.id,
            idempotency_key=spec.idempotency_key,
            kind=spec.kind,
            status=status,
            amount_minor=spec.amount_minor,
            currency=booking.currency,
            reference=spec.reference,
            issuer=spec.issuer,
            claimed_minor=0,
            expires_at=expires_at,
            secured_at=now if status == "active" else None,
            note=spec.note,
        )
        .on_conflict_do_nothing(index_elements=["idempotency_key"])
        .returning(Guarantee.id)
    )
    if gid is None:  # a concurrent request with the same key won
        existing = await _by_key(session, spec.idempotency_key)
        assert existing is not None
        return _replay(existing, spec), False
    row = await session.get_one(Guarantee, gid)
    _emit(session, row, "guarantee.created")
    if status == "active":
        _emit(session, row, "guarantee.secured")
    return row, True


async def _by_key(session: AsyncSession, key: str) -> Guarantee | None:
    row: Guarantee | None = await session.scalar(
        select(Guarantee)
        .where(Guarantee.idempotency_key == key)
        .execution_options(populate_existing=True)
    )
    return row


def _replay(existing: Guarantee, spec: GuaranteeSpec) -> Guarantee:
    if (existing.booking_id, existing.kind, existing.amount_minor) != (
        spec.booking_id,
        spec.kind,
        spec.amount_minor,
    ):
        raise Conflict(
            "idempotency_key_reused",
            "this idempotency key created a different guarantee",
            guarantee_id=existing.id,
        )
    return existing


async def lock_guarantee(session: AsyncSession, guarantee_id: str) -> Guarantee:
    """The guarantee locked FOR UPDATE; 404 `guarantee_not_found`."""
    row = await session.scalar(
        select(Guarantee)
        .where(Guarantee.id == guarantee_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    if row is None:
        raise NotFound("guarantee_not_found", f"no guarantee {guarantee_id}")
    return row


async def list_for_booking(session: AsyncSession, booking_id: str) -> list[Guarantee]:
    """A booking's guarantees, oldest first."""
    await booking_or_404(session, booking_id)
    rows = await session.scalars(
        select(Guarantee).where(Guarantee.booking_id == booking_id).order_by(Guarantee.id)
    )
    return list(rows.all())


async def secure(
    session: AsyncSession,
    guarantee_id: str,
    *,
    provider: str,
    provider_ref: str | None,
    payment_id: str | None,
    session_id: str,
    now: datetime,
) -> Guarantee:
    """A payment session for it succeeded: pending -> active (a repeat changes nothing)."""
    row = await lock_guarantee(session, guarantee_id)
    if row.status != "pending":
        return row
    rules.check_transition(row.status, "active")
    row.status, row.secured_at = "active", now
    row.provider, row.provider_ref, row.payment_session_id = provider, provider_ref, session_id
    row.payment_id = payment_id
    await session.flush()
    _emit(session, row, "guarantee.secured", payment_session_id=session_id, payment_id=payment_id)
    return row


async def release(
    session: AsyncSession, guarantee_id: str, *, reason: str, now: datetime | None = None
) -> Guarantee:
    """Hand an active guarantee back; a paid deposit is refunded in full. Repeats are no-ops."""
    now = now or datetime.now(UTC)
    row = await lock_guarantee(session, guarantee_id)
    if row.status == "released":
        return row
    rules.check_transition(row.status, "released")
    refund_id = None
    if row.kind == "deposit" and row.payment_id is not None:
        refunded = await payments.refund_payment(
            session,
            payment_id=row.payment_id,
            amount_minor=row.amount_minor,
            reason=f"guarantee released: {reason}",
            idempotency_key=f"guarantee-release:{row.id}",
            now=now,
        )
        refund_id = refunded.refund.id
    row.status, row.closed_at = "released", now
    await session.flush()
    _emit(session, row, "guarantee.released", reason=reason, refund_id=refund_id)
    return row


async def claim(
    session: AsyncSession,
    guarantee_id: str,
    *,
    amount_minor: int | None,
    reason: str,
    now: datetime | None = None,
) -> Guarantee:
    """Use an active guarantee to collect up to its amount; repeats are no-ops.

    Pre-auths and cards on file are recorded as captured card payments (the simulated
    processor has no capture call: the capture itself is not sent anywhere), vouchers as
    voucher payments and agency letters as direct-bill payments, each against the booking
    with the key `guarantee-claim:{id}`. A deposit's money is already recorded: claiming
    it keeps what is claimed and refunds the rest (`guarantee-claim-refund:{id}`).
    """
    now = now or datetime.now(UTC)
    row = await lock_guarantee(session, guarantee_id)
    if row.status == "claimed":
        return row
    rules.check_transition(row.status, "claimed")
    take = rules.claimable(
        amount_minor=row.amount_minor, claimed_minor=row.claimed_minor, requested=amount_minor
    )
    method = rules.CLAIM_METHOD[row.kind]
    payment_id = row.payment_id
    if method is not None:
        recorded = await payments.record_booking_payment(
            session,
            payments.PaymentSpec(
                amount_minor=take,
                currency=row.currency,
                method=method,
                idempotency_key=f"guarantee-claim:{row.id}",
                booking_id=row.booking_id,
                reference=row.provider_ref or row.reference,
                note=f"guarantee {row.id} claimed: {reason}",
                received_at=now,
            ),
        )
        payment_id = recorded.payment.id
    refund_id = None
    if row.kind == "deposit" and payment_id is not None and take < row.amount_minor:
        refunded = await payments.refund_payment(
            session,
            payment_id=payment_id,
            amount_minor=row.amount_minor - take,
            reason=f"guarantee partly claimed: {reason}",
            idempotency_key=f"guarantee-claim-refund:{row.id}",
            now=now,
        )
        refund_id = refunded.refund.id
    row.status, row.closed_at = "claimed", now
    row.claimed_minor, row.payment_id = take, payment_id
    await session.flush()
    _emit(
        session,
        row,
        "guarantee.claimed",
        reason=reason,
        payment_id=payment_id,
        refund_id=refund_id,
    )
    return row


async def expire_due(session: AsyncSession, *, now: datetime, limit: int = 200) -> list[str]:
    """Expire up to `limit` pending guarantees whose `expires_at` has passed; their ids.

    Rows another transaction holds (a session completing for one) are skipped and caught
    by the next sweep; an expired guarantee is no longer pending, so a repeat is a no-op.
    """
    rows = await session.scalars(
        select(Guarantee)
        .where(Guarantee.status == "pending", Guarantee.expires_at <= now)
        .order_by(Guarantee.id)
        .limit(limit)
        .with_for_update(skip_locked=True)
        .execution_options(populate_existing=True)
    )
    expired = []
    for row in rows.all():
        rules.check_transition(row.status, "expired")
        row.status, row.closed_at = "expired", now
        expired.append(row)
    await session.flush()
    for row in expired:
        _emit(session, row, "guarantee.expired", expires_at=str(row.expires_at))
    return [x.id for x in expired]


async def cancel(
    session: AsyncSession, guarantee_id: str, *, now: datetime | None = None
) -> Guarantee:
    """Drop a guarantee that was never secured; repeats are no-ops."""
    now = now or datetime.now(UTC)
    row = await lock_guarantee(session, guarantee_id)
    if row.status == "cancelled":
        return row
    rules.check_transition(row.status, "cancelled")
    row.status, row.closed_at = "cancelled", now
    await session.flush()
    _emit(session, row, "guarantee.cancelled")
    return row
