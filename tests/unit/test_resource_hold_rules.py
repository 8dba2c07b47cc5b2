from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest

from domain.errors import BadRequest, Conflict
from domain.resources.days import local_day_bounds, zone
from domain.resources.transitions import (
    DateQuantities,
    check_pickup,
    plan_cutoff,
    remaining,
    transition,
)


@pytest.mark.parametrize(
    ("current", "target"),
    [
        ("inquiry", "held"),
        ("inquiry", "cancelled"),
        ("held", "confirmed"),
        ("held", "released"),
        ("held", "expired"),
        ("confirmed", "released"),
        ("confirmed", "cancelled"),
    ],
)
def test_a_hold_moves_forward_along_its_lifecycle(current, target):
    assert transition(current, target) == target


@pytest.mark.parametrize(
    ("current", "target"),
    [
        ("inquiry", "confirmed"),
        ("confirmed", "held"),
        ("confirmed", "expired"),
        ("held", "held"),
        ("released", "held"),
        ("cancelled", "confirmed"),
        ("expired", "held"),
    ],
)
def test_an_invalid_transition_is_a_conflict_naming_from_and_to(current, target):
    with pytest.raises(Conflict) as raised:
        transition(current, target)
    assert raised.value.code == "invalid_transition"
    assert raised.value.details == {"from": current, "to": target}


def test_remaining_is_held_minus_picked_up_minus_released():
    assert remaining(held=10, picked_up=3, released=2) == 5
    assert DateQuantities(held=4, picked_up=4).remaining == 0


def test_a_pickup_within_remaining_returns_what_is_left():
    assert check_pickup(status="held", quantities=DateQuantities(10, 3, 2), quantity=5) == 0


def test_a_pickup_past_remaining_is_refused_with_the_numbers():
    with pytest.raises(BadRequest) as raised:
        check_pickup(status="confirmed", quantities=DateQuantities(10, 8), quantity=3)
    assert raised.value.code == "pickup_exceeds_remaining"
    assert raised.value.details == {"remaining": 2, "requested": 3}


@pytest.mark.parametrize("status", ["inquiry", "released", "cancelled", "expired"])
def test_only_held_or_confirmed_holds_take_pickups(status):
    with pytest.raises(Conflict) as raised:
        check_pickup(status=status, quantities=DateQuantities(10), quantity=1)
    assert raised.value.code == "hold_not_pickable"


def test_the_cutoff_releases_every_unpicked_unit_and_expires_an_unconfirmed_hold():
    plan = plan_cutoff(status="held", dates=[DateQuantities(10, 4), DateQuantities(5, 0, 1)])
    assert (plan.releases, plan.new_status, plan.is_noop) == ((6, 4), "expired", False)


def test_the_cutoff_releases_the_rest_of_a_confirmed_hold_but_keeps_it_confirmed():
    plan = plan_cutoff(status="confirmed", dates=[DateQuantities(10, 7)])
    assert (plan.releases, plan.new_status) == ((3,), "confirmed")


def test_the_cutoff_of_a_confirmed_fully_picked_hold_is_a_noop():
    assert plan_cutoff(status="confirmed", dates=[DateQuantities(3, 3)]).is_noop


@pytest.mark.parametrize("status", ["cancelled", "released", "expired"])
def test_the_cutoff_leaves_a_finished_hold_alone(status):
    plan = plan_cutoff(status=status, dates=[DateQuantities(10, 2)])
    assert plan.is_noop and plan.releases == (0,)


def test_an_expired_hold_has_nothing_left_so_a_second_cutoff_is_a_noop():
    first = plan_cutoff(status="held", dates=[DateQuantities(10, 4)])
    after = DateQuantities(10, 4, first.releases[0])
    assert plan_cutoff(status=first.new_status, dates=[after]).is_noop


def test_a_local_day_spans_its_zone_midnights_including_dst_changes():
    start, end = local_day_bounds(date(2026, 3, 29), ZoneInfo("Europe/Berlin"))
    assert start.astimezone(UTC) == datetime(2026, 3, 28, 23, 0, tzinfo=UTC)
    assert (end - start).total_seconds() == 23 * 3600


@pytest.mark.parametrize("name", ["Mars/Olympus", "", "../etc/passwd"])
def test_an_unknown_time_zone_is_a_bad_request(name):
    with pytest.raises(BadRequest) as raised:
        zone(name)
    assert raised.value.code == "invalid_timezone"


def test_the_last_representable_day_is_a_bad_request_not_a_crash():
    with pytest.raises(BadRequest) as raised:
        local_day_bounds(date.max, ZoneInfo("UTC"))
    assert raised.value.code == "invalid_date"
