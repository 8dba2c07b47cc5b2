"""Every demo step, in order, in one place. Add a step: write one async function taking the
`DemoContext` (seed steps must find what an earlier run made; day steps key every write on
`ctx.day`), then list it here."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from tourflow.demo import channels, drive, octo, seed, settle
from tourflow.demo.context import DemoContext

Step = Callable[[DemoContext], Awaitable[None]]

SEED_STEPS: list[tuple[str, Step]] = [
    ("products, options and units", seed.products_options_units),
    ("availability rules and slots", seed.availability_rules),
    ("guides, vehicles and drivers", seed.guides_and_vehicles),
    ("invoice and credit-note series", seed.invoice_series),
    ("suppliers", seed.suppliers),
    ("two simulated OTA channels", channels.sim_channels),
    ("contracts, commission, mappings, allotments", channels.channel_terms),
    ("reconciliation and settlement policies", settle.policies),
    ("the OCTO reseller", octo.reseller),
]

DAY_STEPS: list[tuple[str, Step]] = [
    ("choose the day and wait for its slots", drive.choose_day),
    ("allot the day to the channels", channels.allot_the_day),
    ("direct bookings", drive.direct_bookings),
    ("a reseller reservation over OCTO", octo.reseller_reservation),
    ("deposit through the simulated processor", drive.deposit_confirms_hold),
    ("cancellation with a credit note", drive.cancellation_with_credit_note),
    ("a quote accepted through reserve", drive.quote_accepted_through_reserve),
    ("departure profitability", drive.departure_profitability),
    ("pushes under rate limits, one flaky channel", channels.pushes_under_rate_limits),
    ("reconciliation with planted mismatches", settle.reconciliation_finds_planted_mismatches),
    ("settlement waiting for approval", settle.settlement_approved),
]
