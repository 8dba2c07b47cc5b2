"""Factories for tax regimes, FX rates and supplier invoices."""

from __future__ import annotations

import uuid
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from domain.db import unit_of_work
from domain.finance import fx_rates, supplier_invoices
from domain.finance.fx_models import FxRate
from domain.finance.supplier_invoice_models import SupplierInvoice
from domain.finance.tax_models import TaxRegime
from tests.support.distribution import make_supplier

JUNE_1 = date(2026, 6, 1)


async def regime(factory: async_sessionmaker[AsyncSession], **overrides: Any) -> TaxRegime:
    fields: dict[str, Any] = {
        "code": f"VAT-{uuid.uuid4().hex[:6]}",
        "name": "Standard VAT",
        "kind": "standard",
        "rate_bps": 1900,
        "active": True,
    }
    fields.update(overrides)
    async with unit_of_work(factory) as session:
        row = TaxRegime(**fields)
        session.add(row)
    return row


async def rate(
    factory: async_sessionmaker[AsyncSession],
    from_currency: str,
    to_currency: str,
    value: str,
    on: date = JUNE_1,
    **kw: Any,
) -> FxRate:
    async with unit_of_work(factory) as session:
        return await fx_rates.record_rate(
            session,
            from_currency=from_currency,
            to_currency=to_currency,
            rate=Decimal(value),
            rate_date=on,
            **kw,
        )


def cost_line(amount: int, **allocation: Any) -> supplier_invoices.SupplierLineSpec:
    return supplier_invoices.SupplierLineSpec(
        description=allocation.pop("description", "Coach hire"), amount_minor=amount, **allocation
    )


async def supplier(factory: async_sessionmaker[AsyncSession], **overrides: Any) -> str:
    """A distribution supplier's id (supplier invoices must name a real one)."""
    async with unit_of_work(factory) as session:
        return (await make_supplier(session, **overrides)).id


async def supplier_invoice(
    factory: async_sessionmaker[AsyncSession],
    *lines: supplier_invoices.SupplierLineSpec,
    base_currency: str = "EUR",
    **overrides: Any,
) -> SupplierInvoice:
    if "supplier_id" not in overrides:
        overrides["supplier_id"] = await supplier(factory)
    fields: dict[str, Any] = {
        "supplier_reference": f"SUP-{uuid.uuid4().hex[:8]}",
        "currency": "EUR",
        "issue_date": JUNE_1,
        "lines": list(lines),
    }
    fields.update(overrides)
    async with unit_of_work(factory) as session:
        recorded = await supplier_invoices.record_supplier_invoice(
            session,
            supplier_invoices.SupplierInvoiceSpec(**fields),
            base_currency=base_currency,
            resolver=fx_rates.TableRateResolver(),
        )
    return recorded.invoice
