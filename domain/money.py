"""Money: integer minor units plus an ISO-4217 currency code. Never floats."""

from __future__ import annotations

import re
from dataclasses import dataclass

from domain.errors import BadRequest

_CURRENCY = re.compile(r"^[A-Z]{3}$")


def check_currency(code: str) -> str:
    """Return `code` if it looks like ISO-4217 (three upper-case letters), else raise."""
    if not _CURRENCY.match(code):
        raise BadRequest("invalid_currency", f"currency must be an ISO-4217 code, got {code!r}")
    return code


@dataclass(frozen=True, slots=True)
class Money:
    """An amount in minor units (cents) of one currency."""

    amount_minor: int
    currency: str

    def __post_init__(self) -> None:
        if not isinstance(self.amount_minor, int) or isinstance(self.amount_minor, bool):
            raise BadRequest("invalid_amount", "amount must be an integer number of minor units")
        check_currency(self.currency)

    def __add__(self, other: Money) -> Money:
        self._same_currency(other)
        return Money(self.amount_minor + other.amount_minor, self.currency)

    def __sub__(self, other: Money) -> Money:
        self._same_currency(other)
        return Money(self.amount_minor - other.amount_minor, self.currency)

    def _same_currency(self, other: Money) -> None:
        if other.currency != self.currency:
            raise BadRequest(
                "currency_mismatch", f"cannot combine {self.currency} with {other.currency}"
            )
