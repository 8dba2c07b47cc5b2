"""Departure and product profitability: worked examples checked to the cent."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

from domain.db import unit_of_work
from domain.finance import credit_notes, fx_rates, invoices, profitability, supplier_invoices
from domain.finance.profit_rules import split_evenly
from tests.support.bookings import book, item_for, spec_for
from tests.support.catalog import product_with_option, slot
from tests.support.finance import draft, issue, lines
from tests.support.profitability import cost_line, rate, regime, supplier_invoice


async def _departure_with_two_bookings(factory):
    """Slot 1: booking A (2 x 50.00, cost 2 x 25.00) and B (3 x 40.00, cost 3 x 18.00);
    B also has 2 x 30.00 (cost 2 x 15.00) on slot 2. A is invoiced with 19% VAT on top
    (119.00, of which 100.00 is revenue), B without tax and credited 10.00.
    Supplier lines: 90.00 (+19% VAT) on slot 1, 15.00 on booking A."""
    product, option = await product_with_option(factory)
    s1 = await slot(factory, option)
    s2 = await slot(factory, option, starts_at=datetime(2026, 6, 2, 7, tzinfo=UTC))
    a = await book(factory, spec_for(s1, pax=2, status="confirmed"))
    b = await book(
        factory,
        spec_for(
            s1,
            pax=3,
            status="confirmed",
            items=[
                item_for(s1, pax=3, price=4000, cost_amount_minor=1800),
                item_for(s2, pax=2, price=3000, cost_amount_minor=1500),
            ],
        ),
    )
    vat = await regime(factory)
    inv_a = await draft(factory, booking_id=a.id, lines=None)
    taxed = await issue(
        factory, inv_a.id, invoice_number="P-A", tax_regime_id=vat.id, tax_mode="exclusive"
    )
    assert (taxed.total_minor, taxed.tax_minor) == (11_900, 1_900)
    inv_b = await draft(factory, booking_id=b.id, lines=None)
    await issue(factory, inv_b.id, invoice_number="P-B")
    async with unit_of_work(factory) as session:
        first_line = (await invoices.invoice_lines(session, inv_b.id))[0]
        await credit_notes.issue_credit_note(
            session,
            credit_notes.CreditNoteSpec(
                invoice_id=inv_b.id,
                reason="goodwill",
                key="cn-1",
                lines=[
                    credit_notes.CreditLineSpec(invoice_line_id=first_line.id, amount_minor=1000)
                ],
                credit_note_number="CN-1",
            ),
        )
    await supplier_invoice(
        factory,
        cost_line(9_000, slot_id=s1.id),
        cost_line(1_500, booking_id=a.id),
        tax_regime_id=vat.id,
        tax_mode="exclusive",
    )
    return product, s1, s2


async def test_departure_profit_and_variance_to_the_cent(session_factory):
    _product, s1, s2 = await _departure_with_two_bookings(session_factory)
    async with session_factory() as session:
        result = await profitability.compute(
            session, scope="slot", ids=[s1.id, s2.id], base_currency="EUR"
        )
    one, two = result[s1.id], result[s2.id]
    (eur,) = one.currencies
    # revenue, net of tax: A 119.00 - 19.00 VAT = 100.00, + B (180.00 - 10.00) x 120/180
    # = 113.333 -> 113.33 (the leftover cent goes to slot 2's larger remainder)
    assert (eur.currency, eur.revenue_minor) == ("EUR", 21_333)
    assert eur.actual_cost_minor == 10_500  # 90.00 net (VAT excluded) + 15.00 via booking A
    assert eur.planned_cost_minor == 10_400  # 2 x 25.00 + 3 x 18.00
    assert (eur.profit_minor, eur.variance_minor) == (10_833, -100)
    assert one.travellers == 5
    assert one.base is not None and one.base.complete and one.base.figures == eur
    assert split_evenly(eur.actual_cost_minor, one.travellers) == [2_100] * 5
    (eur2,) = two.currencies
    # B's other departure: 170.00 x 60/180 = 56.667 -> 56.67; no actual cost; planned 30.00
    assert (eur2.revenue_minor, eur2.actual_cost_minor, eur2.planned_cost_minor) == (
        5_667,
        0,
        3_000,
    )


async def test_product_profitability_is_the_sum_of_its_departures(session_factory):
    product, _s1, _s2 = await _departure_with_two_bookings(session_factory)
    await supplier_invoice(session_factory, cost_line(2_000, product_id=product.id))
    async with session_factory() as session:
        result = await profitability.compute(
            session, scope="product", ids=[product.id], base_currency="EUR"
        )
    (eur,) = result[product.id].currencies
    assert (eur.revenue_minor, eur.actual_cost_minor, eur.planned_cost_minor) == (
        27_000,
        12_500,  # 105.00 on departures + 20.00 on the product
        13_400,
    )
    assert (eur.profit_minor, eur.variance_minor) == (14_500, 900)
    assert result[product.id].travellers == 7


async def test_currencies_are_reported_apart_and_rolled_up_in_base(session_factory):
    _product, s1, _ = await _departure_with_two_bookings(session_factory)
    await rate(session_factory, "EUR", "USD", "1.2500", on=date(2026, 5, 1))
    await supplier_invoice(session_factory, cost_line(20_000, slot_id=s1.id), currency="USD")
    async with session_factory() as session:
        result = await profitability.compute(
            session, scope="slot", ids=[s1.id], base_currency="EUR"
        )
    eur, usd = result[s1.id].currencies
    assert (eur.currency, eur.actual_cost_minor) == ("EUR", 10_500)
    assert (usd.currency, usd.revenue_minor, usd.actual_cost_minor) == ("USD", 0, 20_000)
    base = result[s1.id].base
    assert base is not None and base.complete and base.figures is not None
    # 200.00 USD at 0.8 = 160.00 EUR added to 105.00 EUR of actual cost
    assert (base.figures.actual_cost_minor, base.figures.profit_minor) == (26_500, -5_167)


async def test_a_departure_without_a_rate_has_an_incomplete_base_rollup(session_factory):
    _, option = await product_with_option(session_factory)
    s = await slot(session_factory, option)
    booked = await book(
        session_factory,
        spec_for(
            s,
            status="confirmed",
            currency="CHF",
            items=[item_for(s, sell_currency="CHF", cost_currency="CHF")],
        ),
    )
    invoice = await draft(session_factory, booking_id=booked.id, currency="CHF", lines=None)
    await issue(session_factory, invoice.id, invoice_number="P-CHF")
    async with session_factory() as session:
        result = await profitability.compute(session, scope="slot", ids=[s.id], base_currency="EUR")
    (chf,) = result[s.id].currencies
    assert (chf.currency, chf.revenue_minor, chf.planned_cost_minor) == ("CHF", 10_000, 5_000)
    base = result[s.id].base
    assert base is not None and not base.complete and base.figures is None


async def test_a_voided_supplier_invoice_stops_counting_as_actual_cost(session_factory):
    _, s1, _ = await _departure_with_two_bookings(session_factory)
    extra = await supplier_invoice(session_factory, cost_line(4_000, slot_id=s1.id))
    async with unit_of_work(session_factory) as session:
        await supplier_invoices.void_supplier_invoice(session, extra.id)
    async with session_factory() as session:
        result = await profitability.compute(
            session, scope="slot", ids=[s1.id], base_currency="EUR"
        )
    (eur,) = result[s1.id].currencies
    assert eur.actual_cost_minor == 10_500


async def test_a_credited_taxed_invoice_counts_only_its_net_share(session_factory):
    _, option = await product_with_option(session_factory)
    s = await slot(session_factory, option)
    booked = await book(session_factory, spec_for(s, pax=2, status="confirmed"))
    vat = await regime(session_factory)
    inv = await draft(session_factory, booking_id=booked.id, lines=None)
    await issue(
        session_factory, inv.id, invoice_number="P-T", tax_regime_id=vat.id, tax_mode="exclusive"
    )
    async with unit_of_work(session_factory) as session:
        line = (await invoices.invoice_lines(session, inv.id))[0]
        await credit_notes.issue_credit_note(
            session,
            credit_notes.CreditNoteSpec(
                invoice_id=inv.id,
                reason="goodwill",
                key="cn-t",
                lines=[credit_notes.CreditLineSpec(invoice_line_id=line.id, amount_minor=2_380)],
                credit_note_number="CN-T",
            ),
        )
    async with session_factory() as session:
        result = await profitability.compute(session, scope="slot", ids=[s.id], base_currency="EUR")
    (eur,) = result[s.id].currencies
    # 119.00 gross, 23.80 credited (a fifth): net 100.00 - 20.00 = 80.00
    assert eur.revenue_minor == 8_000


async def test_spread_amounts_add_up_to_the_cent_over_three_departures(session_factory):
    _, option = await product_with_option(session_factory)
    slots = [
        await slot(session_factory, option, starts_at=datetime(2026, 6, d, 7, tzinfo=UTC))
        for d in (1, 2, 3)
    ]
    booked = await book(
        session_factory,
        spec_for(
            slots[0],
            pax=1,
            status="confirmed",
            items=[item_for(x, pax=1, price=1_000) for x in slots],
        ),
    )
    inv = await draft(session_factory, booking_id=booked.id, lines=lines(10_000))
    await issue(session_factory, inv.id, invoice_number="P-3")
    await supplier_invoice(session_factory, cost_line(10_000, booking_id=booked.id))
    ids = [x.id for x in slots]
    async with session_factory() as session:
        result = await profitability.compute(session, scope="slot", ids=ids, base_currency="EUR")
    revenue = {i: result[i].currencies[0].revenue_minor for i in ids}
    actual = {i: result[i].currencies[0].actual_cost_minor for i in ids}
    assert sum(revenue.values()) == 10_000 and sum(actual.values()) == 10_000
    # equal remainders: the leftover cent goes to the smallest slot id
    assert revenue == actual == {i: 3_334 if i == min(ids) else 3_333 for i in ids}
    # asking for one departure alone gives it the same share
    async with session_factory() as session:
        alone = await profitability.compute(
            session, scope="slot", ids=[max(ids)], base_currency="EUR"
        )
    assert alone[max(ids)].currencies[0].revenue_minor == 3_333


async def test_a_currency_with_only_stored_base_amounts_keeps_the_rollup_complete(
    session_factory,
):
    _, option = await product_with_option(session_factory)
    s = await slot(session_factory, option)  # departs 2026-06-01
    await rate(session_factory, "USD", "EUR", "0.9", on=date(2026, 6, 10))
    await supplier_invoice(
        session_factory,
        cost_line(1_000, slot_id=s.id),
        currency="USD",
        issue_date=date(2026, 6, 10),
    )
    async with session_factory() as session:
        result = await profitability.compute(session, scope="slot", ids=[s.id], base_currency="EUR")
    base = result[s.id].base
    # no USD rate on the departure date, but nothing in USD needs converting there
    assert base is not None and base.complete and base.figures is not None
    assert base.figures.actual_cost_minor == 900


async def test_the_resolver_and_profitability_pick_the_same_source_on_one_date(
    session_factory,
):
    _, option = await product_with_option(session_factory)
    s = await slot(session_factory, option)
    await book(
        session_factory,
        spec_for(s, pax=2, status="confirmed", items=[item_for(s, cost_currency="USD")]),
    )
    await rate(session_factory, "USD", "EUR", "0.5", on=date(2026, 6, 1), source="ecb")
    await rate(session_factory, "USD", "EUR", "0.9", on=date(2026, 6, 1), source="manual")
    async with session_factory() as session:
        quote = await fx_rates.TableRateResolver().resolve(
            session, from_currency="USD", to_currency="EUR", on=date(2026, 6, 1)
        )
        result = await profitability.compute(session, scope="slot", ids=[s.id], base_currency="EUR")
    assert quote is not None and (quote.source, quote.rate) == ("manual", Decimal("0.9"))
    base = result[s.id].base
    assert base is not None and base.figures is not None
    assert base.figures.planned_cost_minor == 4_500  # 2 x 25.00 USD x 0.9
