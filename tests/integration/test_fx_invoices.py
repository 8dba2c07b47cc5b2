"""The rate table resolver and FX provenance on invoice issue."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from domain.db import unit_of_work
from domain.errors import Conflict
from domain.finance import invoices
from domain.finance.fx_rates import TableRateResolver
from domain.finance.invoice_fx import InvoiceFxSettings
from domain.finance.invoice_models import Invoice
from tests.support.finance import draft, events, reload
from tests.support.profitability import rate

RON = InvoiceFxSettings(
    base_currency="RON", commission_bps=200, mention="2% comision curs risc valutar"
)


async def test_the_newest_rate_on_or_before_the_date_wins_and_inverse_pairs_work(
    session_factory,
):
    await rate(session_factory, "EUR", "RON", "4.9700", on=date(2026, 5, 1))
    await rate(session_factory, "EUR", "RON", "4.9750", on=date(2026, 6, 1))
    await rate(session_factory, "EUR", "RON", "5.1000", on=date(2026, 7, 1))
    resolver = TableRateResolver()
    async with session_factory() as session:
        june = await resolver.resolve(
            session, from_currency="EUR", to_currency="RON", on=date(2026, 6, 20)
        )
        back = await resolver.resolve(
            session, from_currency="RON", to_currency="EUR", on=date(2026, 6, 20)
        )
        before = await resolver.resolve(
            session, from_currency="EUR", to_currency="RON", on=date(2026, 4, 30)
        )
    assert june is not None and (june.rate, june.rate_date) == (Decimal("4.975"), date(2026, 6, 1))
    assert back is not None and back.rate == Decimal("0.2010050251")
    assert before is None


async def test_a_corrected_rate_replaces_the_days_rate(session_factory):
    first = await rate(session_factory, "USD", "EUR", "0.9100")
    again = await rate(session_factory, "USD", "EUR", "0.9200")
    assert first.id == again.id and again.rate == Decimal("0.92")


async def test_issue_stores_fx_provenance_and_carries_it_in_invoice_issued(session_factory):
    await rate(session_factory, "EUR", "RON", "4.9750")
    invoice = await draft(session_factory)
    async with unit_of_work(session_factory) as session:
        await invoices.issue_invoice(
            session,
            invoice_id=invoice.id,
            spec=invoices.IssueSpec(invoice_number="T-FX-1", issue_date=date(2026, 6, 10), fx=RON),
        )
    issued = await reload(session_factory, Invoice, invoice.id)
    assert issued.fx_base_currency == "RON"
    assert issued.fx_rate == Decimal("4.975")
    assert issued.fx_effective_rate == Decimal("5.0745")
    assert issued.fx_base_total_minor == 50_745  # 100.00 EUR x 5.0745
    assert issued.fx_mention == "2% comision curs risc valutar"
    payload = (await events(session_factory, invoice.id))[-1].payload
    assert payload["base_currency"] == "RON"
    assert payload["fx_rate"] == "4.9750000000"
    assert payload["fx_commission_bps"] == 200
    assert payload["fx_effective_rate"] == "5.0745000000"
    assert payload["base_total_minor"] == 50_745


async def test_no_rate_fails_the_issue_and_leaves_a_draft(session_factory):
    invoice = await draft(session_factory, currency="USD")
    with pytest.raises(Conflict) as err:
        async with unit_of_work(session_factory) as session:
            await invoices.issue_invoice(
                session,
                invoice_id=invoice.id,
                spec=invoices.IssueSpec(invoice_number="T-FX-2", fx=RON),
            )
    assert err.value.code == "fx_rate_unavailable"
    after = await reload(session_factory, Invoice, invoice.id)
    assert (after.status, after.number, after.fx_rate) == ("draft", None, None)


async def test_an_invoice_in_the_base_currency_gets_no_fx(session_factory):
    invoice = await draft(session_factory, currency="RON")
    async with unit_of_work(session_factory) as session:
        await invoices.issue_invoice(
            session, invoice_id=invoice.id, spec=invoices.IssueSpec(invoice_number="T-FX-3", fx=RON)
        )
    issued = await reload(session_factory, Invoice, invoice.id)
    assert (issued.status, issued.fx_base_currency) == ("issued", None)


class _RowLockProbe(TableRateResolver):
    """A table resolver that notes whether the invoice row was locked when it was asked."""

    def __init__(self, factory, invoice_id: str) -> None:
        super().__init__()
        self.factory, self.invoice_id = factory, invoice_id
        self.locked: list[bool] = []

    async def resolve(self, session, *, from_currency, to_currency, on):
        async with self.factory() as other:
            try:
                await other.execute(
                    text("SELECT id FROM invoices WHERE id = :id FOR UPDATE NOWAIT"),
                    {"id": self.invoice_id},
                )
                self.locked.append(False)
            except DBAPIError:
                self.locked.append(True)
            await other.rollback()
        return await super().resolve(
            session, from_currency=from_currency, to_currency=to_currency, on=on
        )


async def test_the_rate_is_resolved_before_the_invoice_row_is_locked(session_factory):
    await rate(session_factory, "EUR", "RON", "4.9750")
    invoice = await draft(session_factory)
    probe = _RowLockProbe(session_factory, invoice.id)
    settings = InvoiceFxSettings(base_currency="RON", resolver=probe)
    async with unit_of_work(session_factory) as session:
        await invoices.issue_invoice(
            session,
            invoice_id=invoice.id,
            spec=invoices.IssueSpec(invoice_number="T-FX-L", fx=settings),
        )
    assert probe.locked == [False]
    issued = await reload(session_factory, Invoice, invoice.id)
    assert issued.fx_base_total_minor == 49_750
