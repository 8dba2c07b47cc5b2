"""Pure approval rules: which principal kinds need approval for which booking actions,
and the canonical command and fingerprint an Idempotency-Key is bound to.

Policy text (TOURFLOW_APPROVAL_POLICY): comma-separated `kind:action` rules, e.g.
`agent:cancel,agent:override,workflow:*`. Kinds are agent or workflow (or `*` for both);
actions are booking status verbs or `override` (or `*`).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

KINDS = ("agent", "workflow")
# The status each verb moves to (as the bookings routes map them); `override` takes its
# target from the command.
VERB_TARGETS = {
    "confirm": "confirmed",
    "cancel": "cancelled",
    "start": "in_progress",
    "complete": "completed",
    "expire": "expired",
    "hold": "on_hold",
    "await-payment": "awaiting_payment",
}
ACTIONS = (*VERB_TARGETS, "override")


@dataclass(frozen=True)
class Policy:
    """The parsed rules."""

    rules: tuple[tuple[str, str], ...] = ()

    def rule_for(self, kind: str, action: str) -> str | None:
        """The first rule requiring approval of `action` by a principal of `kind`, if any."""
        if kind not in KINDS:
            return None
        for rule_kind, rule_action in self.rules:
            if rule_kind in ("*", kind) and rule_action in ("*", action):
                return f"{rule_kind}:{rule_action}"
        return None


@lru_cache(maxsize=16)
def parse_policy(text: str) -> Policy:
    """Parse policy text; raises ValueError naming the bad rule."""
    rules = []
    for raw in text.split(","):
        rule = raw.strip()
        if not rule:
            continue
        kind, sep, action = rule.partition(":")
        if not sep or kind not in (*KINDS, "*") or action not in (*ACTIONS, "*"):
            raise ValueError(
                f"approval policy rule {rule!r} must be <agent|workflow|*>:<action|*>"
                f" with action one of {', '.join(ACTIONS)}"
            )
        rules.append((kind, action))
    return Policy(tuple(rules))


@dataclass(frozen=True)
class Command:
    """A booking mutation as the ledger compares it: action, booking and parameters."""

    action: str
    booking_id: str
    params: tuple[tuple[str, Any], ...] = ()

    def canonical(self) -> dict[str, Any]:
        """The JSON form stored on the requested action and compared at execution."""
        return {
            "action": f"booking.{self.action}",
            "booking_id": self.booking_id,
            "params": dict(self.params),
        }


def fingerprint(command: Mapping[str, Any], policy_inputs: Mapping[str, Any]) -> str:
    """SHA-256 of the canonical command and policy inputs (key order does not matter)."""
    canonical = json.dumps(
        {"command": command, "policy": policy_inputs}, sort_keys=True, separators=(",", ":")
    )
    return hashlib.sha256(canonical.encode()).hexdigest()
