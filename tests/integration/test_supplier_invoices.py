"""Supplier invoices: allocation, tax (incl. reverse charge), FX base amounts, idempotency."""

from __future__ import annotations

import asyncio
from datetime import date, time
from decimal import Decimal

import pytest
from sqlalchemy import func, select, text

from domain.db import unit_of_work
from domain.errors import BadRequest, Conflict, NotFound
from domain.finance import fx_rates, supplier_invoices
from domain.finance.supplier_invoice_models import SupplierInvoice
from domain.outbox.models import OutboxEvent
from tests.support.catalog import product_with_option, slot
from tests.support.profitability import cost_line, rate, regime, supplier, supplier_invoice


async def test_a_usd_invoice_stores_eur_base_amounts_through_fx(session_factory):
    product, option = await product_with_option(session_factory)
    s = await slot(session_factory, option)
    vat = await regime(session_factory, rate_bps=1900)
    await rate(session_factory, "EUR", "USD", "1.0870", on=date(2026, 5, 29))
    invoice = await supplier_invoice(
        session_factory,
        cost_line(12_345, slot_id=s.id),
        cost_line(10_001, product_id=product.id, description="Guide"),
        currency="USD",
        tax_regime_id=vat.id,
        tax_mode="exclusive",
    )
    # Only EUR->USD is in the table: USD->EUR is its inverse, 1 / 1.087 = 0.9199632015.
    assert (invoice.fx_rate, invoice.fx_rate_date) == (Decimal("0.9199632015"), date(2026, 5, 29))
    # 123.45 USD -> 113.5694572... EUR -> 113.57; 100.01 USD -> 92.0055... -> 92.01
    async with session_factory() as session:
        lines = await supplier_invoices.supplier_lines(session, invoice.id)
    assert [(x.net_minor, x.tax_minor, x.base_net_minor) for x in lines] == [
        (12_345, 2_346, 11_357),  # 19% of 123.45 = 23.4555 -> 23.46
        (10_001, 1_900, 9_201),  # 19% of 100.01 = 19.0019 -> 19.00
    ]
    assert (invoice.net_minor, invoice.tax_minor, invoice.total_minor) == (22_346, 4_246, 26_592)
    assert (invoice.base_currency, invoice.base_net_minor) == ("EUR", 20_558)


async def test_reverse_charge_bills_no_tax_and_records_the_self_assessed_tax(session_factory):
    _, option = await product_with_option(session_factory)
    s = await slot(session_factory, option)
    rc = await regime(session_factory, kind="reverse_charge", rate_bps=1900)
    invoice = await supplier_invoice(
        session_factory, cost_line(50_000, slot_id=s.id), tax_regime_id=rc.id
    )
    assert (invoice.net_minor, invoice.tax_minor, invoice.total_minor) == (50_000, 0, 50_000)
    assert invoice.self_assessed_tax_minor == 9_500
    assert (invoice.fx_rate, invoice.fx_source, invoice.base_net_minor) == (
        Decimal(1),
        "identity",
        50_000,
    )


async def test_lines_must_be_allocated_to_exactly_one_existing_target(session_factory):
    _, option = await product_with_option(session_factory)
    s = await slot(session_factory, option)
    with pytest.raises(BadRequest) as two:
        await supplier_invoice(session_factory, cost_line(100, slot_id=s.id, product_id="x"))
    assert two.value.code == "invalid_allocation"
    with pytest.raises(NotFound) as missing:
        await supplier_invoice(session_factory, cost_line(100, booking_id="book_missing"))
    assert missing.value.code == "booking_not_found"


async def test_no_rate_for_the_currency_is_a_conflict_and_nothing_is_stored(session_factory):
    _, option = await product_with_option(session_factory)
    s = await slot(session_factory, option)
    with pytest.raises(Conflict) as err:
        await supplier_invoice(session_factory, cost_line(100, slot_id=s.id), currency="CHF")
    assert err.value.code == "fx_rate_unavailable"
    async with session_factory() as session:
        assert await session.scalar(select(func.count()).select_from(SupplierInvoice)) == 0


async def test_concurrent_recordings_of_one_supplier_document_store_it_once(session_factory):
    _, option = await product_with_option(session_factory)
    s = await slot(session_factory, option)
    spec = supplier_invoices.SupplierInvoiceSpec(
        supplier_id=await supplier(session_factory, type="accommodation"),
        supplier_reference="H-2026-0042",
        currency="EUR",
        issue_date=date(2026, 6, 1),
        lines=[cost_line(7_500, slot_id=s.id)],
    )

    async def record() -> supplier_invoices.Recorded:
        async with unit_of_work(session_factory) as session:
            return await supplier_invoices.record_supplier_invoice(
                session, spec, base_currency="EUR", resolver=fx_rates.TableRateResolver()
            )

    results = await asyncio.gather(*(record() for _ in range(5)))
    assert sum(r.created for r in results) == 1
    assert len({r.invoice.id for r in results}) == 1
    changed = supplier_invoices.SupplierInvoiceSpec(
        **{**spec.__dict__, "lines": [cost_line(1, slot_id=s.id)]}
    )
    with pytest.raises(Conflict) as err:
        async with unit_of_work(session_factory) as session:
            await supplier_invoices.record_supplier_invoice(
                session, changed, base_currency="EUR", resolver=fx_rates.TableRateResolver()
            )
    assert err.value.code == "supplier_invoice_exists"


