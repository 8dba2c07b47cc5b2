"""Guarantees, received bank transfers and the reminders sent for a booking."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query, Response
from pydantic import BaseModel, ConfigDict, Field, model_validator

from api.deps import SessionDep, require
from api.fields import LongText, Name, Ref
from domain.auth.service import AuthenticatedPrincipal
from domain.errors import NotFound
from domain.finance import guarantees, reminders, transfers
from domain.finance.guarantee_models import Guarantee
from domain.ids import parse_id

router = APIRouter(prefix="/v1/finance", tags=["finance"])
Reader = Annotated[AuthenticatedPrincipal, Depends(require("finance:read"))]
Writer = Annotated[AuthenticatedPrincipal, Depends(require("finance:write"))]
Amount = Annotated[int, Field(ge=1, le=10**12)]
Key = Annotated[LongText, Field(min_length=1, max_length=200)]
Reason = Annotated[LongText, Field(min_length=1, max_length=500)]


class GuaranteeIn(BaseModel):
    """Agency letters and vouchers need `reference` (the document number)."""

    kind: Literal["deposit", "pre_auth", "card_on_file", "agency_letter", "voucher"]
    amount_minor: Amount
    idempotency_key: Key
    reference: Name | None = None
    issuer: Name | None = None
    expires_at: datetime | None = None
    note: LongText | None = None


class GuaranteeOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: str
    booking_id: str
    kind: str
    status: str
    amount_minor: int
    claimed_minor: int
    currency: str
    reference: str | None
    issuer: str | None
    provider: str | None
    provider_ref: str | None
    payment_session_id: str | None
    payment_id: str | None
    expires_at: datetime | None
    secured_at: datetime | None
    closed_at: datetime | None
    note: str | None


class ReleaseIn(BaseModel):
    reason: Reason


class ClaimIn(BaseModel):
    """Claim `amount_minor` (default: the whole guarantee)."""

    reason: Reason
    amount_minor: Amount | None = None


class TransferIn(BaseModel):
    """A transfer from the bank statement: `transaction_id` is the bank's id for it."""

    transaction_id: Annotated[LongText, Field(min_length=1, max_length=200)]
    reference: Annotated[LongText, Field(min_length=1, max_length=200)]
    amount_minor: Amount
    currency: Annotated[str, Field(pattern=r"^[A-Z]{3}$")]
    payer: Name | None = None
    received_at: datetime | None = None


class MatchIn(BaseModel):
    """Exactly one of `payment_session_id` (a pending bank-transfer session) or
    `booking_id`."""

    payment_session_id: Ref | None = None
    booking_id: Ref | None = None

    @model_validator(mode="after")
    def _one_target(self) -> MatchIn:
        if (self.payment_session_id is None) == (self.booking_id is None):
            raise ValueError("send payment_session_id or booking_id")
        return self


class TransferOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: str
    transaction_id: str
    reference: str
    amount_minor: int
    currency: str
    payer: str | None
    received_at: datetime
    status: str
    payment_session_id: str | None
    payment_id: str | None
    details: dict[str, Any]


class ReminderOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: str
    booking_id: str
    line_id: str
    kind: str
    reminder_date: date
    channel: str
    sent_at: datetime


def _booking(booking_id: str) -> str:
    return parse_id(booking_id, "book", field="booking_id")


def _gid(guarantee_id: str) -> str:
    return parse_id(guarantee_id, Guarantee.id_prefix, field="guarantee_id")


@router.post(
    "/bookings/{booking_id}/guarantees",
    response_model=GuaranteeOut,
    status_code=201,
    summary="Add a guarantee to a booking",
)
async def create_guarantee(
    booking_id: str, body: GuaranteeIn, response: Response, session: SessionDep, _: Writer
) -> GuaranteeOut:
    """Deposits, pre-auths and cards on file start `pending`: secure them with a payment
    session targeting the guarantee. Agency letters and vouchers start `active`. A
    pending guarantee still unsecured at `expires_at` (UTC if no zone is given) becomes
    `expired` (hourly sweep); a session that succeeds after it is refunded.

    200 for a retry of the key; 400 `reference_required`, `expires_in_past`; 409
    `booking_not_guaranteeable`, `idempotency_key_reused`.
    """
    row, created = await guarantees.create_guarantee(
        session,
        guarantees.GuaranteeSpec(
            booking_id=_booking(booking_id),
            kind=body.kind,
            amount_minor=body.amount_minor,
            idempotency_key=body.idempotency_key,
            reference=body.reference,
            issuer=body.issuer,
            expires_at=body.expires_at,
            note=body.note,
        ),
    )
    if not created:
        response.status_code = 200
    return GuaranteeOut.model_validate(row)


@router.get(
    "/bookings/{booking_id}/guarantees",
    response_model=list[GuaranteeOut],
    summary="A booking's guarantees",
)
async def list_guarantees(booking_id: str, session: SessionDep, _: Reader) -> list[GuaranteeOut]:
    """404 `booking_not_found`."""
    rows = await guarantees.list_for_booking(session, _booking(booking_id))
    return [GuaranteeOut.model_validate(x) for x in rows]


@router.get("/guarantees/{guarantee_id}", response_model=GuaranteeOut, summary="One guarantee")
async def get_guarantee(guarantee_id: str, session: SessionDep, _: Reader) -> GuaranteeOut:
    """404 `guarantee_not_found`."""
    row = await session.get(Guarantee, _gid(guarantee_id))
    if row is None:
        raise NotFound("guarantee_not_found", f"no guarantee {guarantee_id}")
    return GuaranteeOut.model_validate(row)


