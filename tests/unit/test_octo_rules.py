"""OCTO mapping rules: availability status, allotment view, pricing, times."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

from domain.octo import rules
from domain.octo.rules import Vacancy, allotment_remaining, day_vacancy, vacancy

NOW = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)
LATER = NOW + timedelta(days=1)


def status(**kw: Any) -> Vacancy:
    fields: dict[str, Any] = {
        "slot_status": "open",
        "remaining": 10,
        "capacity": 10,
        "starts_at": LATER,
        "now": NOW,
    }
    fields.update(kw)
    return vacancy(**fields)


def test_a_full_open_slot_is_available_with_its_vacancies():
    assert status() == Vacancy("AVAILABLE", True, 10, 10)


def test_less_than_half_left_is_limited_and_nothing_left_is_sold_out():
    assert status(remaining=4).status == "LIMITED"
    assert status(remaining=5).status == "AVAILABLE"
    assert status(remaining=0) == Vacancy("SOLD_OUT", False, 0, 10)
    assert status(slot_status="sold_out", remaining=0).status == "SOLD_OUT"


def test_unlimited_slots_are_freesale_without_counts():
    assert status(remaining=None, capacity=None) == Vacancy("FREESALE", True, None, None)


def test_closed_cancelled_or_started_slots_are_closed():
    assert status(slot_status="closed").status == "CLOSED"
    assert status(slot_status="cancelled").available is False
    assert status(starts_at=NOW).status == "CLOSED"


def test_an_allotment_shows_unsold_guaranteed_units_capped_by_max():
    assert allotment_remaining(guaranteed=4, sold=1, max_capacity=6) == 3
    assert allotment_remaining(guaranteed=4, sold=3, max_capacity=4) == 1
    assert allotment_remaining(guaranteed=4, sold=5, max_capacity=6) == 0
    assert allotment_remaining(guaranteed=6, sold=2, max_capacity=3) == 1


def test_a_day_is_available_if_any_slot_is_and_closed_without_slots():
    sold_out = Vacancy("SOLD_OUT", False, 0, 10)
    limited = Vacancy("LIMITED", True, 2, 10)
    assert day_vacancy([]).status == "CLOSED"
    assert day_vacancy([sold_out]) == Vacancy("SOLD_OUT", False, 0, 10)
    assert day_vacancy([sold_out, limited]) == Vacancy("LIMITED", True, 2, 20)
    assert day_vacancy([limited, Vacancy("AVAILABLE", True, 9, 10)]).status == "AVAILABLE"
    assert day_vacancy([Vacancy("FREESALE", True, None, None)]).vacancies is None


def test_pricing_uses_minor_units_and_the_currency_precision():
    assert rules.pricing(3500, "EUR") == {
        "original": 3500,
        "retail": 3500,
        "net": None,
        "currency": "EUR",
        "currencyPrecision": 2,
        "includedTaxes": [],
    }
    assert rules.currency_precision("JPY") == 0
    assert rules.currency_precision("KWD") == 3


def test_statuses_units_and_times_map_to_octo():
    assert rules.booking_status("awaiting_payment") == "ON_HOLD"
    assert rules.booking_status("completed") == "REDEEMED"
    assert rules.unit_type("child") == "CHILD"
    assert rules.unit_type("dog") == "OTHER"
    at = datetime(2026, 6, 1, 7, 0, 0, 123, tzinfo=UTC)
    assert rules.local_iso(at, "Europe/Berlin") == "2026-06-01T09:00:00+02:00"
    assert rules.utc_iso(at) == "2026-06-01T07:00:00Z"
    assert rules.day_bounds(date(2026, 6, 1), "Europe/Berlin") == (
        "2026-06-01T00:00:00+02:00",
        "2026-06-02T00:00:00+02:00",
    )
    assert rules.parse_local_date("2026-02-30") is None
