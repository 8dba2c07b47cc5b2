from typing import get_args

import pytest
from hypothesis import given
from hypothesis import strategies as st

from api.routes.places import PlaceKind
from domain.errors import BadRequest
from domain.places.models import PLACE_KINDS, Facility, Place
from domain.places.service import check_coordinates, check_timezone


@pytest.mark.parametrize("name", ["Europe/Paris", "Africa/Cairo", "America/Argentina/Salta", "UTC"])
def test_iana_timezones_are_accepted(name):
    assert check_timezone(name) == name


@pytest.mark.parametrize("name", ["Mars/Olympus", "europe/paris", "+02:00", "", "../etc/passwd"])
def test_anything_else_is_an_invalid_timezone(name):
    with pytest.raises(BadRequest) as caught:
        check_timezone(name)
    assert caught.value.code == "invalid_timezone"


@given(lat=st.floats(-90, 90), lng=st.floats(-180, 180))
def test_coordinates_within_range_are_accepted(lat, lng):
    check_coordinates(lat, lng)


@given(
    lat=st.one_of(
        st.floats(min_value=90, exclude_min=True),
        st.floats(max_value=-90, exclude_max=True),
        st.just(float("nan")),
    ),
)
def test_a_latitude_off_the_globe_is_rejected(lat):
    with pytest.raises(BadRequest) as caught:
        check_coordinates(lat, 0.0)
    assert caught.value.code == "invalid_coordinates"


@pytest.mark.parametrize(("lat", "lng"), [(0.0, 180.5), (0.0, -181.0), (10.0, None), (None, 10.0)])
def test_a_longitude_off_the_globe_or_half_a_pair_is_rejected(lat, lng):
    with pytest.raises(BadRequest) as caught:
        check_coordinates(lat, lng)
    assert caught.value.code == "invalid_coordinates"


def test_a_place_may_have_no_coordinates_at_all():
    check_coordinates(None, None)


def test_places_and_facilities_are_the_same_definition():
    assert Facility is Place
    assert Place.id_prefix == "plac"


def test_the_api_offers_exactly_the_place_kinds_of_the_table():
    assert get_args(PlaceKind) == PLACE_KINDS
