"""Push retry policy and the pure rules around it (backoff, abandon, payload hash)."""

from __future__ import annotations

import hashlib
import json
from typing import Any

from pydantic import BaseModel, Field

# Availability for a slot without a capacity limit (channels want a number).
UNLIMITED_AVAILABLE = 9999
ABANDONED_EVENT = "channel.push.abandoned"


class PushPolicy(BaseModel):
    """Exponential retries with a cap; after `max_attempts` failed attempts: abandoned."""

    max_attempts: int = Field(default=12, ge=1)
    initial_interval_seconds: float = Field(default=2.0, gt=0)
    max_interval_seconds: float = Field(default=300.0, gt=0)
    backoff: float = Field(default=2.0, ge=1.0)
    # A paused / archived / unconnected channel is not pushed: work stays pending and is
    # re-checked after this long (doubling for a booking push, up to `held_max_seconds`).
    held_recheck_seconds: float = Field(default=60.0, gt=0)
    held_max_seconds: float = Field(default=900.0, gt=0)


def held_wait_seconds(policy: PushPolicy, checks: int) -> float:
    """Wait before re-checking a held channel after `checks` (1-based) held answers."""
    raw = policy.held_recheck_seconds * 2.0 ** min(max(checks - 1, 0), 16)
    return min(raw, max(policy.held_max_seconds, policy.held_recheck_seconds))


def backoff_seconds(policy: PushPolicy, attempts: int) -> float:
    """Delay before the next attempt after `attempts` failed ones (1-based), capped."""
    raw = policy.initial_interval_seconds * policy.backoff ** max(attempts - 1, 0)
    return min(raw, policy.max_interval_seconds)


def exhausted(policy: PushPolicy, attempts: int) -> bool:
    """True when no attempt is left."""
    return attempts >= policy.max_attempts


def payload_hash(payload: Any) -> str:
    """sha256 of the canonical JSON of `payload` (content dedupe, push-state audit)."""
    canonical = json.dumps(payload, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()
