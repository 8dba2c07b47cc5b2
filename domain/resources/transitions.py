"""Pure rules of program resource holds: the lifecycle, pickups and the cutoff release.

No database, HTTP or Temporal imports: workflows, services and unit tests use these freely.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from domain.errors import BadRequest, Conflict

HOLD_KINDS = ("room", "space")
HOLD_STATUSES = ("inquiry", "held", "confirmed", "released", "cancelled", "expired")

# inquiry -> held -> confirmed -> released, with cancel and expiry on the way.
ALLOWED: dict[str, frozenset[str]] = {
    "inquiry": frozenset({"held", "cancelled", "expired"}),
    "held": frozenset({"confirmed", "released", "cancelled", "expired"}),
    "confirmed": frozenset({"released", "cancelled"}),
    "released": frozenset(),
    "cancelled": frozenset(),
    "expired": frozenset(),
}
PICKABLE = frozenset({"held", "confirmed"})
TERMINAL = frozenset(status for status, targets in ALLOWED.items() if not targets)


def transition(current: str, target: str) -> str:
    """Return `target` if a hold may go from `current` to it; else 409 `invalid_transition`."""
    if target not in ALLOWED.get(current, frozenset()):
        raise Conflict(
            "invalid_transition",
            f"a hold cannot go from '{current}' to '{target}'",
            **{"from": current, "to": target},
        )
    return target


@dataclass(frozen=True)
class DateQuantities:
    """The counters of one hold date."""

    held: int
    picked_up: int = 0
    released: int = 0

    @property
    def remaining(self) -> int:
        """Units still available for pickup."""
        return self.held - self.picked_up - self.released


def remaining(*, held: int, picked_up: int, released: int) -> int:
    """Units of one date still available for pickup."""
    return DateQuantities(held, picked_up, released).remaining


def check_pickup(*, status: str, quantities: DateQuantities, quantity: int) -> int:
    """Validate a pickup of `quantity` units; returns what remains after it."""
    if status not in PICKABLE:
        raise Conflict(
            "hold_not_pickable", f"a hold in status '{status}' takes no pickups", status=status
        )
    if quantity > quantities.remaining:
        raise BadRequest(
            "pickup_exceeds_remaining",
            f"only {quantities.remaining} unit(s) remain, {quantity} requested",
            remaining=quantities.remaining,
            requested=quantity,
        )
    return quantities.remaining - quantity


@dataclass(frozen=True)
class CutoffPlan:
    """What the cutoff does: units to release per date (in the given order) and the status."""

    old_status: str
    new_status: str
    releases: tuple[int, ...]

    @property
    def is_noop(self) -> bool:
        """True when the cutoff changes nothing."""
        return self.new_status == self.old_status and not any(self.releases)


def plan_cutoff(*, status: str, dates: Iterable[DateQuantities]) -> CutoffPlan:
    """Release every unpicked unit; an unconfirmed hold expires, a confirmed one stays.

    Terminal holds (cancelled, released, expired) are left alone, so running the cutoff
    twice, or after a cancellation, changes nothing.
    """
    quantities = tuple(dates)
    if status in TERMINAL:
        return CutoffPlan(old_status=status, new_status=status, releases=(0,) * len(quantities))
    new_status = status if status == "confirmed" else transition(status, "expired")
    return CutoffPlan(
        old_status=status, new_status=new_status, releases=tuple(q.remaining for q in quantities)
    )
