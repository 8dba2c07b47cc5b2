"""FX conversion and invoice enrichment arithmetic (domain.finance.fx)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from domain.errors import BadRequest
from domain.finance import fx

JUNE_1 = date(2026, 6, 1)


def test_convert_respects_minor_unit_exponents():
    assert fx.convert(10_000, "EUR", "RON", Decimal("4.9750")) == 49_750
    assert fx.convert(10_000, "USD", "JPY", Decimal("151.235")) == 15_124  # 100 USD
    assert fx.convert(1_000, "JPY", "EUR", Decimal("0.0061")) == 610  # 1000 JPY = 6.10 EUR
    assert fx.convert(1, "EUR", "KWD", Decimal("0.3345")) == 3  # 0.01 EUR = 0.003345 KWD


def test_convert_rounds_half_up():
    assert fx.convert(1, "EUR", "USD", Decimal("0.5")) == 1
    assert fx.convert(3, "EUR", "USD", Decimal("0.5")) == 2
    assert fx.convert(-1, "EUR", "USD", Decimal("0.5")) == -1


def test_enrichment_applies_the_commission_to_the_rate():
    quote = fx.FxQuote("EUR", "RON", Decimal("4.9750"), JUNE_1, "manual")
    out = fx.enrich_invoice(
        total_minor=11_900,
        currency="EUR",
        quote=quote,
        commission_bps=200,
        mention="2% comision curs risc valutar",
    )
    assert out.effective_rate == Decimal("5.07450")  # 4.975 * 1.02
    assert out.base_total_minor == 60_387  # 119.00 * 5.0745 = 603.8655 -> 603.87
    assert out.payload()["fx_effective_rate"] == "5.0745000000"
    assert out.payload()["fx_mention"] == "2% comision curs risc valutar"


def test_bad_rates_and_commissions_are_rejected():
    with pytest.raises(BadRequest):
        fx.check_rate(Decimal(0))
    with pytest.raises(BadRequest):
        fx.check_rate(Decimal("NaN"))
    with pytest.raises(BadRequest):
        fx.effective_rate(Decimal(1), 5_001)


@given(st.integers(-(10**12), 10**12))
def test_rate_one_between_same_exponent_currencies_is_identity(amount):
    assert fx.convert(amount, "EUR", "USD", Decimal(1)) == amount
