from datetime import UTC, datetime, timedelta

from domain.reservations.rules import (
    MAX_HOLD,
    compensation,
    hold_token,
    hold_ttl,
    initial_booking_status,
    reserve_workflow_id,
    supplier_deadline,
    supplier_outcome,
)

NOW = datetime(2026, 11, 21, 12, 0, tzinfo=UTC)


def test_ids_and_tokens_derive_from_the_version_and_line():
    assert reserve_workflow_id("qver_1") == "reserve:qver_1"
    assert hold_token("qver_1", "qvln_2") == "reserve:qver_1:qvln_2"


def test_holds_outlive_every_supplier_wait_and_never_exceed_the_maximum():
    assert hold_ttl([]) == timedelta(minutes=15)
    assert hold_ttl([timedelta(hours=1), timedelta(hours=2)]) == timedelta(hours=3, minutes=15)
    assert hold_ttl([timedelta(days=40)]) == MAX_HOLD


def test_a_line_deadline_overrides_the_version_deadline():
    assert supplier_deadline(5, 3600) == timedelta(seconds=5)
    assert supplier_deadline(None, 3600) == timedelta(hours=1)


def test_a_supplier_wait_resolves_by_answer_or_by_deadline():
    due = NOW + timedelta(minutes=1)
    assert supplier_outcome("confirmed", due, NOW + timedelta(hours=1)) == "confirmed"
    assert supplier_outcome("declined", due, NOW) == "declined"
    assert supplier_outcome("requested", due, NOW) == "waiting"
    assert supplier_outcome("requested", due, due) == "timed_out"
    assert supplier_outcome("cancelled", due, NOW) == "timed_out"


def test_each_completed_line_knows_how_it_is_undone():
    assert compensation("catalog", "held") == "release"
    assert compensation("manual", "supplier_requested") == "call_off"
    assert compensation("manual", "supplier_confirmed") == "not_configured"
    assert compensation("catalog", "released") is None
    assert compensation("manual", "failed") is None


def test_payment_terms_pick_the_first_booking_status():
    assert initial_booking_status("pay_before_travel") == "on_hold"
    assert initial_booking_status("on_account") == "confirmed"
