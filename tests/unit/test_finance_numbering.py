from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from domain.errors import BadRequest
from domain.finance.numbering import format_number, period_key, placeholder, validate_format

MARCH_7 = date(2026, 3, 7)


def test_the_classic_format_pads_the_sequence_and_names_the_year():
    assert format_number("INV-{YYYY}-{seq:06}", seq=42, on=MARCH_7) == "INV-2026-000042"


def test_every_date_token_renders_from_the_issue_date():
    assert format_number("{YY}{MM}{DD}/{seq}", seq=7, on=MARCH_7) == "260307/7"


def test_a_sequence_wider_than_its_padding_is_not_truncated():
    assert format_number("CN{seq:03}", seq=12345, on=MARCH_7) == "CN12345"


@pytest.mark.parametrize(
    ("rule", "key"), [("never", "all"), ("annual", "2026"), ("monthly", "2026-03")]
)
def test_the_reset_rule_picks_the_counter_period(rule, key):
    assert period_key(rule, MARCH_7) == key


@pytest.mark.parametrize(
    ("template", "rule"),
    [
        ("INV-{YYYY}", "never"),  # no {seq}
        ("{seq}-{seq}", "never"),  # two
        ("INV-{year}-{seq}", "never"),  # unknown token
        ("INV-{seq:013}", "never"),  # too wide
        ("INV-{seq", "never"),  # unbalanced
        ("INV}-{seq}", "never"),
        ("INV-{seq:06}", "annual"),  # would repeat numbers every year
        ("INV-{YYYY}-{seq:06}", "monthly"),  # would repeat them every month
        ("X" * 49 + "{seq}", "never"),
        ("", "never"),
        ("{seq}", "weekly"),
    ],
)
def test_unusable_formats_are_refused_with_a_400(template, rule):
    with pytest.raises(BadRequest) as caught:
        validate_format(template, rule)
    assert caught.value.code in {"invalid_number_format", "invalid_reset_rule"}


@pytest.mark.parametrize(
    ("template", "rule"),
    [
        ("INV-{YYYY}-{seq:06}", "annual"),
        ("INV-{YY}{MM}-{seq:04}", "monthly"),
        ("{seq}", "never"),
    ],
)
def test_formats_that_name_their_reset_period_are_accepted(template, rule):
    assert validate_format(template, rule) == template


def test_an_external_placeholder_names_its_document():
    assert placeholder("inv_01abc") == "PENDING-inv_01abc"


@given(seq=st.integers(min_value=1, max_value=10**9), day=st.dates())
def test_distinct_sequences_of_one_period_give_distinct_numbers(seq, day):
    assert format_number("A{YYYY}{seq:06}", seq=seq, on=day) != format_number(
        "A{YYYY}{seq:06}", seq=seq + 1, on=day
    )
