"""Day steps: what happens on one operating day. Each step records its summary line."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

import httpx

from tourflow.demo.context import DemoContext, DemoError

TRAVELLERS = [
    ("Sofia", "Almeida"),
    ("Lukas", "Becker"),
    ("Emma", "Dubois"),
    ("Hiro", "Tanaka"),
    ("Olivia", "Smith"),
    ("Mateo", "García"),
]
# Planned cost per traveller (guide share, or minibus and tickets): the booking's cost
# snapshot, which departure profitability compares with the supplier's actual invoice.
PLANNED_COST_MINOR = {"Lisbon Old Town Walk": 1200, "Sintra & Cascais Day Trip": 4000}


def _ref(ctx: DemoContext, what: str) -> str:
    assert ctx.day is not None
    return f"demo:{ctx.day.isoformat()}:{what}"


async def choose_day(ctx: DemoContext) -> None:
    """The first day from tomorrow that no earlier run drove, with its slots generated.

    The rules' SlotHorizon workflows generate the horizon in the background; the day's own
    slots are generated here too (idempotent), so a run never waits for the whole horizon
    and days past it work as well.
    """
    first = datetime.now(UTC).date() + timedelta(days=1)
    day = first
    while day in ctx.used_days:
        day += timedelta(days=1)
    ctx.day = day
    for product in ctx.seeded["products"]:
        await ctx.post(
            f"/v1/availability/rules/{product['rule_id']}/generate",
            {"from": day.isoformat(), "to": day.isoformat()},
        )
        rows: list[dict[str, Any]] = await ctx.get(
            "/v1/availability/slots",
            product_id=product["product_id"],
            start=day.isoformat(),
            end=day.isoformat(),
        )
        slots = {s["local_time"][:5]: s for s in rows if s["local_date"] == day.isoformat()}
        missing = set(product["spec"]["start_times"]) - slots.keys()
        if missing:
            raise DemoError(f"{product['spec']['name']} has no slot at {sorted(missing)} on {day}")
        product["slots"] = slots
    ctx.record("day", f"driving {day.isoformat()} (earlier demo days: {len(ctx.used_days)})")


def _item(product: dict[str, Any], time: str, unit: str, qty: int) -> dict[str, Any]:
    unit_id, price = product["units"][unit]
    return {
        "kind": "unit",
        "description": f"{product['spec']['name']} {time}, {unit}",
        "sell_amount_minor": price,  # per unit: the item's value is quantity x this
        "sell_currency": "EUR",
        "cost_amount_minor": PLANNED_COST_MINOR[product["spec"]["name"]],
        "cost_currency": "EUR",
        "product_id": product["product_id"],
        "option_id": product["option_id"],
        "unit_id": unit_id,
        "slot_id": product["slots"][time]["id"],
        "quantity": qty,
        "pax": qty,
    }


def _travellers(n: int, offset: int) -> list[dict[str, Any]]:
    people = [TRAVELLERS[(offset + i) % len(TRAVELLERS)] for i in range(n)]
    return [
        {"first_name": first, "last_name": last, "is_lead": i == 0}
        for i, (first, last) in enumerate(people)
    ]


async def _book(
    ctx: DemoContext, what: str, items: list[dict[str, Any]], status: str, offset: int
) -> dict[str, Any]:
    pax = sum(i["pax"] for i in items)
    lead = TRAVELLERS[offset % len(TRAVELLERS)]
    body = {
        "currency": "EUR",
        "status": status,
        "items": items,
        "travellers": _travellers(pax, offset),
        "buyer": {"name": f"{lead[0]} {lead[1]}", "email": f"{lead[0].lower()}@example.com"},
        "origin": {"kind": "direct"},
        "external_ref": _ref(ctx, what),
    }
    booking: dict[str, Any] = await ctx.post("/v1/bookings", body, key=_ref(ctx, what))
    return booking


async def direct_bookings(ctx: DemoContext) -> None:
    """Three confirmed direct bookings across both products."""
    walk, trip = ctx.seeded["products"]
    made = [
        await _book(ctx, "direct-1", [_item(walk, "09:30", "Adult", 2)], "confirmed", 0),
        await _book(
            ctx,
            "direct-2",
            [_item(walk, "15:00", "Adult", 2), _item(walk, "15:00", "Child", 1)],
            "confirmed",
            2,
        ),
        await _book(ctx, "direct-3", [_item(trip, "08:30", "Adult", 4)], "confirmed", 3),
    ]
    for n, b in enumerate(made, start=1):
        ctx.bookings[b["id"]] = "confirmed"
        ctx.made[f"direct-{n}"] = b
    total = sum(b["sell_total_minor"] for b in made)
    ctx.record(
        "direct bookings",
        f"{len(made)} confirmed, EUR {total / 100:.2f}",
        **{b["number"]: b["id"] for b in made},
    )


async def deposit_confirms_hold(ctx: DemoContext) -> None:
    """A held booking pays a 30 % deposit at the simulated processor and gets confirmed."""
    assert ctx.day is not None
    _, trip = ctx.seeded["products"]
    booking = await _book(ctx, "deposit", [_item(trip, "08:30", "Adult", 2)], "on_hold", 4)
    bid = booking["id"]
    today = datetime.now(UTC).date()
    await ctx.post(
        f"/v1/finance/bookings/{bid}/payment-schedule",
        {
            "deposit_percent": 30,
            "deposit_due": today.isoformat(),
            "balance_due": max(ctx.day, today).isoformat(),
        },
        key=_ref(ctx, "deposit-schedule"),
    )
    session = await ctx.post(
        "/v1/finance/payment-sessions",
        {
            "method": "card",
            "target_kind": "booking",
            "target_id": bid,
            "idempotency_key": _ref(ctx, "deposit-session"),
        },
    )
    action = session["next_action"]
    async with httpx.AsyncClient(timeout=30) as processor:
        paid = await processor.request(
            action["method"], action["url"], json={"card_number": "4242424242424242"}
        )
    if paid.status_code != 200:
        raise DemoError(f"the simulated processor answered {paid.status_code}: {paid.text[:200]}")

    async def confirmed() -> bool:
        row = await ctx.get(f"/v1/bookings/{bid}")
        return bool(row["status"] == "confirmed")

    await ctx.wait_for(f"booking {booking['number']} to be confirmed by its deposit", confirmed)
    ctx.bookings[bid] = "confirmed"
    ctx.record(
        "deposit",
        f"EUR {session['amount_minor'] / 100:.2f} deposit paid by card; hold confirmed",
        booking=bid,
        payment_session=session["id"],
    )


async def cancellation_with_credit_note(ctx: DemoContext) -> None:
    """A paid, invoiced booking is cancelled; finance issues its credit note."""
    walk, _ = ctx.seeded["products"]
    booking = await _book(ctx, "cancelled", [_item(walk, "15:00", "Adult", 1)], "confirmed", 5)
    bid = booking["id"]
    invoice = await ctx.post(
        "/v1/finance/invoices",
        {"booking_id": bid, "issue": True, "bill_to_name": booking["buyer_name"]},
        key=_ref(ctx, "invoice"),
    )
    await ctx.post(
        "/v1/finance/payments",
        {
            "invoice_id": invoice["id"],
            "amount_minor": invoice["total_minor"],
            "currency": invoice["currency"],
            "method": "card",
            "idempotency_key": _ref(ctx, "invoice-payment"),
        },
    )
    await ctx.post(f"/v1/bookings/{bid}/cancel", key=_ref(ctx, "cancel"))
    ctx.bookings[bid] = "cancelled"

    async def credit_note() -> list[dict[str, Any]]:
        notes: list[dict[str, Any]] = await ctx.get("/v1/finance/credit-notes", booking_id=bid)
        return notes

    (note,) = await ctx.wait_for(f"the credit note of {booking['number']}", credit_note)
    ctx.credit_notes.append(note["id"])
    ctx.record(
        "cancellation",
        f"invoice {invoice['number']} paid, booking cancelled, credit note {note['number']} "
        f"EUR {note['total_minor'] / 100:.2f}",
        booking=bid,
        invoice=invoice["id"],
        credit_note=note["id"],
    )


async def quote_accepted_through_reserve(ctx: DemoContext) -> None:
    """A corporate quote (a walk plus a fado dinner from a supplier) is sent and accepted.

    Accepting starts `reserve:{versionId}`: it holds the walk's seats and asks the
    supplier; the demo answers as the supplier's webhook, and the plan becomes a booking
    (on account, so confirmed).
    """
    walk, _ = ctx.seeded["products"]
    assert ctx.day is not None
    unit_id, price = walk["units"]["Adult"]
    quote = await ctx.post(
        "/v1/quotes",
        {
            "title": f"Team offsite in Lisbon, {ctx.day.isoformat()}",
            "currency": "EUR",
            "buyer": {"name": "Atlântico Consulting", "email": "events@atlantico.example"},
        },
        key=_ref(ctx, "quote"),
    )
    lines = [
        {
            "kind": "catalog",
            "description": f"{walk['spec']['name']} 09:30, Adult",
            "sell_amount_minor": price,
            "sell_currency": "EUR",
            "cost_amount_minor": PLANNED_COST_MINOR[walk["spec"]["name"]],
            "quantity": 6,
            "product_id": walk["product_id"],
            "option_id": walk["option_id"],
            "unit_id": unit_id,
            "slot_id": walk["slots"]["09:30"]["id"],
        },
        {
            "kind": "manual",
            "description": "Fado dinner in Alfama, set menu",
            "sell_amount_minor": 4500,
            "sell_currency": "EUR",
            "cost_amount_minor": 3000,
            "quantity": 6,
            "pax_per_unit": 0,
            "supplier_ref": ctx.seeded["suppliers"]["fado"],
            "service_name": "Fado dinner",
        },
    ]
    version = await ctx.post(
        f"/v1/quotes/{quote['id']}/versions",
        {"lines": lines, "payment_terms": "on_account"},
        key=_ref(ctx, "quote-version"),
    )
    vid = version["id"]
    await ctx.post(f"/v1/quote-versions/{vid}/send", key=_ref(ctx, "quote-send"))
    accepted = await ctx.post(f"/v1/quote-versions/{vid}/accept")
    plan = accepted["plan"]
    manual = plan["lines"][1]["id"]

    async def plan_state() -> dict[str, Any]:
        got: dict[str, Any] = await ctx.get(f"/v1/quote-versions/{vid}/reservation-plan")
        if got["status"] == "failed":
            raise DemoError(
                f"reserve:{vid} failed: {got['failure_code']} ({got['failure_message']})"
            )
        return got

    async def supplier_asked() -> bool:
        got = await plan_state()
        return got["status"] == "booked" or got["lines"][1]["supplier_status"] is not None

    await ctx.wait_for("the reserve workflow to ask the fado supplier", supplier_asked)
    if (await plan_state())["lines"][1]["supplier_status"] == "requested":
        await ctx.post(
            f"/v1/reservation-plans/{plan['id']}/lines/{manual}/confirm",
            {"confirmation_ref": f"FADO-{ctx.day:%m%d}-6", "source": "supplier_webhook"},
        )

    async def booked() -> dict[str, Any] | None:
        got = await plan_state()
        return got if got["status"] == "booked" else None

    final = await ctx.wait_for(f"reserve:{vid} to book", booked)
    booking: dict[str, Any] = await ctx.get(f"/v1/bookings/{final['booking_id']}")
    ctx.bookings[booking["id"]] = booking["status"]
    ctx.made["quote"] = booking
    ctx.checks["quote"] = {"version_id": vid, "plan_id": plan["id"], "booking_id": booking["id"]}
    ctx.record(
        "quote → reserve",
        f"quote for Atlântico Consulting accepted; {plan['workflow_id']} held 6 seats, the fado "
        f"supplier confirmed, booking {booking['number']} {booking['status']} "
        f"EUR {booking['sell_total_minor'] / 100:.2f}",
        quote=quote["id"],
        version=vid,
        booking=booking["id"],
    )


async def departure_profitability(ctx: DemoContext) -> None:
    """The day trip's departure: its booking is invoiced (revenue), the minibus company's
    invoice is recorded against the departure (actual cost), and finance computes profit."""
    assert ctx.day is not None
    _, trip = ctx.seeded["products"]
    slot_id = trip["slots"]["08:30"]["id"]
    booking = ctx.made["direct-3"]
    invoice = await ctx.post(
        "/v1/finance/invoices",
        {"booking_id": booking["id"], "issue": True, "bill_to_name": booking["buyer_name"]},
        key=_ref(ctx, "trip-invoice"),
    )
    supplier = await ctx.post(
        "/v1/finance/supplier-invoices",
        {
            "supplier_id": ctx.seeded["suppliers"]["minibus"],
            "supplier_reference": f"SMB-{ctx.day:%Y%m%d}",
            "currency": "EUR",
            "issue_date": ctx.day.isoformat(),
            "lines": [
                {"description": "Minibus with driver, Sintra & Cascais", "amount_minor": 18000,
                 "slot_id": slot_id},
                {"description": "Palace entry tickets", "amount_minor": 9000,
                 "slot_id": slot_id},
            ],
        },
    )  # fmt: skip
    figures = await ctx.get(f"/v1/finance/profitability/departures/{slot_id}")
    eur = next((c for c in figures["currencies"] if c["currency"] == "EUR"), None)
    if eur is None:
        raise DemoError(f"departure {slot_id} shows no EUR figures after invoicing")
    ctx.checks["profitability"] = {"slot_id": slot_id, "EUR": eur}
    ctx.record(
        "departure profitability",
        f"{trip['spec']['name']} 08:30: revenue EUR {eur['revenue_minor'] / 100:.2f} "
        f"(invoice {invoice['number']}), supplier cost EUR "
        f"{eur['actual_cost_minor'] / 100:.2f} (planned {eur['planned_cost_minor'] / 100:.2f}), "
        f"profit EUR {eur['profit_minor'] / 100:.2f}, {figures['travellers']} travellers",
        slot=slot_id,
        invoice=invoice["id"],
        supplier_invoice=supplier["id"],
    )


def used_day(external_ref: str | None) -> date | None:
    """The day a demo booking belongs to (`demo:2026-11-22:direct-1`), else None."""
    if not external_ref or not external_ref.startswith("demo:"):
        return None
    try:
        return date.fromisoformat(external_ref.split(":")[1])
    except (IndexError, ValueError):
        return None
