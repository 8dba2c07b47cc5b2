"""The OCTO reseller: the demo reseller (`tourflow demo-reseller-key`) books the day's
afternoon walk over the OCTO API, reserve then confirm, as a reseller's system would."""

from __future__ import annotations

import uuid
from typing import Any

from tourflow.demo.context import DemoContext, DemoError

CAPABILITIES = "octo/pricing"
RESELLER = "Demo reseller (OCTO)"


async def reseller(ctx: DemoContext) -> None:
    """The demo reseller's channel and principal (the OCTO module's own demo seed), and a
    fresh key for it, made in the database as `tourflow demo-reseller-key` does."""
    from domain.db import unit_of_work
    from tourflow.demo_octo import demo_reseller_key
    from tourflow.runtime import resolve_runtime

    existed = any(c["name"] == RESELLER for c in await ctx.get("/v1/channels", kind="reseller"))
    async with resolve_runtime(ctx.settings) as rt, unit_of_work(rt.session_factory) as session:
        ctx.seeded["octo_key"] = await demo_reseller_key(session)
    ctx.record("seed: OCTO reseller", f"{RESELLER} with an octo:book key ({int(not existed)} new)")


async def reseller_reservation(ctx: DemoContext) -> None:
    """Reserve two adults on the walk at 15:00 over OCTO, then confirm with the guest's
    contact. The booking's uuid derives from the day, so a retried run replays it."""
    assert ctx.day is not None
    walk, _ = ctx.seeded["products"]
    headers = {
        "Authorization": f"Bearer {ctx.seeded['octo_key']}",
        "Octo-Capabilities": CAPABILITIES,
    }

    async def octo(method: str, path: str, body: Any = None) -> Any:
        resp = await ctx.api.request(method, path, json=body, headers=headers)
        if resp.status_code >= 400:
            raise DemoError(f"OCTO {method} {path} answered {resp.status_code}: {resp.text[:200]}")
        return resp.json()

    option = walk["option_id"]
    slots = await octo(
        "POST",
        "/octo/availability",
        {
            "productId": walk["product_id"],
            "optionId": option,
            "localDateStart": ctx.day.isoformat(),
            "localDateEnd": ctx.day.isoformat(),
        },
    )
    afternoon = walk["slots"]["15:00"]["id"]
    slot = next((s for s in slots if s["id"] == afternoon), None)
    if slot is None or not slot["available"]:
        raise DemoError(f"OCTO does not offer the 15:00 walk on {ctx.day}: {slot}")
    adult = walk["units"]["Adult"][0]
    booking_uuid = str(uuid.uuid5(uuid.NAMESPACE_URL, f"tourflow-demo:{ctx.day}:octo"))
    reference = f"DR-{ctx.day:%Y%m%d}-01"
    await octo(
        "POST",
        "/octo/bookings",
        {
            "uuid": booking_uuid,
            "productId": walk["product_id"],
            "optionId": option,
            "availabilityId": afternoon,
            "unitItems": [{"unitId": adult}, {"unitId": adult}],
            "resellerReference": reference,
            "notes": "booked through the demo reseller",
        },
    )
    confirmed = await octo(
        "POST",
        f"/octo/bookings/{booking_uuid}/confirm",
        {
            "resellerReference": reference,
            "contact": {"fullName": "Noah Williams", "emailAddress": "noah@example.com"},
        },
    )
    if confirmed["status"] != "CONFIRMED":
        raise DemoError(f"OCTO booking {booking_uuid} is {confirmed['status']} after confirm")
    booking: dict[str, Any] = await ctx.get(f"/v1/bookings/{confirmed['id']}")
    ctx.bookings[booking["id"]] = booking["status"]
    ctx.checks["octo"] = {"uuid": booking_uuid, "booking_id": booking["id"]}
    ctx.record(
        "OCTO reseller",
        f"{RESELLER} reserved and confirmed 2 adults on the 15:00 walk over OCTO "
        f"({reference}); booking {booking['number']} {booking['status']} "
        f"EUR {booking['sell_total_minor'] / 100:.2f}",
        uuid=booking_uuid,
        booking=booking["id"],
    )
