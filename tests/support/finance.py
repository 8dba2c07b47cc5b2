"""Finance factories: series, invoices (explicit lines or from a booking), payments."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from domain.db import unit_of_work
from domain.finance import invoices, payments, series
from domain.finance.invoice_models import Invoice
from domain.finance.payment_models import Payment
from domain.finance.series_models import NumberSeries, NumberSeriesCounter
from domain.outbox.models import OutboxEvent
from tests.support.bookings import book, spec_for
from tests.support.catalog import product_with_option, slot

JUNE_1 = date(2026, 6, 1)


def key(prefix: str = "k") -> str:
    return f"{prefix}-{uuid.uuid4().hex}"


async def number_series(
    factory: async_sessionmaker[AsyncSession], **overrides: Any
) -> NumberSeries:
    fields: dict[str, Any] = {
        "name": f"Series {uuid.uuid4().hex[:6]}",
        "scope": "invoice",
        "format": "INV-{YYYY}-{seq:06}",
        "reset_rule": "never",
        "is_default": False,
    }
    fields.update(overrides)
    async with unit_of_work(factory) as session:
        return await series.create_series(session, **fields)


def lines(*amounts: int) -> list[invoices.LineSpec]:
    return [
        invoices.LineSpec(description=f"Line {n}", unit_amount_minor=a)
        for n, a in enumerate(amounts or (10_000,), start=1)
    ]


async def draft(factory: async_sessionmaker[AsyncSession], **overrides: Any) -> Invoice:
    fields: dict[str, Any] = {"currency": "EUR", "lines": lines()}
    fields.update(overrides)
    async with unit_of_work(factory) as session:
        return await invoices.create_invoice(session, invoices.InvoiceSpec(**fields))


async def issue(
    factory: async_sessionmaker[AsyncSession], invoice_id: str, **overrides: Any
) -> Invoice:
    async with unit_of_work(factory) as session:
        return await invoices.issue_invoice(
            session, invoice_id=invoice_id, spec=invoices.IssueSpec(**overrides)
        )


async def issued(
    factory: async_sessionmaker[AsyncSession],
    *,
    issue_date: date = JUNE_1,
    invoice_number: str | None = None,
    series_id: str | None = None,
    **overrides: Any,
) -> Invoice:
    """An issued invoice; numbered `invoice_number` or from a series (made if none exists)."""
    invoice = await draft(factory, **overrides)
    if invoice_number is None and series_id is None:
        invoice_number = f"T-{uuid.uuid4().hex[:10]}"
    return await issue(
        factory,
        invoice.id,
        invoice_number=invoice_number,
        series_id=series_id,
        issue_date=issue_date,
    )


async def pay(
    factory: async_sessionmaker[AsyncSession], invoice: Invoice, amount: int, **overrides: Any
) -> Payment:
    fields: dict[str, Any] = {
        "invoice_id": invoice.id,
        "amount_minor": amount,
        "currency": invoice.currency,
        "method": "bank_transfer",
        "idempotency_key": key("pay"),
    }
    fields.update(overrides)
    async with unit_of_work(factory) as session:
        return (await payments.record_payment(session, payments.PaymentSpec(**fields))).payment


async def confirmed_booking(factory: async_sessionmaker[AsyncSession], *, pax: int = 2, **kw: Any):
    _, option = await product_with_option(factory)
    s = await slot(factory, option, capacity=20)
    return await book(factory, spec_for(s, pax=pax, status="confirmed", **kw))


async def reload(factory: async_sessionmaker[AsyncSession], model: Any, row_id: str) -> Any:
    async with factory() as session:
        return await session.get_one(model, row_id)


async def counter(factory: async_sessionmaker[AsyncSession], series_id: str) -> dict[str, int]:
    async with factory() as session:
        rows = await session.execute(
            select(NumberSeriesCounter.period, NumberSeriesCounter.current_sequence).where(
                NumberSeriesCounter.series_id == series_id
            )
        )
        return {period: seq for period, seq in rows.all()}


async def events(factory: async_sessionmaker[AsyncSession], aggregate_id: str) -> list[OutboxEvent]:
    async with factory() as session:
        rows = await session.scalars(
            select(OutboxEvent)
            .where(OutboxEvent.aggregate_id == aggregate_id)
            .order_by(OutboxEvent.seq)
        )
        return list(rows.all())