async def test_an_unknown_supplier_is_not_found(session_factory):
    _, option = await product_with_option(session_factory)
    s = await slot(session_factory, option)
    with pytest.raises(NotFound) as err:
        await supplier_invoice(
            session_factory, cost_line(100, slot_id=s.id), supplier_id="supp_nobody"
        )
    assert err.value.code == "supplier_not_found"


async def test_a_replay_with_other_allocations_but_equal_totals_is_a_conflict(session_factory):
    _, option = await product_with_option(session_factory)
    s1 = await slot(session_factory, option)
    s2 = await slot(session_factory, option, local_time=time(14, 0))
    first = await supplier_invoice(session_factory, cost_line(5_000, slot_id=s1.id))
    with pytest.raises(Conflict) as err:
        await supplier_invoice(
            session_factory,
            cost_line(5_000, slot_id=s2.id),
            supplier_id=first.supplier_id,
            supplier_reference=first.supplier_reference,
        )
    assert err.value.code == "supplier_invoice_exists"
    same = await supplier_invoice(
        session_factory,
        cost_line(5_000, slot_id=s1.id),
        supplier_id=first.supplier_id,
        supplier_reference=first.supplier_reference,
    )
    assert same.id == first.id


async def test_a_voided_document_can_be_recorded_again_as_a_new_invoice(session_factory):
    _, option = await product_with_option(session_factory)
    s = await slot(session_factory, option)
    first = await supplier_invoice(session_factory, cost_line(5_000, slot_id=s.id))
    async with unit_of_work(session_factory) as session:
        voided = await supplier_invoices.void_supplier_invoice(
            session, first.id, by="user_ann", reason="wrong amount"
        )
    assert (voided.status, voided.voided_by, voided.void_reason) == (
        "void",
        "user_ann",
        "wrong amount",
    )
    assert voided.voided_at is not None
    again = await supplier_invoice(
        session_factory,
        cost_line(5_000, slot_id=s.id),
        supplier_id=first.supplier_id,
        supplier_reference=first.supplier_reference,
    )
    assert again.id != first.id and again.status == "received"
    async with unit_of_work(session_factory) as session:
        twice = await supplier_invoices.void_supplier_invoice(session, first.id, by="user_bob")
    assert twice.voided_by == "user_ann"
    async with session_factory() as session:
        events = (
            await session.execute(
                select(OutboxEvent.aggregate_id, OutboxEvent.event_type, OutboxEvent.payload)
                .where(OutboxEvent.aggregate_type == "supplier_invoice")
                .where(OutboxEvent.aggregate_id.in_([first.id, again.id]))
                .order_by(OutboxEvent.seq)
            )
        ).all()
    assert [(a, t) for a, t, _ in events] == [
        (first.id, "supplier_invoice.recorded"),
        (first.id, "supplier_invoice.voided"),
        (again.id, "supplier_invoice.recorded"),
    ]
    assert events[1][2]["voided_by"] == "user_ann" and events[1][2]["reason"] == "wrong amount"
    assert events[0][2]["net_minor"] == 5_000


class _LockProbe:
    """A table resolver that notes whether the document's advisory lock was held."""

    def __init__(self, factory, key: str) -> None:
        self.factory, self.key = factory, key
        self.held: list[bool] = []

    async def resolve(self, session, *, from_currency, to_currency, on):
        async with self.factory() as other:
            free = await other.scalar(
                text("SELECT pg_try_advisory_xact_lock(hashtextextended(:k, 0))"),
                {"k": self.key},
            )
            await other.rollback()
        self.held.append(not free)
        return await fx_rates.TableRateResolver().resolve(
            session, from_currency=from_currency, to_currency=to_currency, on=on
        )


async def test_the_rate_is_resolved_before_the_document_lock_is_taken(session_factory):
    _, option = await product_with_option(session_factory)
    s = await slot(session_factory, option)
    await rate(session_factory, "USD", "EUR", "0.9")
    supplier_id = await supplier(session_factory)
    probe = _LockProbe(session_factory, f"supplier_invoice:{supplier_id}:LOCK-1")
    async with unit_of_work(session_factory) as session:
        recorded = await supplier_invoices.record_supplier_invoice(
            session,
            supplier_invoices.SupplierInvoiceSpec(
                supplier_id=supplier_id,
                supplier_reference="LOCK-1",
                currency="USD",
                issue_date=date(2026, 6, 1),
                lines=[cost_line(1_000, slot_id=s.id)],
            ),
            base_currency="EUR",
            resolver=probe,
        )
    assert recorded.created and recorded.invoice.base_net_minor == 900
    assert probe.held == [False]
