"""Every row of the numbering precedence, as a pure rule."""

from datetime import UTC, datetime, timedelta

import pytest

from domain.errors import BadRequest, Conflict, NotFound
from domain.finance.precedence import FromSeries, SeriesView, Supplied, resolve

T0 = datetime(2026, 1, 1, tzinfo=UTC)


def series(sid, *, scope="invoice", active=True, default=False, age=0):
    return SeriesView(
        id=sid, scope=scope, active=active, is_default=default, updated_at=T0 + timedelta(age)
    )


def choose(*, supplied=None, series_id=None, requested=None, candidates=(), scope="invoice"):
    return resolve(
        scope=scope,
        supplied_number=supplied,
        series_id=series_id,
        requested=requested,
        candidates=list(candidates),
    )


def test_row_1_a_supplied_number_wins_over_a_series_and_a_default():
    got = choose(supplied="X-1", series_id="invs_a", candidates=[series("d", default=True)])
    assert got == Supplied("X-1")


def test_row_2_the_requested_series_wins_over_the_default():
    got = choose(
        series_id="invs_a",
        requested=series("invs_a"),
        candidates=[series("d", default=True)],
    )
    assert got == FromSeries("invs_a", "requested")


def test_row_2_an_unknown_requested_series_is_a_404():
    with pytest.raises(NotFound) as caught:
        choose(series_id="invs_missing")
    assert caught.value.code == "series_not_found"


def test_row_2_an_inactive_requested_series_is_a_409():
    with pytest.raises(Conflict) as caught:
        choose(series_id="a", requested=series("a", active=False))
    assert caught.value.code == "series_inactive"


def test_row_2_a_requested_series_of_another_scope_is_a_400():
    with pytest.raises(BadRequest) as caught:
        choose(series_id="a", requested=series("a", scope="proforma"))
    assert caught.value.code == "series_scope_mismatch"


def test_row_3_the_active_default_series_of_the_scope_is_used():
    got = choose(
        candidates=[
            series("newer", age=5),
            series("default", default=True, age=1),
            series("other-scope-default", scope="proforma", default=True, age=9),
        ]
    )
    assert got == FromSeries("default", "default")


def test_row_3_without_a_default_the_most_recently_updated_active_series_is_used():
    got = choose(
        candidates=[
            series("old", age=1),
            series("newest-but-inactive", active=False, age=9),
            series("inactive-default", active=False, default=True, age=3),
            series("recent", age=5),
        ]
    )
    assert got == FromSeries("recent", "latest")


def test_row_4_no_active_series_for_the_scope_is_a_409():
    with pytest.raises(Conflict) as caught:
        choose(
            scope="credit_note",
            candidates=[
                series("inv", default=True),
                series("cn", scope="credit_note", active=False),
            ],
        )
    assert caught.value.code == "no_active_series_for_scope"
    assert caught.value.details == {"scope": "credit_note"}
