"""Pure channel-push rules: the token bucket, backoff, redaction, Retry-After, windows."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from adapters.channels.http import parse_retry_after
from adapters.channels.redaction import REDACTED, redact_body, redact_headers
from adapters.channels.sim_channel import max_in_window
from domain.channel_push.budget_rules import DEMAND_GRACE, BucketState, available, drain, take
from domain.channel_push.policy import (
    PushPolicy,
    backoff_seconds,
    exhausted,
    held_wait_seconds,
    payload_hash,
)

T0 = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)


def at(seconds: float) -> datetime:
    return T0 + timedelta(seconds=seconds)


def test_a_full_bucket_grants_its_burst_then_makes_callers_wait_one_token_time() -> None:
    state = BucketState(tokens=3, refilled_at=T0)
    granted = 0
    for _ in range(3):
        decision = take(state, now=T0, rps=5, burst=3, klass="availability")
        state = decision.state
        granted += decision.granted
    denied = take(state, now=T0, rps=5, burst=3, klass="availability")
    assert granted == 3
    assert not denied.granted
    assert denied.wait == timedelta(seconds=0.2)


def test_tokens_refill_at_the_live_rate_and_never_beyond_the_live_burst() -> None:
    state = BucketState(tokens=0, refilled_at=T0)
    assert take(state, now=at(0.1), rps=10, burst=5, klass="booking").granted
    refilled = take(state, now=at(100), rps=10, burst=2, klass="booking").state
    assert refilled.tokens == 1.0  # capped at burst 2, one taken


def test_lower_classes_yield_while_a_booking_waits_for_a_token() -> None:
    state = BucketState(tokens=0, refilled_at=T0)
    booking = take(state, now=T0, rps=5, burst=1, klass="booking")
    assert not booking.granted
    assert booking.wait == timedelta(seconds=0.2)
    # The token arrives at 0.2 s; availability asks first but yields to the waiting booking.
    availability = take(booking.state, now=at(0.2), rps=5, burst=1, klass="availability")
    assert not availability.granted
    assert availability.wait > timedelta(0)
    served = take(availability.state, now=at(0.2), rps=5, burst=1, klass="booking")
    assert served.granted
    # The mark lapses a grace after the booking's token was due; then availability goes.
    lapse = (T0 + booking.wait + DEMAND_GRACE - T0).total_seconds()
    assert not take(
        served.state, now=at(lapse - 0.01), rps=5, burst=1, klass="availability"
    ).granted
    after = take(served.state, now=at(lapse + 0.01), rps=5, burst=1, klass="availability")
    assert after.granted


def test_serving_one_waiting_booking_keeps_the_next_token_for_another() -> None:
    empty = BucketState(tokens=0, refilled_at=T0)
    first = take(empty, now=T0, rps=5, burst=1, klass="booking")
    second = take(first.state, now=at(0.01), rps=5, burst=1, klass="booking")
    assert not first.granted and not second.granted
    served = take(second.state, now=at(0.2), rps=5, burst=1, klass="booking")
    assert served.granted
    # The backlog asks at the next token's time, before the second booking comes back.
    backlog = take(served.state, now=at(0.4), rps=5, burst=1, klass="availability")
    assert not backlog.granted
    assert take(backlog.state, now=at(0.4), rps=5, burst=1, klass="booking").granted


def test_tokens_accrue_while_lower_classes_yield_so_none_are_lost_to_a_short_wait() -> None:
    waiting = take(BucketState(tokens=0, refilled_at=T0), now=T0, rps=10, burst=10, klass="booking")
    served = take(waiting.state, now=at(0.1), rps=10, burst=10, klass="booking")
    assert served.granted
    lapse = 0.1 + DEMAND_GRACE.total_seconds() + 0.01
    assert available(served.state, now=at(lapse), rps=10, burst=10, klass="availability") == int(
        (lapse - 0.1) * 10
    )


def test_content_yields_to_waiting_availability_but_availability_never_yields_to_content() -> None:
    state = BucketState(tokens=0, refilled_at=T0)
    content = take(state, now=T0, rps=5, burst=1, klass="content")
    assert not content.granted
    availability = take(content.state, now=at(0.2), rps=5, burst=1, klass="availability")
    assert availability.granted
    waiting = take(BucketState(0, T0), now=T0, rps=5, burst=1, klass="availability").state
    assert not take(waiting, now=at(0.2), rps=5, burst=1, klass="content").granted


def test_a_429_drains_the_bucket_and_blocks_every_class_until_retry_after() -> None:
    state = drain(BucketState(tokens=10, refilled_at=T0), now=T0, retry_after=3)
    assert state.tokens == 0
    blocked = take(state, now=at(2.9), rps=100, burst=10, klass="booking")
    assert not blocked.granted
    assert blocked.wait == timedelta(seconds=0.1)
    # After the block, tokens accrue from the block's end, not from before it.
    after = take(blocked.state, now=at(3.05), rps=100, burst=10, klass="booking")
    assert after.granted
    assert after.state.tokens < 5


def test_backoff_grows_exponentially_up_to_its_cap_and_attempts_run_out() -> None:
    policy = PushPolicy(max_attempts=4, initial_interval_seconds=1, max_interval_seconds=5)
    assert [backoff_seconds(policy, n) for n in (1, 2, 3, 4, 5)] == [1, 2, 4, 5, 5]
    assert not exhausted(policy, 3)
    assert exhausted(policy, 4)


def test_payload_hash_ignores_key_order_and_sees_value_changes() -> None:
    assert payload_hash({"a": 1, "b": [1, 2]}) == payload_hash({"b": [1, 2], "a": 1})
    assert payload_hash({"a": 1}) != payload_hash({"a": 2})


def test_delivery_log_redaction_hides_auth_headers_and_traveller_pii_at_any_depth() -> None:
    headers = redact_headers({"Authorization": "Bearer s3cret", "content-type": "json"})
    body = redact_body(
        {
            "reference": "TF-1",
            "contact": {"first_name": "Ada", "email": "ada@example.com"},
            "items": [{"email": "x@example.com", "pax": 2}],
        }
    )
    assert headers == {"Authorization": REDACTED, "content-type": "json"}
    assert body == {
        "reference": "TF-1",
        "contact": REDACTED,
        "items": [{"email": REDACTED, "pax": 2}],
    }


def test_retry_after_accepts_seconds_and_http_dates_and_ignores_garbage() -> None:
    assert parse_retry_after("3") == 3.0
    assert parse_retry_after("Mon, 01 Jun 2026 12:00:05 GMT", now=T0.timestamp()) == 5.0
    assert parse_retry_after("soon") is None
    assert parse_retry_after(None) is None


def test_max_in_window_counts_the_busiest_one_second_window() -> None:
    assert max_in_window([0.0, 0.5, 0.99, 1.0, 1.5, 3.0]) == 3
    assert max_in_window([]) == 0


def test_a_held_channel_is_re_checked_on_a_doubling_timer_up_to_its_cap() -> None:
    policy = PushPolicy(held_recheck_seconds=60, held_max_seconds=900)
    waits = [held_wait_seconds(policy, n) for n in range(1, 8)]
    assert waits == [60, 120, 240, 480, 900, 900, 900]
    assert held_wait_seconds(policy, 10_000) == 900


def test_available_counts_whole_tokens_and_is_zero_while_blocked_or_yielding() -> None:
    state = BucketState(tokens=2.5, refilled_at=T0)
    assert available(state, now=T0, rps=5, burst=10, klass="availability") == 2
    assert available(state, now=at(1), rps=5, burst=10, klass="availability") == 7
    assert available(state, now=at(60), rps=5, burst=10, klass="availability") == 10
    waiting = BucketState(tokens=3, refilled_at=T0, booking_demand_until=at(1))
    assert available(waiting, now=T0, rps=5, burst=10, klass="availability") == 0
    assert available(waiting, now=T0, rps=5, burst=10, klass="booking") == 3
    blocked = BucketState(tokens=3, refilled_at=T0, blocked_until=at(2))
    assert available(blocked, now=T0, rps=5, burst=10, klass="booking") == 0
