from datetime import UTC, datetime

import pytest

from domain.bookings.status import (
    STATUSES,
    TERMINAL,
    TRANSITIONS,
    can_transition,
    override,
    transition,
)
from domain.errors import BadRequest, Conflict

AT = datetime(2026, 5, 1, 12, tzinfo=UTC)
ALLOWED = {
    ("draft", "on_hold"),
    ("draft", "awaiting_payment"),
    ("draft", "confirmed"),
    ("draft", "cancelled"),
    ("on_hold", "awaiting_payment"),
    ("on_hold", "confirmed"),
    ("on_hold", "expired"),
    ("on_hold", "cancelled"),
    ("awaiting_payment", "confirmed"),
    ("awaiting_payment", "expired"),
    ("awaiting_payment", "cancelled"),
    ("confirmed", "in_progress"),
    ("confirmed", "cancelled"),
    ("in_progress", "completed"),
    ("in_progress", "cancelled"),
}
EXPECTED_STAMPS = {
    "confirmed": {"confirmed_at"},
    "in_progress": {"started_at"},
    "completed": {"completed_at"},
    "expired": {"expired_at"},
    "cancelled": {"cancelled_at"},
    "on_hold": set(),
    "awaiting_payment": set(),
}


def test_the_graph_is_exactly_the_bookings_doc_table():
    assert {(a, b) for a, nxt in TRANSITIONS.items() for b in nxt} == ALLOWED
    assert {"completed", "expired", "cancelled"} == TERMINAL


@pytest.mark.parametrize(("current", "target"), [(a, b) for a in STATUSES for b in STATUSES])
def test_every_pair_is_either_allowed_with_its_stamps_or_a_409(current, target):
    if (current, target) in ALLOWED:
        assert can_transition(current, target)
        patch = transition(current, target, AT)
        expected = EXPECTED_STAMPS[target] | (
            {"paid_at"} if (current, target) == ("awaiting_payment", "confirmed") else set()
        )
        assert patch == {"status": target, **dict.fromkeys(expected, AT)}
    else:
        assert not can_transition(current, target)
        with pytest.raises(Conflict) as err:
            transition(current, target, AT)
        assert err.value.code == "invalid_transition"
        assert err.value.details["from"] == current and err.value.details["to"] == target


def test_confirming_a_free_hold_does_not_stamp_paid_at():
    assert "paid_at" not in transition("on_hold", "confirmed", AT)


def test_an_override_needs_a_reason_and_a_different_status():
    with pytest.raises(BadRequest):
        override("cancelled", "confirmed", AT, reason="  ")
    with pytest.raises(Conflict):
        override("cancelled", "cancelled", AT, reason="why")
    assert override("cancelled", "confirmed", AT, reason="customer called back") == {
        "status": "confirmed",
        "confirmed_at": AT,
    }
