"""Re-pushing: an operator's re-push of one link; a channel's whole backlog on reconnect."""

from __future__ import annotations

from typing import Literal

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from domain.channel_push import queue, starts
from domain.channel_push.budget import db_now
from domain.channel_push.policy import PushPolicy
from domain.distribution.models import ChannelBookingLink
from domain.errors import Conflict, NotFound


async def repush_link(
    session: AsyncSession, link_id: str, *, task_queue: str, policy: PushPolicy | None = None
) -> tuple[ChannelBookingLink, str]:
    """Reset the link to pending and start `channel-booking-repush:{linkId}:{attempts}`.

    The upstream call carries the link's idempotency key, so re-pushing a link the channel
    already has never books twice. Asking twice before it runs starts one workflow.
    """
    link = await session.scalar(
        select(ChannelBookingLink).where(ChannelBookingLink.id == link_id).with_for_update()
    )
    if link is None:
        raise NotFound("channel_link_not_found", f"no channel booking link {link_id}")
    if link.direction != "outbound":
        raise Conflict("link_not_outbound", "inbound links came from the channel: nothing to push")
    if link.push_status == "in_flight":
        raise Conflict("link_in_flight", "a push of this link is in flight; try again shortly")
    workflow_id = f"channel-booking-repush:{link.id}:{link.attempts}"
    if link.push_status != "pending":
        link.push_status = "pending"
        link.last_error = None
    await starts.start_booking_push(
        session,
        action="push",
        booking_id=link.booking_id,
        channel_id=link.channel_id,
        task_queue=task_queue,
        policy=policy or PushPolicy(),
        link_ids=[link.id],
        workflow_id=workflow_id,
    )
    return link, workflow_id


async def redrive_channel(
    session: AsyncSession,
    channel_id: str,
    *,
    task_queue: str,
    cause: str,
    policy: PushPolicy | None = None,
) -> dict[str, int]:
    """Push everything the channel is owed now (a connection was added, a hold lifted).

    Held availability and content intents become due at once and their drainers are
    woken; each booking with pending or failed outbound links gets its push workflow
    started again (a run still waiting on the hold is left to re-check on its own).
    Returns how many of each were re-driven.
    """
    pol = policy or PushPolicy()
    now = await db_now(session)
    counts: dict[str, int] = {}
    flows: tuple[Literal["availability", "content"], ...] = ("availability", "content")
    for flow in flows:
        model = queue.model_of(flow)
        result = await session.execute(
            update(model)
            .where(model.channel_id == channel_id, model.push_status.in_(("pending", "failed")))
            .values(next_attempt_at=now)
            .returning(model.id)
        )
        counts[flow] = len(result.all())
        if counts[flow]:
            await starts.wake_queue(
                session,
                flow=flow,
                channel_id=channel_id,
                task_queue=task_queue,
                policy=pol,
                cause=f"redrive:{cause}",
            )
    bookings = (
        await session.scalars(
            select(ChannelBookingLink.booking_id)
            .where(
                ChannelBookingLink.channel_id == channel_id,
                ChannelBookingLink.direction == "outbound",
                ChannelBookingLink.push_status.in_(("pending", "failed")),
            )
            .distinct()
        )
    ).all()
    for booking_id in bookings:
        await starts.start_booking_push(
            session,
            action="push",
            booking_id=booking_id,
            channel_id=channel_id,
            task_queue=task_queue,
            policy=pol,
            redrive=cause,
        )
    counts["booking"] = len(bookings)
    return counts
