import pytest

from domain.bookings.fulfillment_rules import (
    ALLOWED,
    CODE_ALPHABET,
    CODE_LENGTH,
    FULFILLMENT_STATUSES,
    ensure_fulfillable,
    ensure_item_active,
    new_code,
    normalize_code,
    require_reason,
    status_after_redemption,
    transition,
)
from domain.bookings.status import STATUSES
from domain.errors import BadRequest, Conflict


def test_codes_are_long_random_and_drawn_from_an_unambiguous_alphabet():
    codes = {new_code() for _ in range(2000)}
    assert len(codes) == 2000
    assert all(len(c) == CODE_LENGTH and set(c) <= set(CODE_ALPHABET) for c in codes)
    assert not set("ILOU") & set(CODE_ALPHABET)


def test_a_typed_code_is_normalized_to_the_stored_form():
    assert normalize_code("  ab12cd \n") == "AB12CD"


@pytest.mark.parametrize("status", STATUSES)
def test_only_a_confirmed_or_in_progress_booking_is_fulfillable(status):
    if status in ("confirmed", "in_progress"):
        ensure_fulfillable(status)
        return
    with pytest.raises(Conflict) as err:
        ensure_fulfillable(status)
    assert (err.value.code, err.value.details) == ("booking_not_fulfillable", {"status": status})


def test_a_cancelled_item_cannot_be_fulfilled():
    ensure_item_active("active")
    with pytest.raises(Conflict) as err:
        ensure_item_active("cancelled")
    assert err.value.code == "booking_item_not_active"


def test_only_an_issued_fulfillment_moves_and_only_to_redeemed_revoked_or_superseded():
    assert {(a, b) for a, nxt in ALLOWED.items() for b in nxt} == {
        ("issued", "redeemed"),
        ("issued", "revoked"),
        ("issued", "superseded"),
    }
    for target in ("redeemed", "revoked", "superseded"):
        assert transition("issued", target) == target


@pytest.mark.parametrize(
    ("current", "code"),
    [
        ("redeemed", "already_redeemed"),
        ("revoked", "fulfillment_not_valid"),
        ("superseded", "fulfillment_not_valid"),
    ],
)
@pytest.mark.parametrize("target", FULFILLMENT_STATUSES)
def test_a_used_up_fulfillment_refuses_every_move_with_why(current, code, target):
    with pytest.raises(Conflict) as err:
        transition(current, target)
    assert err.value.code == code


def test_moving_an_issued_fulfillment_back_to_issued_is_an_invalid_transition():
    with pytest.raises(Conflict) as err:
        transition("issued", "issued")
    assert (err.value.code, err.value.details) == (
        "invalid_transition",
        {"from": "issued", "to": "issued"},
    )


def test_a_single_use_fulfillment_is_used_up_by_its_first_scan_and_a_multi_use_one_is_not():
    assert status_after_redemption(single_use=True) == "redeemed"
    assert status_after_redemption(single_use=False) == "issued"


@pytest.mark.parametrize("reason", [None, "", "   "])
def test_a_missing_or_blank_reason_is_refused(reason):
    with pytest.raises(BadRequest) as err:
        require_reason(reason, code="revoke_reason_required")
    assert err.value.code == "revoke_reason_required"


def test_a_reason_is_kept_without_surrounding_blanks():
    assert require_reason("  lost phone ", code="x") == "lost phone"
