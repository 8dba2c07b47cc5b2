"""FX rules (pure): converting minor units between currencies, commission, the mention.

A rate says how many units of `to_currency` one unit of `from_currency` buys
(EUR->RON 4.9750 means 1 EUR = 4.9750 RON). Conversions work on major units, so
currencies with different minor-unit exponents (JPY 0, EUR 2, KWD 3) convert
correctly, and round half up away from zero to the target's minor unit, like tax.

Invoice FX provenance (`enrich_invoice`): the provider rate, the operator's FX
commission in basis points, the effective rate `rate x (1 + bps / 10000)` (kept to
RATE_PLACES decimals) and the base-currency total at the effective rate.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction
from typing import Protocol

from sqlalchemy.ext.asyncio import AsyncSession

from domain.errors import BadRequest
from domain.finance.tax import round_half_up

RATE_PLACES = Decimal("0.0000000001")  # matches NUMERIC(20, 10)
MAX_COMMISSION_BPS = 5_000
# When several sources have a rate for one pair and date: this order, then by name.
# TableRateResolver and the profitability SQL both rank sources so (one answer).
SOURCE_ORDER = ("manual", "http")
# ISO-4217 exponents that differ from 2; everything else has 2 minor digits.
EXPONENTS = {
    "BHD": 3, "CLP": 0, "ISK": 0, "JOD": 3, "JPY": 0, "KRW": 0, "KWD": 3, "OMR": 3,
    "PYG": 0, "TND": 3, "UGX": 0, "VND": 0, "XAF": 0, "XOF": 0, "XPF": 0,
}  # fmt: skip


@dataclass(frozen=True, slots=True)
class FxQuote:
    """A resolved rate: 1 `from_currency` = `rate` `to_currency`, as of `rate_date`."""

    from_currency: str
    to_currency: str
    rate: Decimal
    rate_date: date
    source: str


class ExchangeRateResolver(Protocol):
    """Anything that can price one currency in another on a date (table, HTTP ...)."""

    async def resolve(
        self, session: AsyncSession, *, from_currency: str, to_currency: str, on: date
    ) -> FxQuote | None:
        """The rate in force on `on`, or None when the provider has none."""
        ...


@dataclass(frozen=True, slots=True)
class InvoiceFx:
    """FX provenance stored on an issued invoice and carried in `invoice.issued`."""

    base_currency: str
    rate: Decimal
    rate_date: date
    source: str
    commission_bps: int
    effective_rate: Decimal
    base_total_minor: int
    mention: str | None

    def payload(self) -> dict[str, object]:
        """The JSON form for events and responses (rates as strings, never floats)."""
        return {
            "base_currency": self.base_currency,
            "fx_rate": str(self.rate),
            "fx_rate_date": self.rate_date.isoformat(),
            "fx_source": self.source,
            "fx_commission_bps": self.commission_bps,
            "fx_effective_rate": str(self.effective_rate),
            "base_total_minor": self.base_total_minor,
            "fx_mention": self.mention,
        }


def exponent(currency: str) -> int:
    """The number of minor-unit digits of an ISO-4217 currency."""
    return EXPONENTS.get(currency, 2)


def check_rate(rate: Decimal) -> Decimal:
    """A positive, finite rate quantised to RATE_PLACES; 400 `invalid_fx_rate` otherwise."""
    if not rate.is_finite() or rate <= 0 or rate >= Decimal(10) ** 10:
        raise BadRequest("invalid_fx_rate", "an FX rate must be positive and below 1e10")
    quantised = rate.quantize(RATE_PLACES, rounding=ROUND_HALF_UP)
    if quantised <= 0:
        raise BadRequest("invalid_fx_rate", "the FX rate is too small")
    return quantised


def invert(rate: Decimal) -> Decimal:
    """1 / rate, quantised."""
    return (Decimal(1) / rate).quantize(RATE_PLACES, rounding=ROUND_HALF_UP)


def convert(amount_minor: int, from_currency: str, to_currency: str, rate: Decimal) -> int:
    """`amount_minor` of `from_currency` in minor units of `to_currency` at `rate`."""
    exact = (
        Fraction(amount_minor)
        * Fraction(rate)
        * Fraction(10) ** (exponent(to_currency) - exponent(from_currency))
    )
    return round_half_up(exact)


def effective_rate(rate: Decimal, commission_bps: int) -> Decimal:
    """The provider rate marked up by the commission: rate x (1 + bps / 10000)."""
    if not 0 <= commission_bps <= MAX_COMMISSION_BPS:
        raise BadRequest("invalid_fx_commission", "fx commission must be 0..5000 bps")
    marked = rate * (Decimal(1) + Decimal(commission_bps) / Decimal(10_000))
    return marked.quantize(RATE_PLACES, rounding=ROUND_HALF_UP)


def enrich_invoice(
    *,
    total_minor: int,
    currency: str,
    quote: FxQuote,
    commission_bps: int,
    mention: str | None,
) -> InvoiceFx:
    """The FX provenance of an invoice of `total_minor` `currency` in `quote.to_currency`."""
    effective = effective_rate(quote.rate, commission_bps)
    return InvoiceFx(
        base_currency=quote.to_currency,
        rate=quote.rate,
        rate_date=quote.rate_date,
        source=quote.source,
        commission_bps=commission_bps,
        effective_rate=effective,
        base_total_minor=convert(total_minor, currency, quote.to_currency, effective),
        mention=mention,
    )
