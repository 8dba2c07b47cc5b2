"""TypeID identifiers: `<prefix>_<base32 uuidv7>`, stored as text."""

from __future__ import annotations

from typeid import TypeID

from domain.errors import BadRequest


def new_id(prefix: str) -> str:
    """A fresh, k-sortable TypeID string with the given prefix."""
    return str(TypeID(prefix=prefix))


def parse_id(value: str, prefix: str, *, field: str = "id") -> str:
    """Validate that `value` is a TypeID of `prefix`; raise a 400 `invalid_id` otherwise."""
    try:
        parsed = TypeID.from_string(value)
    except Exception as exc:
        raise BadRequest(
            "invalid_id", f"{field} must be a TypeID like '{prefix}_01h...'", field=field
        ) from exc
    if parsed.prefix != prefix:
        raise BadRequest(
            "invalid_id", f"{field} must have prefix '{prefix}', got '{parsed.prefix}'", field=field
        )
    return str(parsed)
