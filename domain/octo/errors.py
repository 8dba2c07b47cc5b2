"""OCTO errors: HTTP 400 with `error`, `errorMessage` and the offending id field."""

from __future__ import annotations

from typing import Any


class OctoError(Exception):
    """An OCTO error code (INVALID_PRODUCT_ID, UNPROCESSABLE_ENTITY, ...) and its id fields."""

    status = 400

    def __init__(self, code: str, message: str, **fields: Any) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.fields = fields

    def body(self) -> dict[str, Any]:
        """The JSON body OCTO specifies."""
        return {"error": self.code, "errorMessage": self.message, **self.fields}


def bad_request(message: str) -> OctoError:
    return OctoError("BAD_REQUEST", message)


def invalid_product(product_id: str) -> OctoError:
    return OctoError(
        "INVALID_PRODUCT_ID", "The Product ID was invalid or missing", productId=product_id
    )


def invalid_option(option_id: str) -> OctoError:
    return OctoError(
        "INVALID_OPTION_ID", "The Option ID was invalid or missing", optionId=option_id
    )


def invalid_unit(unit_id: str) -> OctoError:
    return OctoError("INVALID_UNIT_ID", "The Unit ID was invalid or missing", unitId=unit_id)


def invalid_availability(availability_id: str) -> OctoError:
    return OctoError(
        "INVALID_AVAILABILITY_ID",
        "The Availability ID was invalid or missing",
        availabilityId=availability_id,
    )


def invalid_booking(uuid: str) -> OctoError:
    return OctoError("INVALID_BOOKING_UUID", "The Booking UUID was invalid or missing", uuid=uuid)


def unprocessable(message: str) -> OctoError:
    return OctoError("UNPROCESSABLE_ENTITY", message)
