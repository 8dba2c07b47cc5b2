"""Payments: inbound against invoices, outbound to suppliers, refunds and voids."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Query, Response
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import select

from api.deps import SessionDep, require
from api.fields import LongText, Ref
from domain.auth.service import AuthenticatedPrincipal
from domain.errors import NotFound
from domain.finance import payments as service
from domain.finance.payment_models import Payment, Refund
from domain.ids import parse_id

router = APIRouter(prefix="/v1/finance", tags=["finance"])
Reader = Annotated[AuthenticatedPrincipal, Depends(require("finance:read"))]
Writer = Annotated[AuthenticatedPrincipal, Depends(require("finance:write"))]
Method = Literal["bank_transfer", "card", "cash", "voucher", "direct_bill"]
Amount = Annotated[int, Field(ge=1, le=10**12)]
Currency = Annotated[str, Field(pattern=r"^[A-Z]{3}$", examples=["EUR"])]
Key = Annotated[
    LongText,
    Field(min_length=1, max_length=200, description="retrying with the same key is a no-op"),
]
Reason = Annotated[LongText, Field(min_length=3)]


class _PaymentBase(BaseModel):
    amount_minor: Amount
    currency: Currency
    method: Method
    idempotency_key: Key
    reference: Annotated[LongText, Field(max_length=200)] | None = None
    note: LongText | None = None
    received_at: datetime | None = None


class PaymentIn(_PaymentBase):
    """Money received against an invoice, in the invoice's currency."""

    invoice_id: Ref
    schedule_line_id: Ref | None = None


class SupplierPaymentIn(_PaymentBase):
    """Money paid out to a supplier, optionally for a booking."""

    supplier_id: Ref
    booking_id: Ref | None = None


class RefundIn(BaseModel):
    """Give back part or all of a payment."""

    amount_minor: Amount
    reason: Reason
    idempotency_key: Key


class VoidIn(BaseModel):
    """Why the payment is voided."""

    reason: Reason


class RefundOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: str
    payment_id: str
    invoice_id: str | None
    amount_minor: int
    currency: str
    reason: str
    refunded_at: datetime


class PaymentOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: str
    direction: str
    method: str
    status: str
    idempotency_key: str
    invoice_id: str | None
    booking_id: str | None
    supplier_id: str | None
    schedule_line_id: str | None
    amount_minor: int
    currency: str
    refunded_minor: int
    reference: str | None
    note: str | None
    received_at: datetime
    voided_at: datetime | None
    void_reason: str | None
    refunds: list[RefundOut] = []


def _id(payment_id: str) -> str:
    return parse_id(payment_id, Payment.id_prefix, field="payment_id")


async def _out(session: SessionDep, payment: Payment) -> PaymentOut:
    out = PaymentOut.model_validate(payment)
    refunds = await session.scalars(
        select(Refund).where(Refund.payment_id == payment.id).order_by(Refund.id)
    )
    out.refunds = [RefundOut.model_validate(x) for x in refunds.all()]
    return out


@router.post("/payments", response_model=PaymentOut, status_code=201, summary="Record a payment")
async def record_payment(
    body: PaymentIn, response: Response, session: SessionDep, _: Writer
) -> PaymentOut:
    """201 recorded; 200 for a retry of the same key. 409 `currency_mismatch`, `overpayment`."""
    spec = service.PaymentSpec(
        **body.model_dump(exclude={"invoice_id"}),
        invoice_id=parse_id(body.invoice_id, "inv", field="invoice_id"),
    )
    recorded = await service.record_payment(session, spec)
    if not recorded.created:
        response.status_code = 200
    return await _out(session, recorded.payment)


@router.post(
    "/supplier-payments",
    response_model=PaymentOut,
    status_code=201,
    summary="Record a supplier payment",
)
async def record_supplier_payment(
    body: SupplierPaymentIn, response: Response, session: SessionDep, _: Writer
) -> PaymentOut:
    """An outbound payment; 200 for a retry of the same key."""
    booking_id = parse_id(body.booking_id, "book", field="booking_id") if body.booking_id else None
    spec = service.PaymentSpec(**body.model_dump(exclude={"booking_id"}), booking_id=booking_id)
    recorded = await service.record_supplier_payment(session, spec)
    if not recorded.created:
        response.status_code = 200
    return await _out(session, recorded.payment)


@router.get("/payments", response_model=list[PaymentOut], summary="List payments")
async def list_payments(
    session: SessionDep,
    _: Reader,
    invoice_id: str | None = None,
    supplier_id: str | None = None,
    direction: Literal["inbound", "outbound"] | None = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
) -> list[PaymentOut]:
    """Newest first, without refunds."""
    stmt = select(Payment).order_by(Payment.id.desc()).limit(limit)
    if invoice_id:
        stmt = stmt.where(Payment.invoice_id == parse_id(invoice_id, "inv", field="invoice_id"))
    if supplier_id:
        stmt = stmt.where(Payment.supplier_id == supplier_id)
    if direction:
        stmt = stmt.where(Payment.direction == direction)
    return [PaymentOut.model_validate(x) for x in (await session.scalars(stmt)).all()]


@router.get("/payments/{payment_id}", response_model=PaymentOut, summary="One payment")
async def get_payment(payment_id: str, session: SessionDep, _: Reader) -> PaymentOut:
    """404 `payment_not_found`."""
    payment = await session.get(Payment, _id(payment_id))
    if payment is None:
        raise NotFound("payment_not_found", f"no payment {payment_id}")
    return await _out(session, payment)


@router.post(
    "/payments/{payment_id}/refunds",
    response_model=PaymentOut,
    status_code=201,
    summary="Refund a payment",
)
async def refund_payment(
    payment_id: str, body: RefundIn, response: Response, session: SessionDep, _: Writer
) -> PaymentOut:
    """409 `refund_exceeds_payment`; 200 for a retry of the same key."""
    refunded = await service.refund_payment(
        session,
        payment_id=_id(payment_id),
        amount_minor=body.amount_minor,
        reason=body.reason,
        idempotency_key=body.idempotency_key,
    )
    if not refunded.created:
        response.status_code = 200
    payment = await session.get_one(Payment, refunded.refund.payment_id)
    return await _out(session, payment)


@router.post("/payments/{payment_id}/void", response_model=PaymentOut, summary="Void a payment")
async def void_payment(payment_id: str, body: VoidIn, session: SessionDep, _: Writer) -> PaymentOut:
    """A payment recorded in error; 409 once refunded or already void."""
    payment = await service.void_payment(session, payment_id=_id(payment_id), reason=body.reason)
    return await _out(session, payment)
