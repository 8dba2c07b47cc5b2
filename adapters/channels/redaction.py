"""Redaction for the outbound delivery log: auth headers and traveller PII never stored."""

from __future__ import annotations

from typing import Any

REDACTED = "[redacted]"
SECRET_HEADERS = frozenset(
    {"authorization", "proxy-authorization", "x-api-key", "api-key", "cookie", "set-cookie"}
)
PII_KEYS = frozenset(
    {
        "first_name",
        "last_name",
        "full_name",
        "firstname",
        "lastname",
        "email",
        "email_address",
        "phone",
        "phone_number",
        "mobile",
        "date_of_birth",
        "dob",
        "passport",
        "passport_number",
        "document_number",
        "address",
        "address_line1",
        "address_line2",
        "tax_id",
        "traveller",
        "travellers",
        "contact",
        "lead_traveller",
    }
)


def redact_headers(headers: dict[str, str]) -> dict[str, str]:
    """Headers with secrets replaced (names compared case-insensitively)."""
    return {k: (REDACTED if k.lower() in SECRET_HEADERS else v) for k, v in headers.items()}


def redact_body(value: Any) -> Any:
    """A copy of a JSON value with PII keys' values replaced, at any depth."""
    if isinstance(value, dict):
        return {
            k: (REDACTED if str(k).lower() in PII_KEYS and v is not None else redact_body(v))
            for k, v in value.items()
        }
    if isinstance(value, list):
        return [redact_body(v) for v in value]
    return value
