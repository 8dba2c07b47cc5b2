"""Received bank transfers, matched by reference to their bank-transfer payment session."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import func, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from domain.errors import Conflict
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
