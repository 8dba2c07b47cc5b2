import pytest

from domain.bookings.supplier_rules import ALLOWED, SUPPLIER_STATUSES, can_transition, transition
from domain.errors import Conflict

ALLOWED_MOVES = {("requested", "confirmed"), ("requested", "declined"), ("requested", "cancelled")}


def test_a_request_can_only_be_confirmed_declined_or_cancelled():
    assert {(a, b) for a, nxt in ALLOWED.items() for b in nxt} == ALLOWED_MOVES


@pytest.mark.parametrize(
    ("current", "target"), [(a, b) for a in SUPPLIER_STATUSES for b in SUPPLIER_STATUSES]
)
def test_every_pair_is_either_allowed_or_a_409_naming_from_and_to(current, target):
    if (current, target) in ALLOWED_MOVES:
        assert can_transition(current, target)
        assert transition(current, target) == target
        return
    assert not can_transition(current, target)
    with pytest.raises(Conflict) as err:
        transition(current, target)
    assert err.value.code == "invalid_transition"
    assert err.value.details == {"from": current, "to": target}
