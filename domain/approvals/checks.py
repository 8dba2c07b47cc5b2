"""Why an approval cannot be decided or executed: the rules both passes of a check share."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import exists, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from domain.approvals.models import ActionRequest, Approval
from domain.approvals.policy import Command
from domain.bookings.models import Booking, BookingActivity
from domain.errors import DomainError


class Refused(DomainError):
    """An approval cannot be decided or executed; `invalidates` when the booking moved on."""

    def __init__(
        self,
        status: int,
        code: str,
        message: str,
        *,
        approval: Approval,
        invalidates: bool = False,
        **details: Any,
    ) -> None:
        super().__init__(
            code, message, approval_id=approval.id, action_id=approval.action_id, **details
        )
        self.status = status
        self.approval_id = approval.id
        self.action_id = approval.action_id
        self.invalidates = invalidates


def effective_status(approval: Approval, now: datetime) -> str:
    """The stored status, or `expired` for an undecided or unused approval past its expiry."""
    if approval.status in ("pending", "approved") and now >= approval.expires_at:
        return "expired"
    return approval.status


async def state_change(session: AsyncSession, action: ActionRequest) -> str | None:
    """Why the state the command depends on is no longer as requested, or None."""
    expected = action.depends_on.get("booking_status")
    current = await session.scalar(select(Booking.status).where(Booking.id == action.target_id))
    if current != expected:
        return f"the booking is {current}, it was {expected} when the action was requested"
    # Also catch a round trip (on_hold -> awaiting_payment -> on_hold) since the request.
    moved = await session.scalar(
        select(
            exists().where(
                BookingActivity.booking_id == action.target_id,
                or_(
                    BookingActivity.action.like("status:%"),
                    BookingActivity.action == "status_overridden",
                ),
                BookingActivity.created_at > action.created_at,
            )
        )
    )
    return "the booking status changed after the action was requested" if moved else None


def unusable(approval: Approval, now: datetime) -> Refused | None:
    status = effective_status(approval, now)
    if status == "approved":
        return None
    messages = {
        "pending": "the approval has not been decided yet",
        "rejected": "the approval was rejected",
        "executed": "the approval has already been used",
        "invalidated": "the approval was invalidated by a change to the booking",
        "expired": "the approval has expired",
    }
    code = "approval_already_executed" if status == "executed" else f"approval_{status}"
    return Refused(409, code, messages[status], approval=approval)


async def execution_refusal(
    session: AsyncSession,
    approval: Approval,
    action: ActionRequest,
    *,
    principal_id: str,
    command: Command,
    now: datetime,
) -> Refused | None:
    if action.principal_id != principal_id:
        return Refused(
            403,
            "approval_principal_mismatch",
            "the approval belongs to another principal's request",
            approval=approval,
        )
    if action.command != command.canonical():
        return Refused(
            409,
            "approval_command_mismatch",
            "the approval was granted for a different command",
            approval=approval,
            approved_command=action.command,
        )
    refusal = unusable(approval, now)
    if refusal is not None:
        return refusal
    why = await state_change(session, action)
    if why is not None:
        return Refused(409, "approval_invalidated", why, approval=approval, invalidates=True)
    return None


async def decision_refusal(
    session: AsyncSession,
    approval: Approval,
    action: ActionRequest,
    *,
    decider_id: str,
    approve: bool,
    now: datetime,
) -> Refused | None:
    if decider_id == action.principal_id:
        return Refused(
            403,
            "approval_self_decision",
            "a principal cannot decide its own request",
            approval=approval,
        )
    status = effective_status(approval, now)
    if status == "expired":
        return Refused(409, "approval_expired", "the approval has expired", approval=approval)
    if status != "pending":
        return Refused(
            409,
            "approval_already_decided",
            f"the approval is already {status}",
            approval=approval,
            current_status=status,
        )
    why = await state_change(session, action) if approve else None
    if why is not None:
        return Refused(409, "approval_invalidated", why, approval=approval, invalidates=True)
    return None
