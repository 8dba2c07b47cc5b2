"""Reading tourflow's catalog as OCTO sees it: products, options, units, start times."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, datetime, time

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from domain.availability.models import AvailabilitySlot
from domain.catalog.models import OptionUnit, Product, ProductOption
from domain.octo import errors
from domain.octo.models import OctoProductSettings


@dataclass
class OptionView:
    """An option with its units (in creation order) and local start times."""

    option: ProductOption
    units: list[OptionUnit] = field(default_factory=list)
    start_times: list[time] = field(default_factory=list)


@dataclass
class ProductView:
    """A product with its OCTO settings and options (the first option is the default)."""

    product: Product
    settings: OctoProductSettings | None
    options: list[OptionView] = field(default_factory=list)

    @property
    def availability_type(self) -> str:
        return self.settings.availability_type if self.settings else "START_TIME"

    def option(self, option_id: str) -> OptionView:
        """The option, or INVALID_OPTION_ID."""
        for view in self.options:
            if view.option.id == option_id:
                return view
        raise errors.invalid_option(option_id)

    @property
    def currency(self) -> str:
        for view in self.options:
            for unit in view.units:
                if unit.currency:
                    return unit.currency
        return self.product.default_currency


async def load_products(session: AsyncSession, product_id: str | None = None) -> list[ProductView]:
    """Active products (or one) with settings, options, units and future start times."""
    query = (
        select(Product).where(Product.status == "active").order_by(Product.created_at, Product.id)
    )
    if product_id is not None:
        query = query.where(Product.id == product_id)
    products = list((await session.scalars(query)).all())
    if not products:
        return []
    ids = [p.id for p in products]
    settings = {
        s.product_id: s
        for s in (
            await session.scalars(
                select(OctoProductSettings).where(OctoProductSettings.product_id.in_(ids))
            )
        ).all()
    }
    options = (
        await session.scalars(
            select(ProductOption)
            .where(ProductOption.product_id.in_(ids))
            .order_by(ProductOption.created_at, ProductOption.id)
        )
    ).all()
    units = (
        await session.scalars(
            select(OptionUnit)
            .where(OptionUnit.option_id.in_([o.id for o in options]))
            .order_by(OptionUnit.created_at, OptionUnit.id)
        )
    ).all()
    times = await session.execute(
        select(AvailabilitySlot.option_id, AvailabilitySlot.local_time)
        .where(
            AvailabilitySlot.product_id.in_(ids),
            AvailabilitySlot.starts_at > datetime.now(UTC),
        )
        .distinct()
    )
    by_option: dict[str, set[time]] = defaultdict(set)
    for option_id, local_time in times.all():
        by_option[option_id].add(local_time)
    views = {p.id: ProductView(p, settings.get(p.id)) for p in products}
    option_views: dict[str, OptionView] = {}
    for option in options:
        view = OptionView(option, start_times=sorted(by_option.get(option.id, set())))
        option_views[option.id] = view
        views[option.product_id].options.append(view)
    for unit in units:
        option_views[unit.option_id].units.append(unit)
    # A product without options or units cannot be booked through OCTO.
    return [v for v in views.values() if v.options and all(o.units for o in v.options)]


async def get_product(session: AsyncSession, product_id: str) -> ProductView:
    """One bookable product, or INVALID_PRODUCT_ID."""
    found = await load_products(session, product_id) if product_id else []
    if not found:
        raise errors.invalid_product(product_id)
    return found[0]
