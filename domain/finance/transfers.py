"""Received bank transfers, matched by reference to their bank-transfer payment session."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import func, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from domain.errors import BadRequest, Conflict, NotFound
from domain.finance import collection_plan, payments, schedules
from domain.finance.collection_models import PaymentSession
from domain.finance.reminder_models import ReceivedTransfer
from domain.finance.session_completion import complete
from domain.ids import new_id
from domain.money import check_currency

_SESSION_REFERENCE = re.compile(r"TF-?([0-9A-F]{12})")


@dataclass(frozen=True, slots=True)
class TransferSpec:
    """A transfer as the bank statement reports it; `transaction_id` is the bank's own id."""

    transaction_id: str
    reference: str
    amount_minor: int
    currency: str
    payer: str | None = None
    received_at: datetime | None = None


def session_reference(text: str) -> str | None:
    """The `TF-…` session reference inside a free-text remittance line, if any.

    Banks upper-case, re-space and truncate remittance text: `tf 1a2b…` still matches.
    """
    compact = re.sub(r"\s+", "", text.upper())
    found = _SESSION_REFERENCE.search(compact)
    return f"TF-{found.group(1)}" if found else None


async def record_transfer(
    session: AsyncSession, spec: TransferSpec, *, now: datetime | None = None
) -> tuple[ReceivedTransfer, bool]:
    """Store the transfer once per bank transaction id and settle the session it pays.

    `matched`: the session was pending with the same amount and currency; it completes
    like a card charge (payment, schedule lines, `booking_payment_schedule.paid`).
    `amount_mismatch`: the money is kept for a person to look at, the session stays
    pending. `unmatched`: no pending bank-transfer session carries that reference.
    A replay of the transaction id returns the stored outcome.
    """
    now = now or datetime.now(UTC)
    check_currency(spec.currency)
    tid = await session.scalar(
        insert(ReceivedTransfer)
        .values(
            id=new_id(ReceivedTransfer.id_prefix),
            transaction_id=spec.transaction_id,
            reference=spec.reference,
            amount_minor=spec.amount_minor,
            currency=spec.currency,
            payer=spec.payer,
            received_at=spec.received_at or now,
            status="unmatched",
            details={},
        )
        .on_conflict_do_nothing(index_elements=["transaction_id"])
        .returning(ReceivedTransfer.id)
    )
    if tid is None:
        existing = await session.scalar(
            select(ReceivedTransfer).where(ReceivedTransfer.transaction_id == spec.transaction_id)
        )
        assert existing is not None
        if (existing.amount_minor, existing.currency) != (spec.amount_minor, spec.currency):
            raise Conflict(
                "idempotency_key_reused",
                "this bank transaction id was recorded with another amount",
                transfer_id=existing.id,
            )
        return existing, False
    row = await session.get_one(ReceivedTransfer, tid)
    reference = session_reference(spec.reference)
    target = None
    if reference is not None:
        target = await session.scalar(
            select(PaymentSession)
            .where(
                func.upper(PaymentSession.reference) == reference,
                PaymentSession.method == "bank_transfer",
            )
            .with_for_update()
            .execution_options(populate_existing=True)
        )
    if target is None or target.status != "pending":
        row.details = {
            "reason": "no_session" if target is None else f"session_{target.status}",
            "matched_reference": reference,
        }
        row.payment_session_id = target.id if target else None
        await session.flush()
        return row, True
    row.payment_session_id = target.id
    if (target.amount_minor, target.currency) != (spec.amount_minor, spec.currency):
        row.status = "amount_mismatch"
        row.details = {"expected_minor": target.amount_minor, "expected_currency": target.currency}
        await session.flush()
        return row, True
    await complete(session, target, charge_id=f"bank:{spec.transaction_id}", now=now)
    row.status, row.payment_id = "matched", target.payment_id
    await session.flush()
    return row, True


async def list_transfers(
    session: AsyncSession, *, status: str | None, after_id: str | None, limit: int
) -> list[ReceivedTransfer]:
    """Received transfers by id (arrival order), optionally of one status, after `after_id`."""
    stmt = select(ReceivedTransfer).order_by(ReceivedTransfer.id).limit(limit)
    if status is not None:
        stmt = stmt.where(ReceivedTransfer.status == status)
    if after_id is not None:
        stmt = stmt.where(ReceivedTransfer.id > after_id)
    return list((await session.scalars(stmt)).all())


