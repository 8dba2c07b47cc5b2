from typing import get_args

import pytest
from hypothesis import given
from hypothesis import strategies as st

from api.routes.ground import Status
from domain.errors import Conflict
from domain.ground.transitions import (
    ALLOWED,
    HAPPY_PATH,
    STATUSES,
    TERMINAL,
    can_transition,
    is_terminal,
    transition,
)

statuses = st.sampled_from(STATUSES)
anything = st.one_of(statuses, st.text(max_size=12))


def test_a_dispatch_walks_the_happy_path_from_draft_to_completed():
    status = "draft"
    for step in HAPPY_PATH[1:]:
        status = transition(status, step)
    assert status == "completed"


def test_the_happy_path_cannot_skip_a_step():
    for i, status in enumerate(HAPPY_PATH[:-2]):
        assert not can_transition(status, HAPPY_PATH[i + 2])


def test_cancelling_is_allowed_until_the_passengers_are_aboard():
    allowed = {s for s in STATUSES if can_transition(s, "cancelled")}
    assert allowed == {"draft", "scheduled", "assigned", "en_route", "arrived"}


def test_a_no_show_can_only_be_declared_once_the_driver_has_arrived():
    assert {s for s in STATUSES if can_transition(s, "no_show")} == {"arrived"}


def test_completed_cancelled_and_no_show_are_the_terminal_states():
    assert {"completed", "cancelled", "no_show"} == TERMINAL
    assert all(is_terminal(s) for s in TERMINAL)
    assert not any(is_terminal(s) for s in set(STATUSES) - TERMINAL)


def test_an_invalid_transition_is_a_409_naming_from_and_to():
    with pytest.raises(Conflict) as caught:
        transition("draft", "en_route")
    assert caught.value.code == "invalid_transition"
    assert caught.value.details["from"] == "draft"
    assert caught.value.details["to"] == "en_route"
    assert caught.value.details["allowed"] == ["cancelled", "scheduled"]


def test_every_status_has_a_rule_and_every_target_is_a_known_status():
    assert set(ALLOWED) == set(STATUSES)
    assert set().union(*ALLOWED.values()) <= set(STATUSES)


def test_the_api_offers_exactly_the_statuses_of_the_state_machine():
    assert get_args(Status) == STATUSES


@given(current=anything, to=anything)
def test_transition_succeeds_exactly_when_can_transition_says_so(current, to):
    if can_transition(current, to):
        assert transition(current, to) == to
    else:
        with pytest.raises(Conflict):
            transition(current, to)


@given(status=statuses)
def test_no_status_transitions_to_itself(status):
    assert not can_transition(status, status)


@given(terminal=st.sampled_from(sorted(TERMINAL)), to=anything)
def test_nothing_leaves_a_terminal_state(terminal, to):
    assert not can_transition(terminal, to)


@given(attempts=st.lists(statuses, max_size=30))
def test_any_sequence_of_attempts_only_moves_forward_and_stops_at_a_terminal_state(attempts):
    status = "draft"
    for to in attempts:
        if not can_transition(status, to):
            continue
        if to in HAPPY_PATH:
            assert HAPPY_PATH.index(to) == HAPPY_PATH.index(status) + 1
        else:
            assert to in TERMINAL
        status = to
    assert status in HAPPY_PATH or status in TERMINAL


@given(start=st.sampled_from([s for s in STATUSES if s not in TERMINAL]))
def test_every_open_status_can_still_reach_an_end(start):
    seen, frontier = {start}, [start]
    while frontier:
        for nxt in ALLOWED[frontier.pop()]:
            if nxt not in seen:
                seen.add(nxt)
                frontier.append(nxt)
    assert "completed" in seen and seen & TERMINAL
