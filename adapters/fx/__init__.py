"""Pluggable HTTP exchange-rate providers (see domain.finance.fx.ExchangeRateResolver)."""
