"""Collection: booking payment schedules, the collection plan, payment sessions, webhooks."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from typing import Annotated, Any, ClassVar, Literal

from fastapi import APIRouter, Depends, Request, Response
from pydantic import BaseModel, ConfigDict, Field, model_validator

from adapters.payments import signing
from adapters.payments.sim_client import PROVIDER as SIM
from adapters.payments.wiring import starters
from api.deps import RuntimeDep, SessionDep, require
from api.fields import LongText, Patch, Ref
from domain.auth.service import AuthenticatedPrincipal
from domain.errors import BadRequest, NotFound
from domain.finance import collection_plan as rules
from domain.finance import schedules, sessions
from domain.finance.collection_models import PaymentSession
from domain.ids import parse_id

router = APIRouter(prefix="/v1/finance", tags=["finance"])
Reader = Annotated[AuthenticatedPrincipal, Depends(require("finance:read"))]
Writer = Annotated[AuthenticatedPrincipal, Depends(require("finance:write"))]
Amount = Annotated[int, Field(ge=1, le=10**12)]
Key = Annotated[LongText, Field(min_length=1, max_length=200)]
TARGET_PREFIXES = {
    "booking": "book",
    "invoice": "inv",
    "schedule_line": "bpsl",
    "guarantee": "bgua",
}
Currency = Annotated[str, Field(pattern=r"^[A-Z]{3}$")]


class LineIn(BaseModel):
    kind: Literal["deposit", "installment", "balance", "hold"]
    amount_minor: Amount
    due_date: date


class ScheduleIn(BaseModel):
    """Explicit `lines`, or a `deposit_percent` split into deposit and balance."""

    lines: list[LineIn] | None = Field(default=None, max_length=60)
    deposit_percent: Annotated[int, Field(ge=0, le=100)] | None = None
    deposit_due: date | None = None
    balance_due: date | None = None

    @model_validator(mode="after")
    def _one_way(self) -> ScheduleIn:
        split = self.deposit_percent is not None
        if (self.lines is None) == (not split) or (
            split and (self.deposit_due is None or self.balance_due is None)
        ):
            raise ValueError("send lines, or deposit_percent with deposit_due and balance_due")
        return self


class LineOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: str
    position: int
    kind: str
    amount_minor: int
    currency: str
    due_date: date
    status: str
    paid_at: datetime | None
    payment_id: str | None


class ScheduleOut(BaseModel):
    id: str
    booking_id: str
    currency: str
    lines: list[LineOut]


class PlanEntryOut(BaseModel):
    line_id: str
    kind: str
    amount_minor: int
    due_date: date
    status: str
    state: str


class PlanOut(BaseModel):
    booking_id: str
    currency: str
    as_of: date
    entries: list[PlanEntryOut]
    scheduled_minor: int
    paid_minor: int
    outstanding_minor: int
    due_now_minor: int
    unscheduled_minor: int
    next_due_date: date | None


class SessionIn(BaseModel):
    """`target_kind` "reference": `target_id` is the caller's own reference (an order id,
    a program code), with `amount_minor` and `currency`, optionally for `booking_id`."""

    method: Literal["card", "bank_transfer"]
    target_kind: Literal["booking", "invoice", "schedule_line", "guarantee", "reference"]
    target_id: Ref
    idempotency_key: Key
    amount_minor: Amount | None = None
    currency: Currency | None = None
    booking_id: Ref | None = None


class SessionOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: str
    method: str
    target_kind: str
    target_id: str
    booking_id: str | None
    invoice_id: str | None
    guarantee_id: str | None
    schedule_line_ids: list[str]
    amount_minor: int
    currency: str
    status: str
    provider: str
    provider_ref: str | None
    reference: str
    next_action: dict[str, Any]
    payment_id: str | None
    failure_reason: str | None
    completed_at: datetime | None


def _booking(booking_id: str) -> str:
    return parse_id(booking_id, "book", field="booking_id")


async def _schedule_out(session: SessionDep, booking_id: str) -> ScheduleOut:
    schedule, lines = await schedules.schedule_of(session, booking_id)
    return ScheduleOut(
        id=schedule.id,
        booking_id=schedule.booking_id,
        currency=schedule.currency,
        lines=[LineOut.model_validate(x) for x in lines],
    )


@router.post(
    "/bookings/{booking_id}/payment-schedule",
    response_model=ScheduleOut,
    status_code=201,
    summary="Create a booking's payment schedule",
)
async def create_schedule(
    booking_id: str, body: ScheduleIn, session: SessionDep, _: Writer
) -> ScheduleOut:
    """409 `schedule_exists`; 400 `schedule_exceeds_total`, `duplicate_line_kind`."""
    bid = _booking(booking_id)
    if body.lines is not None:
        drafts = [rules.LineDraft(x.kind, x.amount_minor, x.due_date) for x in body.lines]
    else:
        booking = await schedules.booking_or_404(session, bid)
        assert body.deposit_percent is not None and body.deposit_due and body.balance_due
        drafts = rules.deposit_and_balance(
            booking.sell_total_minor,
            deposit_percent=body.deposit_percent,
            deposit_due=body.deposit_due,
            balance_due=body.balance_due,
        )
    await schedules.create_schedule(session, booking_id=bid, drafts=drafts)
    return await _schedule_out(session, bid)


@router.get(
    "/bookings/{booking_id}/payment-schedule",
    response_model=ScheduleOut,
    summary="A booking's payment schedule",
)
async def get_schedule(booking_id: str, session: SessionDep, _: Reader) -> ScheduleOut:
    """404 `schedule_not_found`."""
    return await _schedule_out(session, _booking(booking_id))


class LinePatch(Patch):
    not_null: ClassVar[frozenset[str]] = frozenset({"amount_minor", "due_date"})
    amount_minor: Amount | None = None
    due_date: date | None = None


def _line(line_id: str) -> str:
    return parse_id(line_id, "bpsl", field="line_id")


@router.patch(
    "/payment-schedule-lines/{line_id}",
    response_model=LineOut,
    summary="Change a due schedule line's amount or due date",
)
async def edit_line(line_id: str, body: LinePatch, session: SessionDep, _: Writer) -> LineOut:
    """409 `line_not_due`, `line_has_pending_session`; 400 `schedule_exceeds_total`."""
    changes = body.changes()
    line = await schedules.edit_line(
        session,
        _line(line_id),
        amount_minor=changes.get("amount_minor"),
        due_date=changes.get("due_date"),
    )
    return LineOut.model_validate(line)


@router.post(
    "/payment-schedule-lines/{line_id}/cancel",
    response_model=LineOut,
    summary="Stop collecting a due schedule line",
)
async def cancel_line(line_id: str, session: SessionDep, _: Writer) -> LineOut:
    """409 `line_not_due` (already paid or cancelled), `line_has_pending_session`."""
    return LineOut.model_validate(await schedules.cancel_line(session, _line(line_id)))


@router.get(
    "/bookings/{booking_id}/collection-plan",
    response_model=PlanOut,
    summary="Preview what will be collected and when",
)
async def collection_plan(
    booking_id: str, session: SessionDep, _: Reader, as_of: date | None = None
) -> PlanOut:
    """Lines in due order with their state (paid, overdue, due_now, upcoming) and totals."""
    bid = _booking(booking_id)
    plan = await schedules.plan_for(
        session, booking_id=bid, as_of=as_of or datetime.now(UTC).date()
    )
    schedule, _lines = await schedules.schedule_of(session, bid)
    return PlanOut(
        booking_id=bid,
        currency=schedule.currency,
        as_of=plan.as_of,
        entries=[PlanEntryOut.model_validate(x, from_attributes=True) for x in plan.entries],
        scheduled_minor=plan.scheduled_minor,
        paid_minor=plan.paid_minor,
        outstanding_minor=plan.outstanding_minor,
        due_now_minor=plan.due_now_minor,
        unscheduled_minor=plan.unscheduled_minor,
        next_due_date=plan.next_due_date,
    )


@router.post(
    "/payment-sessions",
    response_model=SessionOut,
    status_code=201,
    summary="Start a payment session",
)
async def start_session(
    body: SessionIn, response: Response, session: SessionDep, runtime: RuntimeDep, _: Writer
) -> SessionOut:
    """Card: `next_action` is the processor's pay URL. Bank transfer: the instructions.

    200 for a retry of the same key; 409 `idempotency_key_reused` for another request with
    it, `nothing_due`, `line_not_due`, `guarantee_not_securable`; 503
    `payment_provider_unavailable` when the processor cannot be reached. A guarantee
    session authorises (pre-auth), saves the card (card on file) or charges (deposit).
    A target already paid or secured is a 409; of sessions pending for one target, the
    first to succeed applies and a later success is refunded (`payment_session.refunded`).
    """
    if body.target_kind == "reference":
        target_id = body.target_id
    else:
        target_id = parse_id(body.target_id, TARGET_PREFIXES[body.target_kind], field="target_id")
    spec = sessions.SessionSpec(
        method=body.method,
        target_kind=body.target_kind,
        target_id=target_id,
        idempotency_key=body.idempotency_key,
        amount_minor=body.amount_minor,
        currency=body.currency,
        booking_id=_booking(body.booking_id) if body.booking_id else None,
    )
    row, created = await sessions.start_session(session, spec, starters=starters(runtime.settings))
    if not created:
        response.status_code = 200
    return SessionOut.model_validate(row)


@router.get(
    "/payment-sessions/{session_id}", response_model=SessionOut, summary="One payment session"
)
async def get_session(session_id: str, session: SessionDep, _: Reader) -> SessionOut:
    """404 `payment_session_not_found`."""
    row = await session.get(PaymentSession, parse_id(session_id, "pses", field="session_id"))
    if row is None:
        raise NotFound("payment_session_not_found", f"no payment session {session_id}")
    return SessionOut.model_validate(row)


class WebhookOut(BaseModel):
    outcome: str


@router.post(
    "/payment-webhooks/sim",
    response_model=WebhookOut,
    summary="Card processor webhook (signed; no API key)",
)
async def processor_webhook(
    request: Request, session: SessionDep, runtime: RuntimeDep
) -> WebhookOut:
    """Authenticated by HMAC-SHA256 signature: 400 `invalid_signature` otherwise.

    Applied once per processor event id (a replay answers `duplicate`).
    """
    body = await request.body()
    secret = runtime.settings.payment_webhook_secret
    if not signing.verify(body, request.headers.get(signing.HEADER), secret):
        raise BadRequest("invalid_signature", "the webhook signature does not verify")
    try:
        event = json.loads(body)
    except ValueError as exc:
        raise BadRequest("invalid_event", "the webhook body is not JSON") from exc
    if not isinstance(event, dict):
        raise BadRequest("invalid_event", "the webhook body is a JSON object")
    return WebhookOut(
        outcome=await sessions.apply_processor_event(session, processor=SIM, event=event)
    )
