"""Workflow ids and the intents that start (or wake) the push workflows.

Ids are derived from business ids:
- `channel-booking-push:{bookingId}:{channelId}` pushes a booking's links to one channel
  (one workflow per channel so each carries BookingId and ChannelId search attributes
  and a channel's contract decides its compensation);
- `channel-booking-cancel:{bookingId}:{channelId}` cancels them upstream;
- `channel-booking-repush:{linkId}:{attempts}` is an operator's re-push of one link;
- `channel-availability-push:{channelId}` / `channel-content-push:{channelId}` are the
  long-running per-channel drainers, woken by signal-with-start (`wake`) with id reuse
  allowed, so a wake revives a drainer whose run was closed (terminated, failed).
"""

from __future__ import annotations

from typing import Literal

from sqlalchemy.ext.asyncio import AsyncSession

from domain.channel_push.policy import PushPolicy
from domain.intents.service import IntentSpec, write_intent

BOOKING_PUSH_WORKFLOW = "ChannelBookingPush"
QUEUE_PUSH_WORKFLOW = "ChannelQueuePush"
WAKE_SIGNAL = "wake"
RECHECK_SIGNAL = "recheck"
BookingAction = Literal["push", "cancel"]


def booking_workflow_id(action: BookingAction, booking_id: str, channel_id: str) -> str:
    """The id of the booking push (or cancel) workflow of one booking on one channel."""
    return f"channel-booking-{action}:{booking_id}:{channel_id}"


def queue_workflow_id(flow: str, channel_id: str) -> str:
    """The id of a channel's availability or content drainer."""
    return f"channel-{flow}-push:{channel_id}"


async def start_booking_push(
    session: AsyncSession,
    *,
    action: BookingAction,
    booking_id: str,
    channel_id: str,
    task_queue: str,
    policy: PushPolicy,
    link_ids: list[str] | None = None,
    workflow_id: str | None = None,
    redrive: str | None = None,
) -> str:
    """Write the intent that starts a booking push/cancel workflow after commit.

    `redrive` (a cause) signal-with-starts it (`recheck`): a closed run of that id is
    started again, a running one (waiting on a held channel) re-checks its links now.
    """
    wf_id = workflow_id or booking_workflow_id(action, booking_id, channel_id)
    await write_intent(
        session,
        IntentSpec(
            kind="signal" if redrive else "start",
            signal_name=RECHECK_SIGNAL if redrive else None,
            signal_input={"key": f"redrive:{redrive}"} if redrive else None,
            workflow_type=BOOKING_PUSH_WORKFLOW,
            workflow_id=wf_id,
            task_queue=task_queue,
            input={
                "booking_id": booking_id,
                "channel_id": channel_id,
                "action": action,
                "link_ids": link_ids,
                "policy": policy.model_dump(),
            },
            search_attributes={"BookingId": booking_id, "ChannelId": channel_id},
            key=f"redrive:{wf_id}:{redrive}" if redrive else None,
            id_reuse_policy="allow_duplicate" if redrive else "reject_duplicate",
        ),
    )
    return wf_id


async def wake_queue(
    session: AsyncSession,
    *,
    flow: Literal["availability", "content"],
    channel_id: str,
    task_queue: str,
    policy: PushPolicy,
    cause: str,
) -> None:
    """Signal-with-start the channel's drainer (one intent per cause, e.g. an event id)."""
    wf_id = queue_workflow_id(flow, channel_id)
    await write_intent(
        session,
        IntentSpec(
            kind="signal",
            workflow_type=QUEUE_PUSH_WORKFLOW,
            workflow_id=wf_id,
            task_queue=task_queue,
            input={"channel_id": channel_id, "flow": flow, "policy": policy.model_dump()},
            signal_name=WAKE_SIGNAL,
            signal_input={"key": cause},
            search_attributes={"ChannelId": channel_id},
            key=f"wake:{wf_id}:{cause}",
            # A drainer that was terminated, failed or completed is started again: a wake
            # must always end in a running drainer, never in a swallowed signal.
            id_reuse_policy="allow_duplicate",
        ),
    )
