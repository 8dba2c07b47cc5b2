"""Settlement maths: net = gross - commission, totals balance, direction and payout rules."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from domain.errors import Conflict
from domain.settlement.rules import (
    Item,
    check_item,
    direction,
    due_date,
    item,
    meets_minimum,
    totals,
)


@st.composite
def items(draw: st.DrawFn) -> Item:
    gross = draw(st.integers(min_value=0, max_value=10**9))
    commission = draw(st.integers(min_value=0, max_value=gross))
    owner = draw(st.sampled_from(["operator", "channel", "split"]))
    return item(booking_id="b", gross_minor=gross, commission_minor=commission, payment_owner=owner)


@given(st.lists(items(), max_size=30))
def test_sum_gross_is_sum_commission_plus_sum_net(lines: list[Item]) -> None:
    t = totals(lines)
    assert t.gross_minor == t.commission_minor + t.net_minor
    assert t.count == len(lines)
    assert t.balance_minor == sum(
        i.net_minor for i in lines if i.payment_owner != "operator"
    ) - sum(i.commission_minor for i in lines if i.payment_owner == "operator")


def test_an_unbalanced_item_is_refused() -> None:
    with pytest.raises(Conflict) as err:
        check_item(Item("b", 100, 10, 80, "channel"))
    assert err.value.code == "settlement_unbalanced"
    with pytest.raises(Conflict):
        totals([Item("b", 100, 10, 80, "channel")])


def test_a_commission_above_gross_is_refused() -> None:
    with pytest.raises(Conflict) as err:
        item(booking_id="b", gross_minor=100, commission_minor=101, payment_owner="channel")
    assert err.value.code == "commission_out_of_range"


def test_direction_follows_the_payment_owner() -> None:
    channel = item(booking_id="a", gross_minor=1000, commission_minor=150, payment_owner="channel")
    operator = item(
        booking_id="b", gross_minor=1000, commission_minor=150, payment_owner="operator"
    )
    assert channel.balance_minor == 850 and direction(channel.balance_minor) == "channel_pays"
    assert operator.balance_minor == -150 and direction(operator.balance_minor) == "operator_pays"
    assert direction(0) == "none"


def test_minimum_payout_and_remittance_due_date() -> None:
    assert meets_minimum(-500, 500) and meets_minimum(500, 0)
    assert not meets_minimum(499, 500) and not meets_minimum(0, 0)
    assert due_date(date(2026, 11, 1), 15) == date(2026, 11, 16)
