from typing import get_args

import pytest
from hypothesis import given
from hypothesis import strategies as st

from api.routes.finance_invoices import Status
from domain.errors import Conflict
from domain.finance.transitions import (
    ALLOWED,
    STATUSES,
    TERMINAL,
    can_transition,
    check_voidable,
    next_status,
    outstanding,
    settled_status,
    transition,
)

statuses = st.sampled_from(STATUSES)
amounts = st.integers(min_value=0, max_value=10**9)


def test_a_draft_is_issued_or_awaits_its_external_number():
    assert transition("draft", "issued") == "issued"
    assert transition("draft", "pending_external_allocation") == "pending_external_allocation"
    assert transition("pending_external_allocation", "issued") == "issued"


def test_an_issued_invoice_can_be_partly_paid_paid_overdue_or_voided():
    assert ALLOWED["issued"] == {"partially_paid", "paid", "overdue", "void"}


def test_a_paid_or_partially_paid_invoice_is_never_voided():
    assert not can_transition("paid", "void")
    assert not can_transition("partially_paid", "void")
    with pytest.raises(Conflict) as caught:
        check_voidable("paid", paid_minor=100, credited_minor=0)
    assert caught.value.code == "invoice_has_payments"


def test_an_overdue_invoice_with_money_on_it_is_not_voidable_either():
    with pytest.raises(Conflict) as caught:
        check_voidable("overdue", paid_minor=1, credited_minor=0)
    assert caught.value.code == "invoice_has_payments"


def test_an_invoice_with_credit_notes_is_not_voided():
    with pytest.raises(Conflict) as caught:
        check_voidable("issued", paid_minor=0, credited_minor=10)
    assert caught.value.code == "invoice_has_credit_notes"


@pytest.mark.parametrize("status", ["draft", "pending_external_allocation", "issued", "overdue"])
def test_an_unpaid_invoice_can_be_voided(status):
    check_voidable(status, paid_minor=0, credited_minor=0)


def test_void_is_the_only_terminal_state():
    assert {"void"} == TERMINAL


def test_an_invalid_transition_is_a_409_naming_from_to_and_allowed():
    with pytest.raises(Conflict) as caught:
        transition("paid", "void")
    assert caught.value.code == "invalid_transition"
    assert caught.value.details == {
        "from": "paid",
        "to": "void",
        "allowed": ["issued", "partially_paid"],
    }


def test_the_api_offers_exactly_the_statuses_of_the_state_machine():
    assert set(get_args(Status)) == set(STATUSES)


def test_every_status_has_a_rule_and_every_target_is_a_known_status():
    assert set(ALLOWED) == set(STATUSES)
    assert set().union(*ALLOWED.values()) <= set(STATUSES)


def test_a_partial_payment_gives_partially_paid_and_the_rest_gives_paid():
    assert settled_status(total_minor=100, credited_minor=0, paid_minor=40, overdue=False) == (
        "partially_paid"
    )
    assert settled_status(total_minor=100, credited_minor=0, paid_minor=100, overdue=False) == (
        "paid"
    )


def test_a_late_invoice_stays_overdue_until_nothing_is_outstanding():
    assert settled_status(total_minor=100, credited_minor=0, paid_minor=40, overdue=True) == (
        "overdue"
    )
    assert settled_status(total_minor=100, credited_minor=0, paid_minor=100, overdue=True) == "paid"


def test_a_paid_invoice_credited_in_full_stays_paid():
    assert settled_status(total_minor=100, credited_minor=100, paid_minor=100, overdue=False) == (
        "paid"
    )
    assert outstanding(total_minor=100, credited_minor=100, paid_minor=100) == -100


def test_refunding_everything_on_an_uncredited_invoice_makes_it_owed_again():
    assert settled_status(total_minor=100, credited_minor=0, paid_minor=0, overdue=False) == (
        "issued"
    )


@given(status=statuses)
def test_no_status_transitions_to_itself_but_next_status_tolerates_staying(status):
    assert not can_transition(status, status)
    assert next_status(status, status) == status


@given(total=amounts, credited=amounts, paid=amounts, overdue=st.booleans())
def test_every_settled_status_is_reachable_from_every_settling_status(
    total, credited, paid, overdue
):
    target = settled_status(
        total_minor=total, credited_minor=credited, paid_minor=paid, overdue=overdue
    )
    sources = ["overdue"] if overdue else ["issued", "partially_paid", "paid"]
    for source in sources:
        assert next_status(source, target) == target
