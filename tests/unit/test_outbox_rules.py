from datetime import timedelta

import pytest

from domain.intents.service import IntentSpec
from domain.outbox.relay import retry_delay
from domain.outbox.subscribers import Subscriber


async def _noop(*_):
    return None


def test_retry_delay_doubles_and_caps_at_five_minutes():
    assert [retry_delay(n).total_seconds() for n in (1, 2, 3, 4)] == [1, 2, 4, 8]
    assert retry_delay(30) == timedelta(minutes=5)


def test_subscribers_match_exact_types_and_prefix_patterns():
    sub = Subscriber("s", ("booking.*", "invoice.issued"), _noop)
    assert sub.wants("booking.confirmed")
    assert sub.wants("invoice.issued")
    assert not sub.wants("invoice.voided")
    assert not sub.wants("bookings.confirmed")


def test_start_intents_are_keyed_by_workflow_id_and_signals_need_an_explicit_key():
    start = IntentSpec(workflow_type="W", workflow_id="reserve:qv_1", task_queue="q")
    assert start.idempotency_key() == "start:reserve:qv_1"
    signal = IntentSpec(
        kind="signal", workflow_type="W", workflow_id="x", task_queue="q", signal_name="s"
    )
    with pytest.raises(ValueError, match="explicit idempotency key"):
        signal.idempotency_key()
    assert signal.model_copy(update={"key": "sig:1"}).idempotency_key() == "sig:1"