@router.post(
    "/guarantees/{guarantee_id}/release",
    response_model=GuaranteeOut,
    summary="Release an active guarantee (a paid deposit is refunded)",
)
async def release_guarantee(
    guarantee_id: str, body: ReleaseIn, session: SessionDep, _: Writer
) -> GuaranteeOut:
    """409 `invalid_guarantee_transition`. Repeating a release is a no-op."""
    row = await guarantees.release(session, _gid(guarantee_id), reason=body.reason)
    return GuaranteeOut.model_validate(row)


@router.post(
    "/guarantees/{guarantee_id}/claim",
    response_model=GuaranteeOut,
    summary="Collect money from an active guarantee",
)
async def claim_guarantee(
    guarantee_id: str, body: ClaimIn, session: SessionDep, _: Writer
) -> GuaranteeOut:
    """409 `invalid_guarantee_transition`, `claim_exceeds_guarantee`. Repeats are no-ops."""
    row = await guarantees.claim(
        session, _gid(guarantee_id), amount_minor=body.amount_minor, reason=body.reason
    )
    return GuaranteeOut.model_validate(row)


@router.post(
    "/guarantees/{guarantee_id}/cancel",
    response_model=GuaranteeOut,
    summary="Drop a guarantee that was never secured",
)
async def cancel_guarantee(guarantee_id: str, session: SessionDep, _: Writer) -> GuaranteeOut:
    """409 `invalid_guarantee_transition` once it is active. Repeats are no-ops."""
    return GuaranteeOut.model_validate(await guarantees.cancel(session, _gid(guarantee_id)))


@router.post(
    "/bank-transfers",
    response_model=TransferOut,
    status_code=201,
    summary="Record a received bank transfer and match it to its payment session",
)
async def record_transfer(
    body: TransferIn, response: Response, session: SessionDep, _: Writer
) -> TransferOut:
    """`status`: `matched` (the session is paid), `amount_mismatch` or `unmatched` (kept
    for a person). 200 with the stored outcome for a replayed `transaction_id`; 409
    `idempotency_key_reused` if it comes back with another amount.
    """
    row, created = await transfers.record_transfer(
        session,
        transfers.TransferSpec(
            transaction_id=body.transaction_id,
            reference=body.reference,
            amount_minor=body.amount_minor,
            currency=body.currency,
            payer=body.payer,
            received_at=body.received_at,
        ),
    )
    if not created:
        response.status_code = 200
    return TransferOut.model_validate(row)


@router.get(
    "/bank-transfers",
    response_model=list[TransferOut],
    summary="Received bank transfers (e.g. the unmatched ones to match by hand)",
)
async def list_transfers(
    session: SessionDep,
    _: Reader,
    status: Literal["matched", "unmatched", "amount_mismatch"] | None = None,
    after: str | None = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> list[TransferOut]:
    """In arrival order; page with `after` (the last id seen)."""
    rows = await transfers.list_transfers(
        session,
        status=status,
        after_id=parse_id(after, "rbtr", field="after") if after else None,
        limit=limit,
    )
    return [TransferOut.model_validate(x) for x in rows]


@router.post(
    "/bank-transfers/{transfer_id}/match",
    response_model=TransferOut,
    summary="Match a received transfer the reference did not match, by hand",
)
async def match_transfer(
    transfer_id: str, body: MatchIn, session: SessionDep, _: Writer
) -> TransferOut:
    """To a pending bank-transfer session of the same amount (it completes), or to a
    booking (a bank-transfer payment; the lines it exactly covers are paid). Repeating
    the same match returns it. 404 `transfer_not_found`, `payment_session_not_found`,
    `booking_not_found`; 409 `transfer_already_matched`, `session_not_matchable`,
    `amount_mismatch`, `currency_mismatch`.
    """
    row, _created = await transfers.match_transfer(
        session,
        parse_id(transfer_id, "rbtr", field="transfer_id"),
        payment_session_id=(
            parse_id(body.payment_session_id, "pses", field="payment_session_id")
            if body.payment_session_id
            else None
        ),
        booking_id=_booking(body.booking_id) if body.booking_id else None,
    )
    return TransferOut.model_validate(row)


@router.get(
    "/bookings/{booking_id}/payment-reminders",
    response_model=list[ReminderOut],
    summary="Reminders sent for a booking's schedule lines",
)
async def list_reminders(booking_id: str, session: SessionDep, _: Reader) -> list[ReminderOut]:
    """Oldest first; empty when none were sent."""
    rows = await reminders.reminders_of(session, _booking(booking_id))
    return [ReminderOut.model_validate(x) for x in rows]


@router.get(
    "/payment-reminders",
    response_model=list[ReminderOut],
    summary="Reminders the sweeps sent, across bookings",
)
async def list_sent_reminders(
    session: SessionDep,
    _: Reader,
    sent_on: date | None = None,
    after: str | None = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> list[ReminderOut]:
    """In creation order; `sent_on` (a UTC day) narrows to one day's runs; page with
    `after` (the last id seen)."""
    rows = await reminders.reminders_sent(
        session,
        sent_on=sent_on,
        after_id=parse_id(after, "prem", field="after") if after else None,
        limit=limit,
    )
    return [ReminderOut.model_validate(x) for x in rows]
