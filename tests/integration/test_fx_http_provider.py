"""The HTTP exchange-rate resolver against a real HTTP stand-in (uvicorn on a free port)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import date
from decimal import Decimal

import pytest
import uvicorn

from adapters.fx.http import HttpRateResolver
from adapters.fx.standin import create_app
from domain.db import unit_of_work
from domain.errors import Unavailable
from domain.finance import invoices
from domain.finance.invoice_fx import InvoiceFxSettings
from domain.finance.invoice_models import Invoice
from tests.support.finance import draft, reload
from tourflow.embedded import free_port

RATES = {("EUR", "RON"): {date(2026, 6, 1): "4.9750", date(2026, 7, 1): "5.0100"}}


@asynccontextmanager
async def served(app) -> AsyncIterator[str]:
    port = free_port()
    server = uvicorn.Server(
        uvicorn.Config(app, host="127.0.0.1", port=port, log_config=None, lifespan="off")
    )
    task = asyncio.create_task(server.serve())
    while not server.started:
        await asyncio.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        await task


async def test_http_rates_are_resolved_and_missing_ones_are_none(session_factory):
    async with served(create_app(RATES)) as url, session_factory() as session:
        resolver = HttpRateResolver(url)
        quote = await resolver.resolve(
            session, from_currency="EUR", to_currency="RON", on=date(2026, 6, 30)
        )
        missing = await resolver.resolve(
            session, from_currency="EUR", to_currency="USD", on=date(2026, 6, 30)
        )
    assert quote is not None
    assert (quote.rate, quote.rate_date, quote.source) == (
        Decimal("4.975"),
        date(2026, 6, 1),
        "http",
    )
    assert missing is None


async def test_issue_enriches_through_the_http_provider_and_fails_cleanly_when_down(
    session_factory,
):
    app = create_app(RATES)
    async with served(app) as url:
        fx = InvoiceFxSettings(base_currency="RON", resolver=HttpRateResolver(url))
        ok = await draft(session_factory)
        async with unit_of_work(session_factory) as session:
            await invoices.issue_invoice(
                session,
                invoice_id=ok.id,
                spec=invoices.IssueSpec(
                    invoice_number="T-HTTP-1", issue_date=date(2026, 7, 2), fx=fx
                ),
            )
        app.state.fail = True
        down = await draft(session_factory)
        with pytest.raises(Unavailable) as err:
            async with unit_of_work(session_factory) as session:
                await invoices.issue_invoice(
                    session,
                    invoice_id=down.id,
                    spec=invoices.IssueSpec(invoice_number="T-HTTP-2", fx=fx),
                )
    assert err.value.code == "fx_provider_unavailable"
    issued = await reload(session_factory, Invoice, ok.id)
    assert (issued.fx_rate, issued.fx_source, issued.fx_base_total_minor) == (
        Decimal("5.01"),
        "http",
        50_100,
    )
    untouched = await reload(session_factory, Invoice, down.id)
    assert (untouched.status, untouched.number) == ("draft", None)
