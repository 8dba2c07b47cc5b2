"""Reusable request-field types: bounded, NUL-free text that the database will accept."""

from __future__ import annotations

import json
from typing import Annotated, Any, ClassVar

from pydantic import AfterValidator, BaseModel, StringConstraints, model_validator


def _no_nul(value: str) -> str:
    # PostgreSQL text cannot hold NUL; reject it here (422) instead of failing at the driver.
    if "\x00" in value:
        raise ValueError("must not contain NUL characters")
    return value


def _json_without_nul(value: dict[str, Any]) -> dict[str, Any]:
    if "\\u0000" in json.dumps(value):
        raise ValueError("must not contain NUL characters")
    return value


Name = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=1, max_length=200),
    AfterValidator(_no_nul),
]
Ref = Annotated[str, StringConstraints(min_length=1, max_length=90), AfterValidator(_no_nul)]
Short = Annotated[str, StringConstraints(min_length=1, max_length=32), AfterValidator(_no_nul)]
Medium = Annotated[str, StringConstraints(min_length=1, max_length=64), AfterValidator(_no_nul)]
LongText = Annotated[str, StringConstraints(max_length=4000), AfterValidator(_no_nul)]
JsonObject = Annotated[dict[str, Any], AfterValidator(_json_without_nul)]


class Patch(BaseModel):
    """A partial update: absent fields stay; `null` is accepted only for nullable ones."""

    not_null: ClassVar[frozenset[str]] = frozenset()

    @model_validator(mode="after")
    def _nulls_only_where_allowed(self) -> Patch:
        for field in self.model_fields_set & self.not_null:
            if getattr(self, field) is None:
                raise ValueError(f"{field} cannot be null")
        return self

    def changes(self) -> dict[str, Any]:
        """The fields the caller sent."""
        return self.model_dump(exclude_unset=True)
