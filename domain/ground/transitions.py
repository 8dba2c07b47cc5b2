"""The dispatch state machine, pure: no database, HTTP or Temporal imports.

draft -> scheduled -> assigned -> en_route -> arrived -> picked_up -> completed

- `cancelled` is allowed from every state before passengers are aboard (draft, scheduled,
  assigned, en_route, arrived): once picked up, the trip has to be completed.
- `no_show` is allowed only from `arrived`: the driver is at the pickup and nobody came.
- `completed`, `cancelled` and `no_show` are terminal.
"""

from __future__ import annotations

from collections.abc import Mapping

from domain.errors import Conflict

HAPPY_PATH = ("draft", "scheduled", "assigned", "en_route", "arrived", "picked_up", "completed")
STATUSES = (*HAPPY_PATH, "cancelled", "no_show")
TERMINAL = frozenset({"completed", "cancelled", "no_show"})
# Dispatches in these states no longer hold their vehicle and driver.
RELEASED = frozenset({"cancelled", "no_show"})
# Vehicle and driver may be (re)assigned only before the dispatch is on the road.
ASSIGNABLE = frozenset({"draft", "scheduled", "assigned"})

ALLOWED: Mapping[str, frozenset[str]] = {
    "draft": frozenset({"scheduled", "cancelled"}),
    "scheduled": frozenset({"assigned", "cancelled"}),
    "assigned": frozenset({"en_route", "cancelled"}),
    "en_route": frozenset({"arrived", "cancelled"}),
    "arrived": frozenset({"picked_up", "no_show", "cancelled"}),
    "picked_up": frozenset({"completed"}),
    "completed": frozenset(),
    "cancelled": frozenset(),
    "no_show": frozenset(),
}


def can_transition(current: str, to: str) -> bool:
    """True when a dispatch in `current` may move to `to`."""
    return to in ALLOWED.get(current, frozenset())


def transition(current: str, to: str) -> str:
    """Return `to` if the move is allowed, else raise 409 `invalid_transition`."""
    if not can_transition(current, to):
        raise Conflict(
            "invalid_transition",
            f"a dispatch cannot go from '{current}' to '{to}'",
            **{"from": current, "to": to, "allowed": sorted(ALLOWED.get(current, ()))},
        )
    return to


def is_terminal(status: str) -> bool:
    """True for completed, cancelled and no_show."""
    return status in TERMINAL
