"""Tax lines: worked examples, rounding edges and invariants (domain.finance.tax)."""

from __future__ import annotations

from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from domain.errors import BadRequest
from domain.finance.tax import compute_tax_line, exclusive_tax, inclusive_tax, round_half_up

amounts = st.integers(min_value=-(10**12), max_value=10**12)
rates = st.integers(min_value=1, max_value=10_000)


def test_inclusive_19_percent_carves_the_tax_out_of_the_amount():
    line = compute_tax_line(amount_minor=11_900, rate_bps=1900, kind="standard", mode="inclusive")
    assert (line.net_minor, line.tax_minor, line.gross_minor) == (10_000, 1_900, 11_900)


def test_exclusive_19_percent_adds_the_tax_on_top():
    line = compute_tax_line(amount_minor=10_000, rate_bps=1900, kind="standard", mode="exclusive")
    assert (line.net_minor, line.tax_minor, line.gross_minor) == (10_000, 1_900, 11_900)


def test_inclusive_rounding_edge_rounds_half_up():
    # 1 * 1900 / 11900 = 0.1597 -> 0; 100 * 9/109 = 8.257 -> 8; 1000 @ 5.5% incl = 52.13 -> 52
    assert inclusive_tax(1, 1900) == 0
    assert inclusive_tax(100, 900) == 8
    assert inclusive_tax(1000, 550) == 52
    # 21 @ 5% incl: 21 * 500 / 10500 = 1.0 exactly; 63 @ 5%: exactly 3
    assert inclusive_tax(21, 500) == 1
    assert inclusive_tax(63, 500) == 3
    # 10.5 exactly: 2205 * 500 / 10500 = 105.0; 231 * 500 / 10500 = 11.0; 0.5 edge below
    assert inclusive_tax(105, 10_000) == 53  # 105 / 2 = 52.5 -> 53 (half-even would give 52)


def test_exclusive_rounding_edges_half_up_not_half_even():
    assert exclusive_tax(250, 100) == 3  # 2.5 -> 3 (half-even: 2)
    assert exclusive_tax(350, 100) == 4  # 3.5 -> 4
    assert exclusive_tax(249, 100) == 2  # 2.49 -> 2
    assert exclusive_tax(-250, 100) == -3  # away from zero
    assert exclusive_tax(1999, 1900) == 380  # 379.81 -> 380
    assert exclusive_tax(1, 5000) == 1  # 0.5 -> 1


def test_exempt_has_no_tax_whatever_the_mode():
    for mode in ("inclusive", "exclusive"):
        line = compute_tax_line(amount_minor=12_345, rate_bps=0, kind="exempt", mode=mode)
        assert (line.net_minor, line.tax_minor, line.gross_minor) == (12_345, 0, 12_345)


def test_reverse_charge_bills_no_tax_and_self_assesses_it():
    line = compute_tax_line(
        amount_minor=10_000, rate_bps=1900, kind="reverse_charge", mode="exclusive"
    )
    assert (line.net_minor, line.tax_minor, line.gross_minor) == (10_000, 0, 10_000)
    assert line.self_assessed_minor == 1_900


def test_bad_regime_mode_and_rate_are_rejected():
    with pytest.raises(BadRequest) as mode:
        compute_tax_line(amount_minor=1, rate_bps=1900, kind="standard", mode="gross")
    assert mode.value.code == "invalid_tax_mode"
    with pytest.raises(BadRequest) as rate:
        compute_tax_line(amount_minor=1, rate_bps=10_001, kind="standard", mode="inclusive")
    assert rate.value.code == "invalid_tax_rate"
    with pytest.raises(BadRequest) as kind:
        compute_tax_line(amount_minor=1, rate_bps=1900, kind="luxury", mode="inclusive")
    assert kind.value.code == "invalid_tax_regime_kind"


@given(amounts, rates)
def test_inclusive_parts_add_up_and_tax_is_the_nearest_integer(amount, rate):
    line = compute_tax_line(amount_minor=amount, rate_bps=rate, kind="standard", mode="inclusive")
    assert line.net_minor + line.tax_minor == line.gross_minor == amount
    exact = Fraction(amount) - Fraction(amount) / (1 + Fraction(rate, 10_000))
    assert abs(line.tax_minor - exact) <= Fraction(1, 2)


@given(amounts, rates)
def test_exclusive_parts_add_up_and_tax_is_the_nearest_integer(amount, rate):
    line = compute_tax_line(amount_minor=amount, rate_bps=rate, kind="reduced", mode="exclusive")
    assert line.net_minor == amount
    assert line.gross_minor == amount + line.tax_minor
    assert abs(line.tax_minor - Fraction(amount * rate, 10_000)) <= Fraction(1, 2)


@given(amounts, rates, st.sampled_from(["inclusive", "exclusive"]))
def test_a_discount_exactly_offsets_the_same_surcharge(amount, rate, mode):
    up = compute_tax_line(amount_minor=amount, rate_bps=rate, kind="standard", mode=mode)
    down = compute_tax_line(amount_minor=-amount, rate_bps=rate, kind="standard", mode=mode)
    assert up.tax_minor == -down.tax_minor


@given(st.integers(min_value=-(10**9), max_value=10**9), st.integers(1, 1000))
def test_round_half_up_is_nearest_with_halves_away_from_zero(numerator, denominator):
    value = Fraction(numerator, denominator)
    rounded = round_half_up(value)
    assert abs(rounded - value) <= Fraction(1, 2)
    if abs(rounded - value) == Fraction(1, 2):
        assert abs(rounded) > abs(value)
