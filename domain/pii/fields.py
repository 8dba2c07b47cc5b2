"""Pure rules for travel details: the field set, merge on update, snapshot gap filling."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

FIELDS = (
    "document_type",
    "document_number",
    "document_issuing_country",
    "document_expires_on",
    "nationality",
    "date_of_birth",
    "dietary_needs",
    "accessibility_needs",
)


def empty() -> dict[str, Any]:
    """Every field, unset."""
    return dict.fromkeys(FIELDS)


def merge(existing: Mapping[str, Any], changes: Mapping[str, Any]) -> dict[str, Any]:
    """Apply an update: an omitted field is kept, an explicit None clears it."""
    unknown = set(changes) - set(FIELDS)
    if unknown:
        raise ValueError(f"unknown travel-detail fields: {sorted(unknown)}")
    merged = {name: existing.get(name) for name in FIELDS}
    merged.update(changes)
    return merged


def fill_gaps(
    merged: Mapping[str, Any], explicit: set[str], snapshot: Mapping[str, Any]
) -> tuple[dict[str, Any], list[str]]:
    """Fill fields that are still empty and were not explicitly given from a snapshot.

    Explicit input always wins, including an explicit None (the caller cleared it on
    purpose). Returns the result and the names of the fields the snapshot filled.
    """
    result = dict(merged)
    filled = []
    for name in FIELDS:
        value = snapshot.get(name)
        if name not in explicit and result.get(name) is None and value is not None:
            result[name] = value
            filled.append(name)
    return result, filled
