from datetime import UTC, date, datetime, time

import pytest
from hypothesis import given
from hypothesis import strategies as st

from domain.availability.recurrence import (
    RuleSpec,
    closed_dates,
    expand_dates,
    normalise_rrule,
    occurrences,
)
from domain.errors import BadRequest


def spec(rrule, dtstart=date(2026, 1, 1), times=(time(9, 0),), tz="UTC", **kw):
    return RuleSpec(rrule=rrule, dtstart=dtstart, start_times=times, timezone=tz, **kw)


YEAR = (date(2026, 1, 1), date(2026, 12, 31))


def test_weekly_byday_with_interval():
    dates = expand_dates(
        spec("FREQ=WEEKLY;INTERVAL=2;BYDAY=MO,FR"), date(2026, 1, 1), date(2026, 1, 31)
    )
    assert dates == [
        date(2026, 1, 2),
        date(2026, 1, 12),
        date(2026, 1, 16),
        date(2026, 1, 26),
        date(2026, 1, 30),
    ]


def test_monthly_ordinal_byday_first_monday():
    dates = expand_dates(spec("FREQ=MONTHLY;BYDAY=1MO"), date(2026, 1, 1), date(2026, 4, 30))
    assert dates == [date(2026, 1, 5), date(2026, 2, 2), date(2026, 3, 2), date(2026, 4, 6)]


def test_bysetpos_last_weekday_of_the_month():
    dates = expand_dates(
        spec("FREQ=MONTHLY;BYDAY=MO,TU,WE,TH,FR;BYSETPOS=-1"), date(2026, 1, 1), date(2026, 3, 31)
    )
    assert dates == [date(2026, 1, 30), date(2026, 2, 27), date(2026, 3, 31)]


def test_bymonthday_and_yearly():
    assert expand_dates(
        spec("FREQ=MONTHLY;BYMONTHDAY=15,-1"), date(2026, 2, 1), date(2026, 2, 28)
    ) == [date(2026, 2, 15), date(2026, 2, 28)]
    assert expand_dates(
        spec("FREQ=YEARLY;BYMONTH=12;BYMONTHDAY=24", dtstart=date(2025, 1, 1)), *YEAR
    ) == [date(2026, 12, 24)]


def test_count_counts_from_dtstart_not_from_the_window():
    rule = spec("FREQ=DAILY;COUNT=5", dtstart=date(2026, 1, 1))
    assert expand_dates(rule, date(2026, 1, 3), date(2026, 1, 31)) == [
        date(2026, 1, 3),
        date(2026, 1, 4),
        date(2026, 1, 5),
    ]


@pytest.mark.parametrize("until", ["20260104", "20260104T235959Z", "20260104T235959"])
def test_until_as_date_or_date_time(until):
    assert expand_dates(spec(f"FREQ=DAILY;UNTIL={until}"), *YEAR)[-1] == date(2026, 1, 4)


def test_exdate_removes_and_rdate_adds_dates():
    rule = spec("FREQ=WEEKLY;BYDAY=SA", exdates=[date(2026, 1, 10)], rdates=[date(2026, 1, 7)])
    assert expand_dates(rule, date(2026, 1, 1), date(2026, 1, 20)) == [
        date(2026, 1, 3),
        date(2026, 1, 7),
        date(2026, 1, 17),
    ]


def test_nothing_before_dtstart():
    assert expand_dates(
        spec("FREQ=DAILY", dtstart=date(2026, 6, 1), rdates=[date(2026, 5, 1)]),
        date(2026, 5, 1),
        date(2026, 6, 2),
    ) == [date(2026, 6, 1), date(2026, 6, 2)]


def test_several_start_times_make_several_slots_per_day():
    occ = occurrences(spec("FREQ=DAILY;COUNT=2", times=(time(14, 0), time(9, 30))), *YEAR)
    assert [(o.local_date, o.local_time) for o in occ] == [
        (date(2026, 1, 1), time(9, 30)),
        (date(2026, 1, 1), time(14, 0)),
        (date(2026, 1, 2), time(9, 30)),
        (date(2026, 1, 2), time(14, 0)),
    ]


