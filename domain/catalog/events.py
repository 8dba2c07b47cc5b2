"""Catalog events: what other modules (channel content push) learn about product changes."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from domain.catalog.models import Product
from domain.outbox.record import record_event

# Anything channels see of a product changed: the product, one of its options or units.
PRODUCT_CHANGED = "catalog.product.changed"


async def lock_product(session: AsyncSession, product_id: str) -> None:
    """Lock the product row (its events get `seq` in commit order); loaded objects and
    their pending changes are left as they are."""
    await session.execute(select(Product.id).where(Product.id == product_id).with_for_update())


async def product_changed(session: AsyncSession, product_id: str) -> None:
    """Lock the product and record `catalog.product.changed` in the caller's transaction."""
    await lock_product(session, product_id)
    record_event(
        session,
        aggregate_type="product",
        aggregate_id=product_id,
        event_type=PRODUCT_CHANGED,
        payload={"product_id": product_id},
    )
