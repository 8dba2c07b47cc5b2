"""Pure mapping of a Relationships person document onto travel-detail fields.

A person document is free-form JSON. We read the field names tourflow uses, their
camelCase forms, a few common aliases, and a nested identity document (`identity_document`,
`identityDocument` or `passport`). Anything else is ignored; values are validated by the
caller exactly like explicit input.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

_TOP = {
    "date_of_birth": ("date_of_birth", "dateOfBirth", "birth_date", "birthDate"),
    "nationality": ("nationality", "citizenship"),
    "dietary_needs": ("dietary_needs", "dietaryNeeds", "dietary_requirements", "dietary"),
    "accessibility_needs": ("accessibility_needs", "accessibilityNeeds", "accessibility"),
    "document_type": ("document_type", "documentType"),
    "document_number": ("document_number", "documentNumber", "passport_number"),
    "document_issuing_country": ("document_issuing_country", "documentIssuingCountry"),
    "document_expires_on": ("document_expires_on", "documentExpiresOn"),
}
_DOCUMENT = {
    "document_type": ("type", "kind"),
    "document_number": ("number",),
    "document_issuing_country": ("issuing_country", "issuingCountry", "country"),
    "document_expires_on": ("expires_on", "expiresOn", "expiry_date", "expiryDate"),
}


def _first(doc: Mapping[str, Any], names: tuple[str, ...]) -> Any:
    for name in names:
        if doc.get(name) is not None:
            return doc[name]
    return None


def from_person_document(doc: Mapping[str, Any]) -> dict[str, Any]:
    """The travel-detail values a person document offers (absent ones omitted)."""
    values = {field: _first(doc, names) for field, names in _TOP.items()}
    nested = _first(doc, ("identity_document", "identityDocument", "passport"))
    if isinstance(nested, Mapping):
        for field, names in _DOCUMENT.items():
            if values[field] is None:
                values[field] = _first(nested, names)
        if values["document_type"] is None and "passport" in doc:
            values["document_type"] = "passport"
    return {k: v for k, v in values.items() if v is not None}
