"""Route-boundary redaction of contact PII.

Callers without the `pii:reveal` scope get masked email, phone, names, tax ids and
address lines in any response model, nested models and lists included. Workflow
principals see everything, and so does internal code: it never passes through here.
Use `redact(value, principal)` on a route's return value, or depend on `Redactor`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any, TypeVar, cast

from fastapi import Depends
from pydantic import BaseModel

from api.deps import PrincipalDep
from domain.auth.keys import has_scope
from domain.auth.service import AuthenticatedPrincipal

REVEAL_SCOPE = "pii:reveal"
UNREDACTED_KINDS = frozenset({"workflow"})
MASK = "***"
T = TypeVar("T")


def mask_email(value: str) -> str:
    """`j***@***.com`: first letter and top-level domain only."""
    local, at, domain = value.partition("@")
    if not at:
        return MASK
    tld = domain.rsplit(".", 1)[1] if "." in domain else ""
    return f"{local[:1]}{MASK}@{MASK}" + (f".{tld}" if tld else "")


def mask_phone(value: str) -> str:
    """`***67`: the last two digits of a plausible number, else nothing."""
    digits = [c for c in value if c.isdigit()]
    return MASK + "".join(digits[-2:]) if len(digits) >= 6 else MASK


def mask_name(value: str) -> str:
    """`J***`: the initial only."""
    value = value.strip()
    return f"{value[:1]}{MASK}" if value else value


def mask_all(value: str) -> str:
    """Nothing survives (tax ids, address lines)."""
    return MASK if value else value


MASKERS: dict[str, Callable[[str], str]] = {
    **dict.fromkeys(("email", "buyer_email", "contact_email", "bill_to_email"), mask_email),
    **dict.fromkeys(("phone", "buyer_phone", "contact_phone", "mobile"), mask_phone),
    **dict.fromkeys(
        ("first_name", "last_name", "full_name", "buyer_name", "contact_name", "bill_to_name"),
        mask_name,
    ),
    **dict.fromkeys(
        (
            "tax_id",
            "vat_id",
            "buyer_tax_id",
            "address_line1",
            "address_line2",
            "address_line_1",
            "address_line_2",
            "address_lines",
            "street",
        ),
        mask_all,
    ),
}


def can_reveal(principal: AuthenticatedPrincipal) -> bool:
    """True for workflows and for callers holding `pii:reveal`."""
    return principal.kind in UNREDACTED_KINDS or has_scope(principal.scopes, REVEAL_SCOPE)


def _masked(name: str, value: Any) -> Any:
    masker = MASKERS.get(name)
    if masker is not None and isinstance(value, str):
        return masker(value)
    if masker is not None and isinstance(value, list):
        return [masker(v) if isinstance(v, str) else v for v in value]
    return _mask(value)


def _mask(value: Any) -> Any:
    if isinstance(value, BaseModel):
        updates = {name: _masked(name, getattr(value, name)) for name in type(value).model_fields}
        return value.model_copy(update=updates)
    if isinstance(value, list):
        return [_mask(v) for v in value]
    if isinstance(value, tuple):
        return tuple(_mask(v) for v in value)
    if isinstance(value, dict):
        return {k: _masked(k, v) if isinstance(k, str) else v for k, v in value.items()}
    return value


def redact(value: T, principal: AuthenticatedPrincipal) -> T:
    """`value` with contact PII masked unless `principal` may see it (a copy; never mutates)."""
    if can_reveal(principal):
        return value
    return cast(T, _mask(value))


def get_redactor(principal: PrincipalDep) -> Callable[[Any], Any]:
    """A dependency form of `redact`, bound to the request's principal."""

    def apply(value: Any) -> Any:
        return redact(value, principal)

    return apply


Redactor = Annotated[Callable[[Any], Any], Depends(get_redactor)]
