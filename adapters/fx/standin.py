"""A real HTTP FX provider stand-in speaking the adapters.fx.http contract (dev and tests).

`create_app({("EUR", "RON"): {date(2026, 6, 1): "4.9750"}})` serves those rates: the
newest on or before `?date=`, 404 when there is none. `app.state.fail = True` makes
every call a 502, to exercise the resolver's failure path.
"""

from __future__ import annotations

from datetime import date

from fastapi import FastAPI, HTTPException

Rates = dict[tuple[str, str], dict[date, str]]


def create_app(rates: Rates) -> FastAPI:
    app = FastAPI(title="fx stand-in")
    app.state.fail = False
    app.state.calls = 0

    @app.get("/rates/{from_currency}/{to_currency}")
    async def rate(from_currency: str, to_currency: str, date: date) -> dict[str, str]:
        app.state.calls += 1
        if app.state.fail:
            raise HTTPException(502, "upstream down")
        known = rates.get((from_currency, to_currency), {})
        days = [d for d in known if d <= date]
        if not days:
            raise HTTPException(404, "no rate")
        day = max(days)
        return {"rate": known[day], "date": day.isoformat()}

    return app
