"""Payment sessions: start one against a target through a starter, apply processor events."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from adapters.payments.base import PaymentStarter, StartRequest
from domain.errors import BadRequest, Conflict, NotFound
from domain.finance import collection_plan as rules
from domain.finance import guarantee_rules, guarantees, payments, schedules, transitions
from domain.finance.collection_models import (
    SESSION_METHODS,
    PaymentScheduleLine,
    PaymentSession,
    ProcessorEvent,
)
from domain.finance.guarantee_models import Guarantee
from domain.finance.invoice_models import Invoice
from domain.finance.session_completion import complete
from domain.ids import new_id
from domain.money import check_currency
from domain.outbox.record import record_event

# Namespace of the transaction-scoped advisory lock serialising one idempotency key.
KEY_LOCK_NAMESPACE = 0x7F0F_0011


@dataclass(frozen=True, slots=True)
class SessionSpec:
    """Start collecting `amount_minor` (default: what the target owes) by `method`."""

    method: str
    target_kind: str
    target_id: str
    idempotency_key: str
    amount_minor: int | None = None
    # Explicit-reference targets only: the currency collected, and optionally the booking.
    currency: str | None = None
    booking_id: str | None = None


@dataclass(frozen=True, slots=True)
class _Target:
    booking_id: str | None
    invoice_id: str | None
    line_ids: list[str]
    amount_minor: int
    currency: str
    description: str
    guarantee_id: str | None = None
    intent: str = "charge"


def _amount(spec: SessionSpec, owed: int) -> int:
    if spec.amount_minor is not None and spec.amount_minor != owed:
        raise BadRequest(
            "amount_mismatch",
            f"this target collects {owed}",
            amount_minor=spec.amount_minor,
            owed_minor=owed,
        )
    return owed


async def _line_target(session: AsyncSession, spec: SessionSpec) -> _Target:
    found = await session.get(PaymentScheduleLine, spec.target_id)
    if found is None:
        raise NotFound("schedule_line_not_found", f"no schedule line {spec.target_id}")
    # Locked like an edit (booking, then lines), so a line is never edited under a session.
    await schedules.booking_or_404(session, found.booking_id, lock=True)
    _, lines = await schedules.schedule_of(session, found.booking_id, lock=True)
    line = next(x for x in lines if x.id == found.id)
    if line.status != "due":
        raise Conflict("line_not_due", f"schedule line {line.id} is {line.status}")
    amount = _amount(spec, line.amount_minor)
    return _Target(line.booking_id, None, [line.id], amount, line.currency, f"{line.kind} payment")


async def _booking_target(session: AsyncSession, spec: SessionSpec, now: datetime) -> _Target:
    booking = await schedules.booking_or_404(session, spec.target_id, lock=True)
    try:
        _, lines = await schedules.schedule_of(session, booking.id, lock=True)
    except NotFound:
        lines = []
    if not lines:
        if spec.amount_minor is None:
            raise BadRequest("amount_required", "a booking without a schedule needs an amount")
        return _Target(booking.id, None, [], spec.amount_minor, booking.currency, "booking")
    collect = rules.lines_to_collect([schedules.view(x) for x in lines], as_of=now.date())
    if not collect:
        raise Conflict("nothing_due", f"booking {booking.id} has nothing left to collect")
    amount = _amount(spec, sum(x.amount_minor for x in collect))
    ids = [x.id for x in collect]
    return _Target(booking.id, None, ids, amount, booking.currency, f"booking {booking.number}")


async def _invoice_target(session: AsyncSession, spec: SessionSpec) -> _Target:
    invoice = await session.get(Invoice, spec.target_id)
    if invoice is None:
        raise NotFound("invoice_not_found", f"no invoice {spec.target_id}")
    owed = transitions.outstanding(
        total_minor=invoice.total_minor,
        credited_minor=invoice.credited_minor,
        paid_minor=invoice.paid_minor,
    )
    if invoice.status not in payments.PAYABLE or owed <= 0:
        raise Conflict("invoice_not_payable", f"invoice {invoice.id} owes nothing collectable")
    amount = _amount(spec, owed)
    return _Target(invoice.booking_id, invoice.id, [], amount, invoice.currency, "invoice")


async def _guarantee_target(session: AsyncSession, spec: SessionSpec, now: datetime) -> _Target:
    row = await guarantees.lock_guarantee(session, spec.target_id)
    if row.status != "pending" or row.kind not in guarantee_rules.SESSION_INTENT:
        raise Conflict(
            "guarantee_not_securable",
            f"guarantee {row.id} ({row.kind}) is {row.status}",
            status=row.status,
            kind=row.kind,
        )
    if row.expires_at is not None and row.expires_at <= now:
        raise Conflict("guarantee_expired", f"guarantee {row.id} expired at {row.expires_at}")
    amount = _amount(spec, row.amount_minor)
    intent = guarantee_rules.SESSION_INTENT[row.kind]
    return _Target(
        row.booking_id, None, [], amount, row.currency, f"{row.kind} guarantee", row.id, intent
    )


async def _reference_target(session: AsyncSession, spec: SessionSpec) -> _Target:
    if spec.amount_minor is None or spec.currency is None:
        raise BadRequest("amount_required", "an explicit reference needs amount and currency")
    if spec.booking_id is not None:
        booking = await schedules.booking_or_404(session, spec.booking_id)
        if booking.currency != spec.currency:
            raise Conflict(
                "currency_mismatch",
                f"the booking is in {booking.currency}",
                booking_currency=booking.currency,
            )
    currency = check_currency(spec.currency)
    return _Target(spec.booking_id, None, [], spec.amount_minor, currency, spec.target_id)


async def _resolve(session: AsyncSession, spec: SessionSpec, now: datetime) -> _Target:
    if spec.target_kind == "schedule_line":
        return await _line_target(session, spec)
    if spec.target_kind == "booking":
        return await _booking_target(session, spec, now)
    if spec.target_kind == "invoice":
        return await _invoice_target(session, spec)
    if spec.target_kind == "guarantee":
        return await _guarantee_target(session, spec, now)
    if spec.target_kind == "reference":
        return await _reference_target(session, spec)
    raise BadRequest("unsupported_target", f"cannot collect against {spec.target_kind!r}")


async def start_session(
    session: AsyncSession,
    spec: SessionSpec,
    *,
    starters: Mapping[str, PaymentStarter],
    now: datetime | None = None,
) -> tuple[PaymentSession, bool]:
    """Open a session and start it with the method's starter; a retried key returns it.

    Requests carrying one key are serialised by a transaction-scoped advisory lock, so two
    racing requests never both insert: the second sees the first's session (its retry:
    returned; a different request: 409 `idempotency_key_reused`).
    """
    now = now or datetime.now(UTC)
    await session.execute(
        select(func.pg_advisory_xact_lock(KEY_LOCK_NAMESPACE, func.hashtext(spec.idempotency_key)))
    )
    existing = await session.scalar(
        select(PaymentSession).where(PaymentSession.idempotency_key == spec.idempotency_key)
    )
    if existing is not None:
        if (existing.target_kind, existing.target_id, existing.method) != (
            spec.target_kind,
            spec.target_id,
            spec.method,
        ) or spec.amount_minor not in (None, existing.amount_minor):
            raise Conflict(
                "idempotency_key_reused",
                "this key started a different payment session",
                payment_session_id=existing.id,
            )
        return existing, False
    if spec.method not in SESSION_METHODS or spec.method not in starters:
        raise BadRequest("invalid_method", f"method must be one of {sorted(starters)}")
    target = await _resolve(session, spec, now)
    if target.intent != "charge" and spec.method != "card":
        raise BadRequest("invalid_method", f"a {target.description} is secured by card")
    row = PaymentSession(
        idempotency_key=spec.idempotency_key,
        method=spec.method,
        target_kind=spec.target_kind,
        target_id=spec.target_id,
        booking_id=target.booking_id,
        invoice_id=target.invoice_id,
        guarantee_id=target.guarantee_id,
        schedule_line_ids=target.line_ids,
        amount_minor=target.amount_minor,
        currency=target.currency,
        status="pending",
        reference=f"TF-{uuid.uuid4().hex[:12].upper()}",
    )
    started = await starters[spec.method].start(
        StartRequest(
            row.id,
            row.reference,
            row.amount_minor,
            row.currency,
            target.description,
            intent=target.intent,
        )
    )
    row.provider, row.provider_ref, row.next_action = (
        started.provider,
        started.provider_ref,
        started.next_action,
    )
    session.add(row)
    await session.flush()
    return row, True


SUCCESS_EVENTS = frozenset({"charge.succeeded", "authorization.succeeded"})
CHARGE_MISMATCH_EVENT = "payment_session.charge_mismatch"


async def _expects_charge(session: AsyncSession, row: PaymentSession) -> bool:
    """Whether the session was started to charge money (not to authorise or save a card)."""
    if row.guarantee_id is None:
        return True
    kind = await session.scalar(select(Guarantee.kind).where(Guarantee.id == row.guarantee_id))
    return guarantee_rules.SESSION_INTENT.get(str(kind)) == "charge"


def _field(data: Mapping[str, Any], name: str) -> Any:
    if name not in data:
        raise BadRequest("invalid_event", f"the event has no {name!r}")
    return data[name]


async def apply_processor_event(
    session: AsyncSession, *, processor: str, event: Mapping[str, Any], now: datetime | None = None
) -> str:
    """Apply a verified processor event once: `applied`, `failed`, `duplicate`, `ignored`,
    or `amount_mismatch` / `intent_mismatch` (stored and flagged; the session stays as it
    was).

    On `charge.succeeded`, in the caller's transaction: the payment is recorded (against
    the invoice, else the booking), the schedule lines it covers are marked paid and
    `booking_payment_schedule.paid` is recorded in the outbox. A success after a failure
    (a retry with another card) still applies; a failure after the success is ignored.
    """
    now = now or datetime.now(UTC)
    event_id, event_type = str(_field(event, "id")), str(_field(event, "type"))
    data = _field(event, "data")
    if not isinstance(data, Mapping):
        raise BadRequest("invalid_event", "the event's data is an object")
    session_id = str(_field(data, "reference"))
    inserted = await session.scalar(
        insert(ProcessorEvent)
        .values(
            id=new_id(ProcessorEvent.id_prefix),
            processor=processor,
            event_id=event_id,
            event_type=event_type,
            session_id=session_id,
            payload=dict(event),
        )
        .on_conflict_do_nothing(index_elements=["processor", "event_id"])
        .returning(ProcessorEvent.id)
    )
    if inserted is None:
        return "duplicate"
    row = await session.scalar(
        select(PaymentSession).where(PaymentSession.id == session_id).with_for_update()
    )
    if row is None:
        raise NotFound("payment_session_not_found", f"no payment session {session_id}")
    if row.provider_ref is not None and data.get("session_id") != row.provider_ref:
        raise BadRequest("session_mismatch", "the event names another processor session")
    if event_type == "charge.failed":
        if row.status == "pending":
            row.status, row.failure_reason = "failed", str(data.get("failure_reason") or "")
            await session.flush()
            return "failed"
        return "ignored"
    # A declined attempt fails the session, but the pay page lets the customer try another
    # card on the same processor session: its later success is money taken, so it applies.
    if event_type not in SUCCESS_EVENTS or row.status == "succeeded":
        return "ignored"
    wrong_kind = event_type == "authorization.succeeded" and await _expects_charge(session, row)
    if wrong_kind or (data.get("amount_minor"), data.get("currency")) != (
        row.amount_minor,
        row.currency,
    ):
        # Not what the session asked (another amount, or only an authorisation where money
        # was to be charged): refusing would roll the event back and the processor does not
        # retry a 4xx, so it is kept and flagged for a person; the session stays as it was.
        record_event(
            session,
            aggregate_type="payment_session",
            aggregate_id=row.id,
            event_type=CHARGE_MISMATCH_EVENT,
            payload={
                "payment_session_id": row.id,
                "processor": processor,
                "event_id": event_id,
                "expected_minor": row.amount_minor,
                "expected_currency": row.currency,
                "charged_minor": data.get("amount_minor"),
                "charged_currency": data.get("currency"),
                "event_type": event_type,
            },
        )
        return "intent_mismatch" if wrong_kind else "amount_mismatch"
    await complete(
        session,
        row,
        charge_id=str(data.get("charge_id") or event_id),
        now=now,
        money_moved=event_type == "charge.succeeded",
    )
    return "applied"