async def _lock_transfer(session: AsyncSession, transfer_id: str) -> ReceivedTransfer:
    row = await session.scalar(
        select(ReceivedTransfer)
        .where(ReceivedTransfer.id == transfer_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    if row is None:
        raise NotFound("transfer_not_found", f"no received bank transfer {transfer_id}")
    return row


async def match_transfer(
    session: AsyncSession,
    transfer_id: str,
    *,
    payment_session_id: str | None = None,
    booking_id: str | None = None,
    now: datetime | None = None,
) -> tuple[ReceivedTransfer, bool]:
    """A person matches a transfer the reference did not match (`unmatched` or
    `amount_mismatch`) to a pending bank-transfer session or to a booking; `matched` after.

    Session: its amount and currency must be the transfer's; it completes as if the
    reference had named it. Booking: the transfer is recorded as a bank-transfer payment
    for the booking (in its currency), and if it is exactly what the booking has due (what
    a booking session would collect) those schedule lines are paid too. The transfer is
    locked first: repeating the same match returns it (False); another target is a 409
    `transfer_already_matched`.
    """
    now = now or datetime.now(UTC)
    if (payment_session_id is None) == (booking_id is None):
        raise BadRequest("match_target_required", "match to a payment session or a booking")
    row = await _lock_transfer(session, transfer_id)
    if row.status == "matched":
        same = (
            payment_session_id is not None and row.payment_session_id == payment_session_id
        ) or (booking_id is not None and row.details.get("matched_booking_id") == booking_id)
        if same:
            return row, False
        raise Conflict(
            "transfer_already_matched",
            f"transfer {row.id} is already matched",
            payment_session_id=row.payment_session_id,
            payment_id=row.payment_id,
        )
    previous = dict(row.details)
    if payment_session_id is not None:
        await _match_session(session, row, payment_session_id, now)
        matched: dict[str, object] = {"matched_payment_session_id": payment_session_id}
    else:
        assert booking_id is not None
        await _match_booking(session, row, booking_id, now)
        matched = {"matched_booking_id": booking_id}
    row.status = "matched"
    row.details = {"matched_by": "manual", **matched, "previous": previous}
    await session.flush()
    return row, True


async def _match_session(
    session: AsyncSession, row: ReceivedTransfer, session_id: str, now: datetime
) -> None:
    target = await session.scalar(
        select(PaymentSession)
        .where(PaymentSession.id == session_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    if target is None:
        raise NotFound("payment_session_not_found", f"no payment session {session_id}")
    if target.method != "bank_transfer" or target.status != "pending":
        raise Conflict(
            "session_not_matchable",
            f"payment session {target.id} is a {target.status} {target.method} session",
            status=target.status,
            method=target.method,
        )
    if (target.amount_minor, target.currency) != (row.amount_minor, row.currency):
        raise Conflict(
            "amount_mismatch",
            f"the session collects {target.amount_minor} {target.currency}",
            expected_minor=target.amount_minor,
            expected_currency=target.currency,
        )
    await complete(session, target, charge_id=f"bank:{row.transaction_id}", now=now)
    row.payment_session_id, row.payment_id = target.id, target.payment_id


async def _match_booking(
    session: AsyncSession, row: ReceivedTransfer, booking_id: str, now: datetime
) -> None:
    booking = await schedules.booking_or_404(session, booking_id, lock=True)
    if booking.currency != row.currency:
        raise Conflict(
            "currency_mismatch",
            f"the booking is in {booking.currency}, the transfer in {row.currency}",
            booking_currency=booking.currency,
        )
    try:
        _, lines = await schedules.schedule_of(session, booking.id, lock=True)
    except NotFound:
        lines = []
    collect = collection_plan.lines_to_collect([schedules.view(x) for x in lines], as_of=now.date())
    recorded = await payments.record_booking_payment(
        session,
        payments.PaymentSpec(
            amount_minor=row.amount_minor,
            currency=row.currency,
            method="bank_transfer",
            idempotency_key=f"bank-transfer:{row.id}",
            booking_id=booking.id,
            reference=f"bank:{row.transaction_id}",
            note=f"received transfer {row.id}, matched by hand",
            received_at=row.received_at,
        ),
    )
    row.payment_id = recorded.payment.id
    if collect and sum(x.amount_minor for x in collect) == row.amount_minor:
        await schedules.mark_paid(
            session,
            booking_id=booking.id,
            line_ids=[x.id for x in collect],
            payment_id=recorded.payment.id,
            session_id=None,
            now=now,
        )
