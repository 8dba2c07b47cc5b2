"""The rate table (manual rates by date) and the default resolver that reads it."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from sqlalchemy import case, or_, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql.elements import ColumnElement

from domain.errors import BadRequest, Conflict
from domain.finance import fx
from domain.finance.fx_models import FxRate
from domain.money import check_currency


async def record_rate(
    session: AsyncSession,
    *,
    from_currency: str,
    to_currency: str,
    rate: Decimal,
    rate_date: date,
    source: str = "manual",
) -> FxRate:
    """Insert, or correct, the rate for (pair, date, source); the last write wins."""
    check_currency(from_currency)
    check_currency(to_currency)
    if from_currency == to_currency:
        raise BadRequest("invalid_fx_pair", "an FX rate needs two different currencies")
    value = fx.check_rate(rate)
    row = FxRate(
        from_currency=from_currency,
        to_currency=to_currency,
        rate=value,
        rate_date=rate_date,
        source=source,
    )
    stmt = (
        insert(FxRate)
        .values(
            id=row.id,
            from_currency=from_currency,
            to_currency=to_currency,
            rate=value,
            rate_date=rate_date,
            source=source,
        )
        .on_conflict_do_update(
            index_elements=["from_currency", "to_currency", "rate_date", "source"],
            set_={"rate": value},
        )
        .returning(FxRate.id)
    )
    rate_id = await session.scalar(stmt)
    return await session.get_one(FxRate, rate_id, populate_existing=True)


def source_rank() -> ColumnElement[int]:
    """0, 1 ... in `fx.SOURCE_ORDER`; unknown sources after them."""
    return case(
        {src: n for n, src in enumerate(fx.SOURCE_ORDER)},
        value=FxRate.source,
        else_=len(fx.SOURCE_ORDER),
    )


class TableRateResolver:
    """The default resolver: the newest table rate on or before the date.

    A direct row (from -> to) wins over an inverted one (to -> from) of the same date;
    among sources of one date, `fx.SOURCE_ORDER` decides, then the source name (the
    profitability SQL ranks them the same way).
    """

    source_filter: str | None

    def __init__(self, source: str | None = None) -> None:
        self.source_filter = source

    async def resolve(
        self, session: AsyncSession, *, from_currency: str, to_currency: str, on: date
    ) -> fx.FxQuote | None:
        direct = (FxRate.from_currency == from_currency) & (FxRate.to_currency == to_currency)
        inverse = (FxRate.from_currency == to_currency) & (FxRate.to_currency == from_currency)
        stmt = (
            select(FxRate)
            .where(or_(direct, inverse), FxRate.rate_date <= on)
            .order_by(
                FxRate.rate_date.desc(),
                (FxRate.from_currency == from_currency).desc(),
                source_rank(),
                FxRate.source,
            )
            .limit(1)
        )
        if self.source_filter:
            stmt = stmt.where(FxRate.source == self.source_filter)
        row = await session.scalar(stmt)
        if row is None:
            return None
        rate = row.rate if row.from_currency == from_currency else fx.invert(row.rate)
        return fx.FxQuote(from_currency, to_currency, rate, row.rate_date, row.source)


async def resolve_quote(
    session: AsyncSession,
    resolver: fx.ExchangeRateResolver,
    *,
    from_currency: str,
    to_currency: str,
    on: date,
) -> fx.FxQuote:
    """A quote for the pair (identity for one currency); 409 `fx_rate_unavailable` if none."""
    if from_currency == to_currency:
        return fx.FxQuote(from_currency, to_currency, Decimal(1), on, "identity")
    quote = await resolver.resolve(
        session, from_currency=from_currency, to_currency=to_currency, on=on
    )
    if quote is None:
        raise Conflict(
            "fx_rate_unavailable",
            f"no {from_currency}->{to_currency} rate on or before {on.isoformat()}",
            from_currency=from_currency,
            to_currency=to_currency,
            on=on.isoformat(),
        )
    return quote
