import pytest

from domain.errors import BadRequest
from domain.ids import new_id, parse_id
from domain.money import Money


def test_new_ids_carry_their_prefix_and_sort_by_creation():
    first, second = new_id("book"), new_id("book")
    assert first.startswith("book_") and len(first) == len("book_") + 26
    assert first < second


def test_an_id_with_the_wrong_prefix_is_a_bad_request_naming_the_field():
    with pytest.raises(BadRequest) as err:
        parse_id(new_id("inv"), "book", field="booking_id")
    assert err.value.code == "invalid_id"
    assert err.value.details == {"field": "booking_id"}


def test_a_malformed_id_is_a_bad_request():
    with pytest.raises(BadRequest) as err:
        parse_id("book_not-a-typeid", "book")
    assert err.value.code == "invalid_id"


def test_money_adds_within_one_currency_and_refuses_to_mix():
    assert Money(1050, "EUR") + Money(25, "EUR") == Money(1075, "EUR")
    with pytest.raises(BadRequest) as err:
        Money(1, "EUR") + Money(1, "USD")
    assert err.value.code == "currency_mismatch"


@pytest.mark.parametrize(
    ("amount", "currency", "code"),
    [
        (1.5, "EUR", "invalid_amount"),
        (True, "EUR", "invalid_amount"),
        (1, "eur", "invalid_currency"),
        (1, "EURO", "invalid_currency"),
    ],
)
def test_money_rejects_floats_and_non_iso_currencies(amount, currency, code):
    with pytest.raises(BadRequest) as err:
        Money(amount, currency)
    assert err.value.code == code
