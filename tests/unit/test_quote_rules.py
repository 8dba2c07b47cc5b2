from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from domain.errors import Conflict
from domain.quotes.rules import FrozenLine, LiveFacts, move_version, recheck_line

NOW = datetime(2026, 11, 21, 12, 0, tzinfo=UTC)
LINE = FrozenLine("rspn_1", 3, "popt_1", 4, 5000, "EUR", 2500, "EUR")


def live(**overrides: Any) -> LiveFacts:
    fields: dict[str, Any] = {
        "product_status": "active",
        "slot_option_id": "popt_1",
        "slot_status": "open",
        "slot_starts_at": NOW + timedelta(days=3),
        "slot_remaining": 10,
        "price_minor": 5000,
        "price_currency": "EUR",
    }
    fields.update(overrides)
    return LiveFacts(**fields)


def test_a_line_still_on_sale_at_its_quoted_price_passes():
    assert recheck_line(LINE, live(), NOW) is None
    assert recheck_line(LINE, live(slot_remaining=None), NOW) is None
    assert recheck_line(LINE, live(cost_minor=2500, cost_currency="EUR"), NOW) is None


@pytest.mark.parametrize(
    ("facts", "reason"),
    [
        ({"product_status": "archived"}, "product_not_sellable"),
        ({"slot_status": None}, "slot_missing"),
        ({"slot_option_id": "popt_other"}, "slot_missing"),
        ({"slot_status": "closed"}, "slot_closed"),
        ({"slot_status": "sold_out"}, "slot_sold_out"),
        ({"slot_starts_at": NOW}, "slot_departed"),
        ({"slot_remaining": 3}, "insufficient_capacity"),
        ({"price_minor": None}, "price_missing"),
    ],
)
def test_a_line_that_cannot_be_sold_is_unavailable_naming_the_line(facts, reason):
    problem = recheck_line(LINE, live(**facts), NOW)
    assert problem is not None
    assert (problem.code, problem.line_id, problem.reason) == (
        "quote_unavailable",
        "rspn_1",
        reason,
    )
    assert problem.message.startswith("line 3 ")


@pytest.mark.parametrize(
    ("facts", "reason"),
    [
        ({"price_minor": 5100}, "sell_price"),
        ({"price_currency": "USD"}, "sell_price"),
        ({"cost_minor": 2600, "cost_currency": "EUR"}, "cost"),
        ({"cost_minor": 2500, "cost_currency": "USD"}, "cost"),
    ],
)
def test_a_changed_price_or_cost_is_price_changed(facts, reason):
    problem = recheck_line(LINE, live(**facts), NOW)
    assert problem is not None
    assert (problem.code, problem.reason) == ("price_changed", reason)


def test_only_a_sent_version_can_be_accepted():
    assert move_version("draft", "sent") == "sent"
    assert move_version("sent", "accepted") == "accepted"
    for current in ("draft", "accepted", "superseded"):
        with pytest.raises(Conflict) as err:
            move_version(current, "accepted")
        assert err.value.code == "invalid_transition"
