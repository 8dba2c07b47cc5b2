"""Pure allocation-resource rules: the slot manifest and the per-resource capacity check.

Both the read side (the manifest's `available`) and the write side (the booking guard)
count DISTINCT travellers per resource through `ResourceLine.assigned`, so the number a
storefront shows and the guard that refuses a booking never disagree.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass, field


@dataclass(frozen=True, slots=True)
class ResourceLine:
    """One resource of a slot and the travellers already assigned to it."""

    id: str
    kind: str
    label: str
    capacity: int
    travellers: frozenset[str] = frozenset()

    @property
    def assigned(self) -> int:
        """Distinct travellers assigned."""
        return len(self.travellers)

    @property
    def available(self) -> int:
        """Places left (never negative)."""
        return max(0, self.capacity - self.assigned)


@dataclass(frozen=True, slots=True)
class KindLine:
    """Totals of one resource kind on a slot."""

    kind: str
    capacity: int
    assigned: int
    available: int


@dataclass(frozen=True, slots=True)
class Manifest:
    """A slot's allocation resources."""

    slot_id: str
    resources: tuple[ResourceLine, ...] = field(default_factory=tuple)

    @property
    def kinds(self) -> list[KindLine]:
        """Per-kind capacity, assigned and available, sorted by kind."""
        totals: dict[str, list[int]] = {}
        for r in self.resources:
            t = totals.setdefault(r.kind, [0, 0, 0])
            t[0] += r.capacity
            t[1] += r.assigned
            t[2] += r.available
        return [KindLine(k, *v) for k, v in sorted(totals.items())]


@dataclass(frozen=True, slots=True)
class Violation:
    """A resource the request would oversell."""

    code: str
    kind: str
    resource_id: str
    capacity: int
    existing_assigned: int
    requested: int

    def as_dict(self) -> dict[str, object]:
        """JSON-ready form used in error details."""
        return {
            "code": self.code,
            "kind": self.kind,
            "resource_id": self.resource_id,
            "capacity": self.capacity,
            "existing_assigned": self.existing_assigned,
            "requested": self.requested,
        }


def validate_slot_allocation_capacity(
    manifest: Manifest, request: Mapping[str, Collection[str]]
) -> list[Violation]:
    """Violations of placing `request` (resource id -> travellers) on the slot.

    Travellers named anywhere in the request are being re-planned: their existing
    assignments on this slot are not counted, so saving the same plan twice passes.
    Unknown resource ids are reported as `resource_not_on_slot`.
    """
    replanned = {t for travellers in request.values() for t in travellers}
    by_id = {r.id: r for r in manifest.resources}
    violations = []
    for resource_id, travellers in sorted(request.items()):
        line = by_id.get(resource_id)
        wanted = set(travellers)
        if line is None:
            violations.append(Violation("resource_not_on_slot", "", resource_id, 0, 0, len(wanted)))
            continue
        others = line.travellers - replanned
        if len(others) + len(wanted) > line.capacity:
            violations.append(
                Violation(
                    "resource_capacity_exhausted",
                    line.kind,
                    line.id,
                    line.capacity,
                    len(others),
                    len(wanted),
                )
            )
    return violations
