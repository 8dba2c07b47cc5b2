"""An exchange-rate resolver over HTTP.

Contract: `GET {base_url}/rates/{FROM}/{TO}?date=YYYY-MM-DD` answers 200 with
`{"rate": "4.9750", "date": "2026-06-01"}` (rate as a decimal string), or 404 when the
provider has no rate. Anything else raises `Unavailable` (503 `fx_provider_unavailable`),
so a caller's transaction rolls back instead of storing a guess.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal, InvalidOperation

import httpx
from sqlalchemy.ext.asyncio import AsyncSession

from domain.errors import BadRequest, Unavailable
from domain.finance import fx


class HttpRateResolver:
    """Resolve rates from an HTTP provider; the session argument is unused."""

    def __init__(self, base_url: str, *, timeout: float = 5.0, source: str = "http") -> None:
        self.base_url = base_url.rstrip("/")
        self.timeout = timeout
        self.source = source

    async def resolve(
        self, session: AsyncSession, *, from_currency: str, to_currency: str, on: date
    ) -> fx.FxQuote | None:
        url = f"{self.base_url}/rates/{from_currency}/{to_currency}"
        try:
            async with httpx.AsyncClient(timeout=self.timeout) as client:
                response = await client.get(url, params={"date": on.isoformat()})
        except httpx.HTTPError as exc:
            raise Unavailable("fx_provider_unavailable", f"FX provider unreachable: {exc}") from exc
        if response.status_code == 404:
            return None
        if response.status_code != 200:
            raise Unavailable(
                "fx_provider_unavailable", f"FX provider answered {response.status_code}"
            )
        try:
            body = response.json()
            rate = fx.check_rate(Decimal(str(body["rate"])))
            rate_date = date.fromisoformat(body.get("date") or on.isoformat())
        except (ValueError, KeyError, TypeError, InvalidOperation, BadRequest) as exc:
            raise Unavailable("fx_provider_unavailable", "FX provider sent a bad body") from exc
        return fx.FxQuote(from_currency, to_currency, rate, rate_date, self.source)
