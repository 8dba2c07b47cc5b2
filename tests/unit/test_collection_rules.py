from datetime import date

import pytest

from adapters.payments import signing
from domain.errors import BadRequest
from domain.finance.collection_plan import (
    LineDraft,
    LineView,
    collection_plan,
    deposit_and_balance,
    lines_to_collect,
    secures_booking,
    validate_drafts,
)

JUNE_1, JUNE_10, JULY_1 = date(2026, 6, 1), date(2026, 6, 10), date(2026, 7, 1)


def line(n: int, kind: str, amount: int, due: date, status: str = "due") -> LineView:
    return LineView(f"bpsl_{n}", n, kind, amount, due, status)


def test_a_deposit_split_rounds_the_deposit_down_and_leaves_the_rest_as_balance():
    drafts = deposit_and_balance(10_001, deposit_percent=30, deposit_due=JUNE_1, balance_due=JULY_1)
    assert drafts == [LineDraft("deposit", 3000, JUNE_1), LineDraft("balance", 7001, JULY_1)]


def test_a_zero_percent_deposit_is_a_single_balance_line():
    drafts = deposit_and_balance(5000, deposit_percent=0, deposit_due=JUNE_1, balance_due=JULY_1)
    assert drafts == [LineDraft("balance", 5000, JULY_1)]


def test_a_balance_due_before_the_deposit_is_refused():
    with pytest.raises(BadRequest) as err:
        deposit_and_balance(5000, deposit_percent=20, deposit_due=JULY_1, balance_due=JUNE_1)
    assert err.value.code == "invalid_due_dates"


@pytest.mark.parametrize(
    ("drafts", "code"),
    [
        ([], "empty_schedule"),
        ([LineDraft("tip", 1, JUNE_1)], "invalid_line_kind"),
        ([LineDraft("deposit", 0, JUNE_1)], "invalid_amount"),
        ([LineDraft("deposit", 1, JUNE_1), LineDraft("deposit", 1, JUNE_1)], "duplicate_line_kind"),
        ([LineDraft("balance", 10_001, JUNE_1)], "schedule_exceeds_total"),
    ],
)
def test_schedule_drafts_are_validated_with_stable_codes(drafts, code):
    with pytest.raises(BadRequest) as err:
        validate_drafts(drafts, booking_total_minor=10_000)
    assert err.value.code == code


def test_a_hold_line_does_not_count_against_the_booking_total():
    validate_drafts(
        [LineDraft("hold", 10_000, JUNE_1), LineDraft("balance", 10_000, JULY_1)],
        booking_total_minor=10_000,
    )


def test_the_collection_plan_orders_lines_by_due_date_and_states_each():
    lines = [
        line(3, "balance", 5000, JULY_1),
        line(1, "deposit", 2000, JUNE_1, "paid"),
        line(2, "installment", 2000, JUNE_10),
        line(4, "hold", 9999, JUNE_1),
    ]
    plan = collection_plan(lines, booking_total_minor=10_000, as_of=JUNE_10)
    assert [(e.line_id, e.state) for e in plan.entries] == [
        ("bpsl_1", "paid"),
        ("bpsl_4", "overdue"),
        ("bpsl_2", "due_now"),
        ("bpsl_3", "upcoming"),
    ]
    assert (plan.scheduled_minor, plan.paid_minor, plan.outstanding_minor) == (9000, 2000, 7000)
    assert (plan.due_now_minor, plan.unscheduled_minor) == (2000, 1000)
    assert plan.next_due_date == JUNE_10  # holds are secured, not collected


def test_a_booking_session_collects_everything_due_by_today_else_the_next_line():
    lines = [line(1, "deposit", 2000, JUNE_1), line(2, "balance", 8000, JULY_1)]
    assert [x.id for x in lines_to_collect(lines, as_of=JUNE_10)] == ["bpsl_1"]
    assert [x.id for x in lines_to_collect(lines, as_of=JULY_1)] == ["bpsl_1", "bpsl_2"]
    early = [line(1, "deposit", 2000, JUNE_10, "paid"), line(2, "balance", 8000, JULY_1)]
    assert [x.id for x in lines_to_collect(early, as_of=JUNE_1)] == ["bpsl_2"]


def test_a_booking_is_secured_once_its_deposit_is_paid():
    assert not secures_booking([line(1, "deposit", 1, JUNE_1), line(2, "balance", 1, JULY_1)])
    assert secures_booking([line(1, "deposit", 1, JUNE_1, "paid"), line(2, "balance", 1, JULY_1)])
    assert secures_booking([line(1, "installment", 1, JUNE_1, "paid")])
    assert not secures_booking([line(1, "hold", 1, JUNE_1), line(2, "balance", 1, JUNE_1, "paid")])


def test_a_webhook_signature_verifies_only_for_the_same_body_secret_and_recent_time():
    header = signing.sign(b'{"a":1}', "s3cret", at=1_000_000)
    assert signing.verify(b'{"a":1}', header, "s3cret", now=1_000_010)
    assert not signing.verify(b'{"a":2}', header, "s3cret", now=1_000_010)
    assert not signing.verify(b'{"a":1}', header, "other", now=1_000_010)
    assert not signing.verify(b'{"a":1}', header, "s3cret", now=1_000_000 + 301)
    assert not signing.verify(b'{"a":1}', "garbage", "s3cret")
    assert not signing.verify(b'{"a":1}', None, "s3cret")
