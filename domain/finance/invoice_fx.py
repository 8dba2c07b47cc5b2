"""Invoice FX enrichment at issue: base currency, rate, commission, effective rate, mention."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from sqlalchemy.ext.asyncio import AsyncSession

from domain.finance import fx
from domain.finance.fx_rates import TableRateResolver, resolve_quote
from domain.finance.invoice_models import Invoice
from domain.money import check_currency
from tourflow.settings import Settings


@dataclass
class InvoiceFxSettings:
    """How issue enriches cross-currency invoices (`invoiceFxSettings` in the spec)."""

    base_currency: str
    commission_bps: int = 0
    mention: str | None = None
    resolver: fx.ExchangeRateResolver = field(default_factory=TableRateResolver)


def resolver_for(settings: Settings) -> fx.ExchangeRateResolver:
    """The configured resolver: HTTP when `fx_provider_url` is set, else the rate table."""
    if settings.fx_provider_url:
        from adapters.fx.http import HttpRateResolver

        return HttpRateResolver(settings.fx_provider_url)
    return TableRateResolver()


def settings_for(settings: Settings) -> InvoiceFxSettings | None:
    """The invoice FX settings, or None when enrichment is off."""
    if not settings.invoice_fx_enabled:
        return None
    return InvoiceFxSettings(
        base_currency=check_currency(settings.base_currency),
        commission_bps=settings.invoice_fx_commission_bps,
        mention=settings.invoice_fx_mention,
        resolver=resolver_for(settings),
    )


async def prefetch_quote(
    session: AsyncSession, invoice_id: str, config: InvoiceFxSettings | None, *, on: date
) -> fx.FxQuote | None:
    """The quote issuing this draft will need, resolved BEFORE the invoice row is locked
    (an HTTP provider is never called under a lock). None when no FX applies; a draft's
    currency never changes, so reading it unlocked is safe. 409 `fx_rate_unavailable`.
    """
    if config is None:
        return None
    invoice = await session.get(Invoice, invoice_id)
    if invoice is None or invoice.status != "draft" or invoice.currency == config.base_currency:
        return None
    return await resolve_quote(
        session,
        config.resolver,
        from_currency=invoice.currency,
        to_currency=config.base_currency,
        on=on,
    )


async def enrich_issue(
    session: AsyncSession,
    invoice: Invoice,
    config: InvoiceFxSettings | None,
    *,
    on: date,
    quote: fx.FxQuote | None = None,
) -> dict[str, object]:
    """Store FX provenance on a locked invoice being issued; the `invoice.issued` extras.

    Nothing happens for an invoice already in the base currency or without settings.
    `quote` comes from `prefetch_quote` (resolved before the lock); without one the
    resolver is asked here. No rate on or before `on` is a 409 `fx_rate_unavailable`
    and the issue rolls back.
    """
    if config is None or invoice.currency == config.base_currency:
        return {}
    if quote is None:
        quote = await resolve_quote(
            session,
            config.resolver,
            from_currency=invoice.currency,
            to_currency=config.base_currency,
            on=on,
        )
    enriched = fx.enrich_invoice(
        total_minor=invoice.total_minor,
        currency=invoice.currency,
        quote=quote,
        commission_bps=config.commission_bps,
        mention=config.mention,
    )
    invoice.fx_base_currency = enriched.base_currency
    invoice.fx_rate = enriched.rate
    invoice.fx_rate_date = enriched.rate_date
    invoice.fx_source = enriched.source
    invoice.fx_commission_bps = enriched.commission_bps
    invoice.fx_effective_rate = enriched.effective_rate
    invoice.fx_base_total_minor = enriched.base_total_minor
    invoice.fx_mention = enriched.mention
    return enriched.payload()