def test_slots_across_a_dst_change_keep_their_local_time():
    # Europe/Berlin springs forward on 2026-03-29: 09:00 is 08:00Z before, 07:00Z after.
    occ = occurrences(spec("FREQ=DAILY", tz="Europe/Berlin"), date(2026, 3, 28), date(2026, 3, 30))
    assert [o.starts_at for o in occ] == [
        datetime(2026, 3, 28, 8, 0, tzinfo=UTC),
        datetime(2026, 3, 29, 7, 0, tzinfo=UTC),
        datetime(2026, 3, 30, 7, 0, tzinfo=UTC),
    ]


def test_a_nonexistent_local_time_is_read_with_the_offset_before_the_gap():
    # New York skips 02:00-03:00 on 2026-03-08; 02:30 EST (-5) = 07:30Z = 03:30 EDT.
    [occ] = occurrences(
        spec(
            "FREQ=DAILY;COUNT=1",
            dtstart=date(2026, 3, 8),
            times=(time(2, 30),),
            tz="America/New_York",
        ),
        *YEAR,
    )
    assert occ.starts_at == datetime(2026, 3, 8, 7, 30, tzinfo=UTC)
    assert occ.local_time == time(2, 30)


def test_an_ambiguous_local_time_means_its_first_occurrence():
    # New York repeats 01:00-02:00 on 2026-11-01; the first 01:30 is EDT (-4) = 05:30Z.
    [occ] = occurrences(
        spec(
            "FREQ=DAILY;COUNT=1",
            dtstart=date(2026, 11, 1),
            times=(time(1, 30),),
            tz="America/New_York",
        ),
        *YEAR,
    )
    assert occ.starts_at == datetime(2026, 11, 1, 5, 30, tzinfo=UTC)


def test_closed_dates_are_skipped():
    closed = closed_dates([(date(2026, 1, 2), date(2026, 1, 3))], *YEAR)
    occ = occurrences(spec("FREQ=DAILY;COUNT=4"), *YEAR, closed=closed)
    assert [o.local_date.day for o in occ] == [1, 4]


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("FREQ=DAILY;BYHOUR=9", "BYHOUR"),
        ("INTERVAL=2", "FREQ"),
        ("FREQ=SOMETIMES", "invalid RRULE"),
        ("FREQ=DAILY;DTSTART=20260101", "DTSTART"),
    ],
)
def test_invalid_rules_are_refused_with_a_clear_reason(text, fragment):
    with pytest.raises(BadRequest) as err:
        normalise_rrule(text)
    assert err.value.code == "invalid_rrule" and fragment in err.value.message


def test_an_unknown_timezone_is_refused():
    with pytest.raises(BadRequest) as err:
        occurrences(spec("FREQ=DAILY;COUNT=1", tz="Mars/Olympus"), *YEAR)
    assert err.value.code == "invalid_timezone"


@given(
    start=st.dates(min_value=date(2025, 1, 1), max_value=date(2027, 12, 31)),
    days=st.integers(min_value=0, max_value=120),
    split=st.integers(min_value=0, max_value=120),
)
def test_expanding_a_window_in_two_parts_equals_expanding_it_at_once(start, days, split):
    from datetime import timedelta

    rule = spec("FREQ=WEEKLY;BYDAY=TU,SA", dtstart=date(2025, 1, 1))
    end = start + timedelta(days=days)
    mid = start + timedelta(days=min(split, days))
    whole = expand_dates(rule, start, end)
    parts = expand_dates(rule, start, mid) + expand_dates(rule, mid + timedelta(days=1), end)
    assert whole == parts
    assert all(d.weekday() in (1, 5) for d in whole)
