"""Booking-item tax lines: one pure function for the preview and for finalisation.

`compute_tax_line` is the only place a tax amount is computed. The tax preview endpoint
and invoice finalisation (issuing with a tax regime) both call it, so the create-dialog
preview and the stored invoice can never disagree.

Regimes (`tax_regimes.kind`):
- `standard`, `reduced`: tax at the regime's rate.
- `exempt`: no tax; the rate is ignored (recorded as 0).
- `reverse_charge`: the seller charges no tax; the buyer self-assesses it. The line's
  `tax_minor` is 0 and `self_assessed_minor` carries the tax the buyer accounts for.

Modes, for an `amount_minor` (the line's quantity x unit amount, integer minor units):
- `inclusive`: the amount already contains the tax.
  `tax = round(amount - amount / (1 + rate))`, computed exactly as
  `amount * rate / (1 + rate)`; `net = amount - tax`, `gross = amount`.
- `exclusive`: the amount is net. `tax = round(amount * rate)`; `gross = amount + tax`.
  For a reverse-charge line `gross = amount` (nothing is added).

Rates are integer basis points (1900 = 19 %, 550 = 5.5 %). Arithmetic is exact
(`fractions.Fraction`): there is no float anywhere.

Rounding is ROUND_HALF_UP away from zero ("commercial rounding", per line): an exact
tax of 0.5 minor units rounds to 1, of -0.5 to -1, and of 2.5 to 3 (half-even would
give 2). This keeps `tax(-a) == -tax(a)`, so a discount line exactly offsets a
surcharge of the same size, and it matches what EU VAT guidance and most invoicing
systems do per line. Per-line rounding means an invoice's tax is the sum of its
rounded line taxes, never a re-rounded total.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from typing import Literal

from domain.errors import BadRequest

REGIME_KINDS = ("standard", "reduced", "exempt", "reverse_charge")
TAX_MODES = ("inclusive", "exclusive")
MAX_RATE_BPS = 10_000  # 100 %

TaxMode = Literal["inclusive", "exclusive"]


@dataclass(frozen=True, slots=True)
class TaxLine:
    """One line's tax: `net + tax == gross`; `self_assessed_minor` only for reverse charge."""

    regime_kind: str
    mode: str
    rate_bps: int
    amount_minor: int
    net_minor: int
    tax_minor: int
    gross_minor: int
    self_assessed_minor: int = 0


def round_half_up(value: Fraction) -> int:
    """Round to the nearest integer; halves go away from zero (2.5 -> 3, -2.5 -> -3)."""
    sign = -1 if value < 0 else 1
    magnitude = abs(value)
    whole, rest = divmod(magnitude.numerator, magnitude.denominator)
    if 2 * rest >= magnitude.denominator:
        whole += 1
    return sign * whole


def check_rate(kind: str, rate_bps: int) -> int:
    """The effective rate for a regime kind (0 for exempt); 400 on a bad kind or rate."""
    if kind not in REGIME_KINDS:
        raise BadRequest("invalid_tax_regime_kind", f"kind must be one of {REGIME_KINDS}")
    if not 0 <= rate_bps <= MAX_RATE_BPS:
        raise BadRequest("invalid_tax_rate", "rate_bps must be between 0 and 10000")
    if kind in ("standard", "reduced") and rate_bps == 0:
        raise BadRequest("invalid_tax_rate", f"a {kind} regime needs a positive rate")
    return 0 if kind == "exempt" else rate_bps


def inclusive_tax(amount_minor: int, rate_bps: int) -> int:
    """The tax inside a tax-inclusive amount: round(amount - amount / (1 + rate))."""
    return round_half_up(Fraction(amount_minor * rate_bps, MAX_RATE_BPS + rate_bps))


def exclusive_tax(amount_minor: int, rate_bps: int) -> int:
    """The tax on top of a net amount: round(amount x rate)."""
    return round_half_up(Fraction(amount_minor * rate_bps, MAX_RATE_BPS))


def compute_tax_line(*, amount_minor: int, rate_bps: int, kind: str, mode: str) -> TaxLine:
    """The tax line for one amount under a regime kind and a price mode (see module doc)."""
    if mode not in TAX_MODES:
        raise BadRequest("invalid_tax_mode", f"mode must be one of {TAX_MODES}")
    rate = check_rate(kind, rate_bps)
    tax = (
        inclusive_tax(amount_minor, rate)
        if mode == "inclusive"
        else exclusive_tax(amount_minor, rate)
    )
    if kind == "reverse_charge":
        # The seller charges nothing; the buyer self-assesses on the net amount.
        net = amount_minor
        return TaxLine(kind, mode, rate, amount_minor, net, 0, net, exclusive_tax(net, rate))
    if mode == "inclusive":
        return TaxLine(kind, mode, rate, amount_minor, amount_minor - tax, tax, amount_minor)
    return TaxLine(kind, mode, rate, amount_minor, amount_minor, tax, amount_minor + tax)
