"""Reconciliation and settlement policy rows: upsert, and the intents that start runs and
sync each channel's Temporal Schedules after commit."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from domain.distribution.channels import get_channel
from domain.intents.service import IntentSpec, write_intent
from domain.money import check_currency
from domain.reconciliation.models import ReconciliationPolicy
from domain.settlement.models import SettlementPolicy

POLICY_MODELS: dict[str, type[ReconciliationPolicy] | type[SettlementPolicy]] = {
    "reconciliation": ReconciliationPolicy,
    "settlement": SettlementPolicy,
}
WORKFLOW_TYPES = {"reconciliation": "ChannelReconciliation", "settlement": "ChannelSettlement"}


async def upsert_policy(
    session: AsyncSession, *, kind: str, channel_id: str, fields: dict[str, Any], task_queue: str
) -> ReconciliationPolicy | SettlementPolicy:
    """Create or change the channel's policy; its schedule follows after commit."""
    model = POLICY_MODELS[kind]
    await get_channel(session, channel_id, lock=True)  # serialises edits of one channel
    if "currency" in fields:
        fields["currency"] = check_currency(fields["currency"])
    policy: ReconciliationPolicy | SettlementPolicy | None = await session.scalar(
        select(model).where(model.channel_id == channel_id).with_for_update()
    )
    if policy is None:
        policy = model(channel_id=channel_id, revision=1, **fields)
        session.add(policy)
    else:
        for name, value in fields.items():
            setattr(policy, name, value)
        policy.revision += 1
    await session.flush()
    await write_intent(
        session,
        IntentSpec(
            workflow_type="ChannelScheduleSync",
            workflow_id=f"channel-schedule-sync:{channel_id}:{kind}:{policy.revision}",
            task_queue=task_queue,
            input={"channel_id": channel_id},
            search_attributes={"ChannelId": channel_id},
        ),
    )
    return policy


async def request_run(
    session: AsyncSession,
    *,
    kind: str,
    channel_id: str,
    period_start: date,
    period_end: date,
    task_queue: str,
) -> str:
    """Write the intent that starts the period's run; returns the workflow id."""
    wid = f"channel-{kind}:{channel_id}:{period_start.isoformat()}"
    await write_intent(
        session,
        IntentSpec(
            workflow_type=WORKFLOW_TYPES[kind],
            workflow_id=wid,
            task_queue=task_queue,
            input={
                "channel_id": channel_id,
                "period_start": period_start.isoformat(),
                "period_end": period_end.isoformat(),
            },
            search_attributes={"ChannelId": channel_id},
        ),
    )
    return wid
