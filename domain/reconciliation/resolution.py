"""Resolving reconciliation issues: ignore, accept, re-push, or cancel the booking locally."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from domain.bookings import service as bookings
from domain.errors import Conflict, NotFound
from domain.reconciliation.models import ReconciliationItem
from domain.reconciliation.service import request_repush

VERBS = ("ignore", "accept", "repush", "cancel_locally")


async def lock_item(session: AsyncSession, item_id: str) -> ReconciliationItem:
    """The item locked FOR UPDATE; 404 `reconciliation_item_not_found`."""
    item = await session.scalar(
        select(ReconciliationItem)
        .where(ReconciliationItem.id == item_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    if item is None:
        raise NotFound("reconciliation_item_not_found", f"no reconciliation item {item_id}")
    return item


def _check(item: ReconciliationItem, verb: str) -> None:
    if verb == "repush" and item.booking_id is None:
        raise Conflict(
            "repush_not_applicable",
            "the channel has a booking we do not: there is nothing of ours to push",
        )
    if verb == "cancel_locally" and not (
        item.booking_id is not None and item.channel_status == "cancelled"
    ):
        raise Conflict(
            "cancel_not_applicable",
            "only a booking the channel cancelled and we did not can be cancelled locally",
        )


async def resolve(
    session: AsyncSession,
    *,
    item_id: str,
    verb: str,
    actor_id: str,
    note: str | None,
    task_queue: str,
) -> ReconciliationItem:
    """Apply `verb` to an open issue; repeating the same verb on it is a no-op."""
    item = await lock_item(session, item_id)
    action = None if verb == "ignore" else verb
    target = "ignored" if verb == "ignore" else "resolved"
    if item.resolution != "open":
        if item.resolution == target and item.resolution_action == action:
            return item
        raise Conflict(
            "issue_already_resolved",
            f"issue {item.id} is {item.resolution}",
            resolution=item.resolution,
            resolution_action=item.resolution_action,
        )
    _check(item, verb)
    if verb == "repush" and not await request_repush(session, item=item, task_queue=task_queue):
        raise Conflict(
            "repush_not_applicable", "no outbound link of this booking can be re-pushed now"
        )
    if verb == "cancel_locally":
        assert item.booking_id is not None
        await bookings.change_status(
            session,
            booking_id=item.booking_id,
            target="cancelled",
            ctx=bookings.Context(actor_id=actor_id, task_queue=task_queue),
        )
    item.resolution = target
    item.resolution_action = action
    item.resolution_note = note
    item.resolved_by = actor_id
    item.resolved_at = datetime.now(UTC)
    await session.flush()
    return item
