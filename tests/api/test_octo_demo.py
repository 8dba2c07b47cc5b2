"""The OCTO demo seed: idempotent, bookable, and its reseller key works."""

from __future__ import annotations

from sqlalchemy import func, select

from domain.availability.models import AvailabilitySlot
from domain.catalog.models import Product
from domain.db import unit_of_work
from tourflow.demo_octo import demo_reseller_key, seed_octo_demo


async def test_the_demo_seed_is_idempotent_and_its_reseller_key_books_nothing_but_octo(
    http, session_factory
):
    async with unit_of_work(session_factory) as session:
        first = await seed_octo_demo(session)
    async with unit_of_work(session_factory) as session:
        key = await demo_reseller_key(session)  # seeds again, then issues a key
        products = await session.scalar(select(func.count()).select_from(Product))
        slots = await session.scalar(select(func.count()).select_from(AvailabilitySlot))
    assert products == 2 and slots == 60 * 3 + 1
    headers = {"Authorization": f"Bearer {key}", "Octo-Capabilities": ""}
    listed = (await http.get("/octo/products", headers=headers)).json()
    assert {p["availabilityType"] for p in listed} == {"START_TIME", "OPENING_HOURS"}
    tour = next(p for p in listed if p["id"] == first.tour_product_id)
    body = {
        "productId": tour["id"],
        "optionId": tour["options"][0]["id"],
        "availabilityIds": [first.sold_out_slot_id],
    }
    sold_out = (await http.post("/octo/availability", json=body, headers=headers)).json()
    assert sold_out[0]["status"] == "SOLD_OUT"
    assert (await http.get("/v1/bookings", headers=headers)).status_code == 403
