"""Reconciliation and settlement factories: channels, channel bookings in bulk, reports."""

from __future__ import annotations

import asyncio
import contextlib
import uuid
from collections.abc import AsyncIterator, Sequence
from datetime import UTC, date, datetime
from typing import Any

import httpx
import uvicorn
from sqlalchemy import insert, text
from sqlalchemy.ext.asyncio import AsyncSession

from adapters.channels.sim_channel import create_sim_channel_app
from domain.bookings.models import Booking
from domain.channel_push.models import ChannelConnection
from domain.distribution.models import BookingDistributionDetails, Channel, ChannelBookingLink
from domain.ids import new_id
from domain.reconciliation.compare import Local, Reported
from domain.reconciliation.models import ReconciliationItem, ReconciliationRun
from tourflow.embedded import free_port

STATUS_OF = {"confirmed": "confirmed", "cancelled": "cancelled", "pending": "draft"}
PERIOD_START = date(2026, 10, 1)
PERIOD_END = date(2026, 11, 1)
IN_PERIOD = datetime(2026, 10, 15, 12, tzinfo=UTC)


async def channel(session: AsyncSession, **overrides: Any) -> str:
    """A channel row; returns its id."""
    row = Channel(**{"name": f"OTA {uuid.uuid4().hex[:6]}", "kind": "ota", **overrides})
    session.add(row)
    await session.flush()
    return row.id


async def channel_bookings(
    session: AsyncSession,
    channel_id: str,
    books: Sequence[Local],
    *,
    created_at: datetime = IN_PERIOD,
    link_amounts: bool = True,
) -> dict[str, str]:
    """Bookings + links + distribution details in three executemany inserts.

    `Local.booking_id` is a label; returns label -> real booking id.
    """
    ids = {b.booking_id: new_id(Booking.id_prefix) for b in books}
    await session.execute(
        insert(Booking),
        [
            {
                "id": ids[b.booking_id],
                "number": f"TF-{uuid.uuid4().hex[:16]}",
                "status": STATUS_OF[b.status],
                "currency": b.currency,
                "sell_total_minor": b.amount_minor,
                "channel_id": channel_id,
                "created_at": created_at,
            }
            for b in books
        ],
    )
    await session.execute(
        insert(ChannelBookingLink),
        [
            {
                "id": new_id(ChannelBookingLink.id_prefix),
                "channel_id": channel_id,
                "booking_id": ids[b.booking_id],
                "idempotency_key": f"book:{ids[b.booking_id]}:*:{channel_id}",
                "push_status": "ok",
                "amount_minor": b.amount_minor if link_amounts else None,
                "currency": b.currency if link_amounts else None,
            }
            for b in books
        ],
    )
    await session.execute(
        insert(BookingDistributionDetails),
        [
            {
                "id": new_id(BookingDistributionDetails.id_prefix),
                "booking_id": ids[b.booking_id],
                "source_channel_id": channel_id,
                "payment_owner": b.payment_owner,
            }
            for b in books
        ],
    )
    return ids


async def money_issue(
    session: AsyncSession, channel_id: str, *, issue_type: str = "amount_mismatch", **overrides: Any
) -> ReconciliationItem:
    """An open money-affecting reconciliation issue over the test period (a remittance
    exception for a settlement run of an overlapping period)."""
    recon = ReconciliationRun(
        channel_id=channel_id,
        period_start=PERIOD_START,
        period_end=PERIOD_END,
        workflow_id=f"channel-reconciliation:{channel_id}:{PERIOD_START.isoformat()}",
        status="completed",
    )
    session.add(recon)
    await session.flush()
    item = ReconciliationItem(
        **{
            "run_id": recon.id,
            "channel_id": channel_id,
            "issue_type": issue_type,
            "severity": "medium",
            "booking_ref": "x1",
            "local_amount_minor": 1_000,
            "channel_amount_minor": 800,
            **overrides,
        }
    )
    session.add(item)
    await session.flush()
    return item


def report_items(reported: Sequence[Reported], ids: dict[str, str]) -> list[dict[str, Any]]:
    """The channel's report lines as the sim channel serves them (labels resolved)."""
    return [
        {
            "external_booking_id": f"ext_{r.booking_ref}",
            "reference": None,
            "supplier_reference": ids.get(r.booking_ref, r.booking_ref),
            "status": r.status,
            "amount_minor": r.amount_minor,
            "currency": r.currency,
            "payout": r.payout_minor,
        }
        for r in reported
    ]


async def numbers(session: AsyncSession, ids: dict[str, str]) -> dict[str, str]:
    """Label -> booking number, for the bookings `channel_bookings` made."""
    rows = await session.execute(
        text("SELECT id, number FROM bookings WHERE id = ANY(:ids)"), {"ids": list(ids.values())}
    )
    by_id = {row[0]: row[1] for row in rows.all()}
    return {label: by_id[real] for label, real in ids.items()}


async def set_link_status(session: AsyncSession, booking_id: str, push_status: str) -> None:
    """Force a link's push status (e.g. `failed` after an outage)."""
    await session.execute(
        text("UPDATE channel_booking_links SET push_status = :s WHERE booking_id = :b"),
        {"s": push_status, "b": booking_id},
    )


@contextlib.asynccontextmanager
async def sim_channel_server() -> AsyncIterator[str]:
    """The simulated OTA over real HTTP on a free local port; yields its base URL."""
    port = free_port()
    server = uvicorn.Server(
        uvicorn.Config(create_sim_channel_app(), host="127.0.0.1", port=port, log_level="error")
    )
    task = asyncio.create_task(server.serve())
    while not server.started:
        await asyncio.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        await task


async def connect(session: AsyncSession, channel_id: str, base_url: str) -> None:
    """An active http connection of the channel to `base_url`."""
    session.add(ChannelConnection(channel_id=channel_id, adapter_kind="http", base_url=base_url))
    await session.flush()


async def sim_book(
    client: httpx.AsyncClient,
    *,
    booking_id: str,
    channel_id: str,
    amount_minor: int,
    number: str | None = None,
    admin: dict[str, Any] | None = None,
) -> str:
    """A booking as the channel holds it, pushed the way channel push does (its key, our
    booking number as reference); `admin` edits (status, amount, payout) after."""
    resp = await client.post(
        "/v1/bookings",
        json={
            "idempotency_key": f"book:{booking_id}:*:{channel_id}",
            "reference": number or f"TF-{booking_id}",
            "product_ref": "P1",
            "pax": 2,
            "amount_minor": amount_minor,
            "currency": "EUR",
        },
    )
    resp.raise_for_status()
    ext: str = resp.json()["id"]
    if admin:
        (await client.patch(f"/_admin/bookings/{ext}", json=admin)).raise_for_status()
    return ext
