from datetime import date
from types import SimpleNamespace

import pytest

from domain.errors import BadRequest, Conflict
from domain.finance import guarantee_rules as g
from domain.finance.reminder_rules import ReminderDue, reminder_for
from domain.finance.reminders import _message
from domain.finance.transfers import session_reference

DUE = date(2026, 6, 10)


def test_documents_start_active_and_need_their_number():
    assert g.initial_status(g.Draft("voucher", 5000, "V-1")) == "active"
    assert g.initial_status(g.Draft("agency_letter", 5000, "AL-7")) == "active"
    with pytest.raises(BadRequest) as err:
        g.initial_status(g.Draft("voucher", 5000, None))
    assert err.value.code == "reference_required"


def test_payment_secured_kinds_start_pending():
    for kind in ("deposit", "pre_auth", "card_on_file"):
        assert g.initial_status(g.Draft(kind, 100, None)) == "pending"
    with pytest.raises(BadRequest):
        g.initial_status(g.Draft("deposit", 0, None))


def test_the_lifecycle_allows_only_its_edges():
    g.check_transition("pending", "active")
    g.check_transition("active", "claimed")
    for current, target in [
        ("pending", "claimed"),
        ("active", "cancelled"),
        ("claimed", "released"),
    ]:
        with pytest.raises(Conflict) as err:
            g.check_transition(current, target)
        assert err.value.code == "invalid_guarantee_transition"


def test_a_claim_takes_at_most_what_is_left():
    assert g.claimable(amount_minor=1000, claimed_minor=0, requested=None) == 1000
    assert g.claimable(amount_minor=1000, claimed_minor=0, requested=400) == 400
    for requested in (1001, 0):
        with pytest.raises(Conflict):
            g.claimable(amount_minor=1000, claimed_minor=0, requested=requested)


def test_a_line_is_reminded_once_before_it_is_due():
    assert reminder_for(DUE, date(2026, 6, 6)) is None
    for day in (date(2026, 6, 7), date(2026, 6, 9), DUE):
        assert reminder_for(DUE, day) == ReminderDue("due", DUE)


def test_an_overdue_line_is_reminded_weekly_then_no_more():
    assert reminder_for(DUE, date(2026, 6, 11)) == ReminderDue("overdue", date(2026, 6, 11))
    # A run missed on the 11th still owes that step's reminder on the 12th.
    assert reminder_for(DUE, date(2026, 6, 12)) == ReminderDue("overdue", date(2026, 6, 11))
    assert reminder_for(DUE, date(2026, 6, 18)) == ReminderDue("overdue", date(2026, 6, 18))
    assert reminder_for(DUE, date(2026, 7, 2)) == ReminderDue("overdue", date(2026, 7, 2))
    assert reminder_for(DUE, date(2026, 7, 9)) is None


def test_a_session_reference_is_found_in_messy_remittance_text():
    assert session_reference("Payment tf-1a2b 3c4d5e6f booking 12") == "TF-1A2B3C4D5E6F"
    assert session_reference("TF1A2B3C4D5E6F") == "TF-1A2B3C4D5E6F"
    assert session_reference("invoice 2026-001") is None


def test_pending_guarantees_can_expire_and_expired_is_final():
    g.check_transition("pending", "expired")
    for current in ("active", "expired", "cancelled"):
        with pytest.raises(Conflict):
            g.check_transition(current, "expired" if current != "expired" else "active")


def test_a_reminder_states_the_amount_in_the_currency_s_own_minor_units():
    line = SimpleNamespace(
        id="bpsl_1", kind="deposit", amount_minor=1500, currency="JPY", due_date=DUE
    )
    booking = SimpleNamespace(id="book_1", number="B-1")
    message = _message(line, booking, ReminderDue("due", DUE))  # type: ignore[arg-type]
    assert "1,500 JPY" in message.subject
    line.currency = "EUR"
    assert "15.00 EUR" in _message(line, booking, ReminderDue("due", DUE)).subject  # type: ignore[arg-type]
