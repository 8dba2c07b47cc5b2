"""Seed steps: a Lisbon day-tour operator. Each step finds what an earlier run made first."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from tourflow.demo.context import DemoContext

TIMEZONE = "Europe/Lisbon"
HORIZON_DAYS = 30

PRODUCTS: list[dict[str, Any]] = [
    {
        "name": "Lisbon Old Town Walk",
        "option": "Small-group walk",
        "units": [("Adult", "adult", 3500), ("Child", "child", 2000)],
        "start_times": ["09:30", "15:00"],
        "capacity": 14,
        "duration_minutes": 150,
    },
    {
        "name": "Sintra & Cascais Day Trip",
        "option": "Minibus day trip",
        "units": [("Adult", "adult", 8900), ("Child", "child", 6500)],
        "start_times": ["08:30"],
        "capacity": 16,
        "duration_minutes": 540,
    },
]
GUIDES = ["Ana Ribeiro", "Tiago Costa", "Marta Silva"]
VEHICLES = [("Van 1 (Vito)", "van", 8), ("Minibus 2 (Sprinter)", "minibus", 16)]
DRIVERS = ["Rui Matos", "Joana Lopes"]
SUPPLIERS = [
    ("Sintra Minibus Lda", "transport", "minibus"),
    ("Clube de Fado Alfama", "restaurant", "fado"),
]
SERIES = [
    ("Invoices", "invoice", "TF-{YYYY}-{seq:05}"),
    ("Credit notes", "credit_note", "CN-{YYYY}-{seq:05}"),
]


def _named(rows: list[dict[str, Any]], name: str) -> dict[str, Any] | None:
    return next((r for r in rows if r.get("name") == name), None)


async def products_options_units(ctx: DemoContext) -> None:
    """Two products, one option each, adult and child units with prices."""
    existing = await ctx.get("/v1/catalog/products")
    made = 0
    ctx.seeded["products"] = []
    for spec in PRODUCTS:
        product = _named(existing, spec["name"])
        if product is None:
            product = await ctx.post(
                "/v1/catalog/products",
                {"name": spec["name"], "timezone": TIMEZONE, "default_currency": "EUR"},
            )
            made += 1
        pid = product["id"]
        option = _named(await ctx.get(f"/v1/catalog/products/{pid}/options"), spec["option"])
        if option is None:
            option = await ctx.post(f"/v1/catalog/products/{pid}/options", {"name": spec["option"]})
        oid = option["id"]
        units = await ctx.get(f"/v1/catalog/options/{oid}/units")
        by_name = {u["name"]: u for u in units}
        for name, category, price in spec["units"]:
            if name not in by_name:
                by_name[name] = await ctx.post(
                    f"/v1/catalog/options/{oid}/units",
                    {"name": name, "category": category, "price_minor": price, "currency": "EUR"},
                )
        ctx.seeded["products"].append(
            {
                "spec": spec,
                "product_id": pid,
                "option_id": oid,
                "units": {n: (by_name[n]["id"], price) for n, _, price in spec["units"]},
            }
        )
    ctx.record(
        "seed: catalog",
        f"{len(PRODUCTS)} products with options and units ({made} new)",
        **{p["spec"]["name"]: p["product_id"] for p in ctx.seeded["products"]},
    )


async def availability_rules(ctx: DemoContext) -> None:
    """A daily rule per option; the slot-horizon workflow generates its slots."""
    today = datetime.now(UTC).date()
    made = 0
    for product in ctx.seeded["products"]:
        slots = await ctx.get(
            "/v1/availability/slots",
            product_id=product["product_id"],
            option_id=product["option_id"],
            start=today.isoformat(),
            end=(today + timedelta(days=HORIZON_DAYS)).isoformat(),
            limit=1,
        )
        if slots and slots[0]["rule_id"]:
            product["rule_id"] = slots[0]["rule_id"]
            continue
        spec = product["spec"]
        rule = await ctx.post(
            "/v1/availability/rules",
            {
                "option_id": product["option_id"],
                "rrule": "FREQ=DAILY",
                "dtstart": today.isoformat(),
                "start_times": spec["start_times"],
                "timezone": TIMEZONE,
                "capacity": spec["capacity"],
                "duration_minutes": spec["duration_minutes"],
                "horizon_days": HORIZON_DAYS,
            },
            key=f"demo-seed:rule:{product['option_id']}",
        )
        product["rule_id"] = rule["id"]
        made += 1
    ctx.record(
        "seed: availability",
        f"daily rules, {HORIZON_DAYS}-day horizon ({made} new; slots come from SlotHorizon)",
        **{p["spec"]["name"]: p["rule_id"] for p in ctx.seeded["products"]},
    )


async def guides_and_vehicles(ctx: DemoContext) -> None:
    """Three guides (resources), two vehicles and two drivers."""
    made = 0
    guides = await ctx.get("/v1/resources", type="guide", limit=500)
    for name in GUIDES:
        if _named(guides, name) is None:
            await ctx.post("/v1/resources", {"name": name, "type": "guide"})
            made += 1
    vehicles = await ctx.get("/v1/ground/vehicles", limit=500)
    for name, vehicle_class, seats in VEHICLES:
        if _named(vehicles, name) is None:
            await ctx.post(
                "/v1/ground/vehicles",
                {"name": name, "vehicle_class": vehicle_class, "capacity": seats},
            )
            made += 1
    drivers = await ctx.get("/v1/ground/drivers", limit=500)
    for name in DRIVERS:
        if _named(drivers, name) is None:
            await ctx.post("/v1/ground/drivers", {"name": name})
            made += 1
    ctx.record(
        "seed: operations",
        f"{len(GUIDES)} guides, {len(VEHICLES)} vehicles, {len(DRIVERS)} drivers ({made} new)",
    )


async def invoice_series(ctx: DemoContext) -> None:
    """Default gapless series for invoices and credit notes (credit notes need one)."""
    made = 0
    for name, scope, fmt in SERIES:
        rows = await ctx.get("/v1/finance/number-series", scope=scope)
        if not any(r["is_default"] and r["active"] for r in rows):
            await ctx.post(
                "/v1/finance/number-series",
                {
                    "name": name,
                    "scope": scope,
                    "format": fmt,
                    "reset_rule": "annual",
                    "is_default": True,
                },
            )
            made += 1
    ctx.record("seed: finance", f"invoice and credit-note series ({made} new)")


async def suppliers(ctx: DemoContext) -> None:
    """The operator's suppliers: the minibus company and the fado house."""
    existing = await ctx.get("/v1/suppliers")
    made = 0
    ctx.seeded["suppliers"] = {}
    for name, kind, role in SUPPLIERS:
        row = _named(existing, name)
        if row is None:
            row = await ctx.post(
                "/v1/suppliers", {"name": name, "type": kind, "default_currency": "EUR"}
            )
            made += 1
        ctx.seeded["suppliers"][role] = row["id"]
    ctx.record("seed: suppliers", f"{len(SUPPLIERS)} suppliers ({made} new)")
