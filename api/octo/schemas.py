"""OCTO request bodies. Parsed inside the routes so malformed input is an OCTO BAD_REQUEST."""

from __future__ import annotations

import json
from typing import Any, TypeVar

from fastapi import Request
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from domain.octo import bookings
from domain.octo.errors import bad_request

M = TypeVar("M", bound=BaseModel)


class _In(BaseModel):
    model_config = ConfigDict(extra="ignore")


class ContactIn(_In):
    fullName: str | None = Field(default=None, max_length=200)  # noqa: N815
    firstName: str | None = Field(default=None, max_length=100)  # noqa: N815
    lastName: str | None = Field(default=None, max_length=100)  # noqa: N815
    emailAddress: str | None = Field(default=None, max_length=320)  # noqa: N815
    phoneNumber: str | None = Field(default=None, max_length=40)  # noqa: N815
    locales: list[str] = Field(default_factory=list, max_length=20)
    postalCode: str | None = Field(default=None, max_length=20)  # noqa: N815
    country: str | None = Field(default=None, max_length=2)
    notes: str | None = Field(default=None, max_length=2000)


class UnitItemIn(_In):
    unitId: str = Field(max_length=90)  # noqa: N815
    uuid: str | None = Field(default=None, max_length=64)
    resellerReference: str | None = Field(default=None, max_length=200)  # noqa: N815
    contact: ContactIn | None = None


class AvailabilityIn(_In):
    productId: str = Field(default="", max_length=90)  # noqa: N815
    optionId: str = Field(default="", max_length=90)  # noqa: N815
    localDateStart: str | None = Field(default=None, max_length=10)  # noqa: N815
    localDateEnd: str | None = Field(default=None, max_length=10)  # noqa: N815
    localDate: str | None = Field(default=None, max_length=10)  # noqa: N815
    availabilityIds: list[str] | None = Field(default=None, max_length=500)  # noqa: N815
    units: list[dict[str, Any]] | None = None
    currency: str | None = None


class BookingIn(_In):
    uuid: str | None = Field(default=None, max_length=64)
    productId: str | None = Field(default=None, max_length=90)  # noqa: N815
    optionId: str | None = Field(default=None, max_length=90)  # noqa: N815
    availabilityId: str | None = Field(default=None, max_length=90)  # noqa: N815
    expirationMinutes: int | None = None  # noqa: N815
    notes: str | None = Field(default=None, max_length=4000)
    unitItems: list[UnitItemIn] | None = Field(default=None, max_length=500)  # noqa: N815
    resellerReference: str | None = Field(default=None, max_length=200)  # noqa: N815
    contact: ContactIn | None = None
    currency: str | None = None

    def reservation(self) -> bookings.Reservation:
        """The domain request; `fields_set` says which keys the reseller actually sent."""
        names = {
            "productId": "product_id",
            "optionId": "option_id",
            "availabilityId": "availability_id",
            "unitItems": "unit_items",
            "resellerReference": "reseller_reference",
            "notes": "notes",
        }
        items = None
        if self.unitItems is not None:
            items = [
                bookings.UnitItemIn(
                    unit_id=i.unitId,
                    uuid=i.uuid,
                    reseller_reference=i.resellerReference,
                    contact=i.contact.model_dump() if i.contact else None,
                )
                for i in self.unitItems
            ]
        return bookings.Reservation(
            product_id=self.productId,
            option_id=self.optionId,
            availability_id=self.availabilityId,
            unit_items=items,
            uuid=self.uuid,
            reseller_reference=self.resellerReference,
            notes=self.notes,
            contact=self.contact.model_dump(exclude_unset=True) if self.contact else None,
            expiration_minutes=self.expirationMinutes,
            fields_set={names[k] for k in self.model_fields_set if k in names},
        )


class CancelIn(_In):
    reason: str | None = Field(default=None, max_length=2000)
    force: bool = False


class ExtendIn(_In):
    expirationMinutes: int | None = None  # noqa: N815


async def parse(request: Request, model: type[M], *, required: bool = True) -> M:
    """The JSON body as `model`; an empty body is `{}` unless required. BAD_REQUEST otherwise."""
    raw = await request.body()
    if not raw.strip():
        if required:
            raise bad_request("a JSON body is required")
        return model()
    try:
        data = json.loads(raw)
    except ValueError as exc:
        raise bad_request("the body is not valid JSON") from exc
    if not isinstance(data, dict):
        raise bad_request("the body must be a JSON object")
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first.get("loc", ()))
        raise bad_request(f"{where}: {first.get('msg', 'invalid')}") from exc
