"""Pure CSV exports: one row per occupant, UTF-8 with a BOM (Excel), and a totals row."""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from dataclasses import dataclass

from domain.availability.allocation import Manifest

BOM = "\ufeff"


@dataclass(frozen=True, slots=True)
class Occupant:
    """A traveller placed in a resource, with the booking that brought them."""

    traveller_ref: str
    booking_ref: str | None
    resource_id: str
    kind: str
    label: str


def _csv(header: Sequence[str], rows: Sequence[Sequence[object]]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows(rows)
    return BOM + out.getvalue()


def rooming_list_csv(manifest: Manifest, occupants: Sequence[Occupant]) -> str:
    """Rooming list: each resource's occupants, one row each; totals per resources/occupants."""
    ordered = sorted(occupants, key=lambda o: (o.kind, o.label, o.traveller_ref))
    rows: list[list[object]] = [
        [o.kind, o.label, o.resource_id, o.traveller_ref, o.booking_ref or ""] for o in ordered
    ]
    used = {o.resource_id for o in ordered}
    rows.append(
        ["TOTAL", f"{len(used)} of {len(manifest.resources)} resources", "", len(ordered), ""]
    )
    return _csv(["kind", "resource", "resource_id", "traveller", "booking"], rows)


def passenger_csv(slot_id: str, occupants: Sequence[Occupant]) -> str:
    """Passenger list: one row per distinct traveller with every resource they occupy."""
    by_traveller: dict[str, list[Occupant]] = {}
    for o in occupants:
        by_traveller.setdefault(o.traveller_ref, []).append(o)
    rows: list[list[object]] = []
    for traveller, places in sorted(by_traveller.items()):
        bookings = sorted({p.booking_ref for p in places if p.booking_ref})
        rows.append(
            [
                slot_id,
                traveller,
                ";".join(bookings),
                ";".join(sorted(f"{p.kind}:{p.label}" for p in places)),
            ]
        )
    rows.append(["TOTAL", len(by_traveller), "", ""])
    return _csv(["slot", "traveller", "booking", "resources"], rows)
