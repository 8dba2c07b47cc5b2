"""Requesting, deciding and executing approval-required actions, all on the ledger.

Checks run twice: first read-only (`check_*`), so a refusal can be recorded in its own
transaction (it must survive the request's rollback, and the request holds no locks yet);
then under `FOR NO KEY UPDATE` on the approval and `FOR UPDATE` on the booking
(`decide`, `execute`), in the request's transaction, right before the booking changes.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from domain.approvals.checks import Refused, decision_refusal, execution_refusal
from domain.approvals.models import ActionLedgerEntry, ActionRequest, Approval
from domain.approvals.policy import VERB_TARGETS, Command, fingerprint
from domain.bookings import status as rules
from domain.bookings.models import Booking, BookingActivity
from domain.bookings.service import lock_booking
from domain.db import unit_of_work
from domain.errors import Conflict, NotFound
from domain.ids import new_id


@dataclass(frozen=True, slots=True)
class Requested:
    """The action a request created or found again (`replayed`)."""

    action: ActionRequest
    approval: Approval
    replayed: bool


def _ledger(
    session: AsyncSession,
    action_id: str,
    approval_id: str | None,
    kind: str,
    principal_id: str | None,
    **details: Any,
) -> None:
    session.add(
        ActionLedgerEntry(
            action_id=action_id,
            approval_id=approval_id,
            kind=kind,
            principal_id=principal_id,
            details=details,
        )
    )


async def _by_key(
    session: AsyncSession, principal_id: str, key: str
) -> tuple[ActionRequest, Approval] | None:
    row = (
        await session.execute(
            select(ActionRequest, Approval)
            .join(Approval, Approval.action_id == ActionRequest.id)
            .where(ActionRequest.principal_id == principal_id, ActionRequest.idempotency_key == key)
        )
    ).one_or_none()
    return (row.ActionRequest, row.Approval) if row else None


def _check_transition(command: Command, status: str, now: datetime) -> None:
    params = dict(command.params)
    if command.action == "override":
        rules.override(status, str(params["status"]), now, reason=str(params["reason"]))
    else:
        rules.transition(status, VERB_TARGETS[command.action], now)


async def request_action(
    session: AsyncSession,
    *,
    principal_id: str,
    principal_kind: str,
    command: Command,
    rule: str,
    idempotency_key: str,
    ttl: timedelta,
    now: datetime,
) -> Requested:
    """Record a requested action and its pending approval, or find the one under this key.

    The same key with a different command or policy inputs is 409 `idempotency_key_conflict`
    naming the existing action.
    """
    canonical = command.canonical()
    policy_inputs = {"principal_id": principal_id, "principal_kind": principal_kind, "rule": rule}
    print_ = fingerprint(canonical, policy_inputs)
    found = await _by_key(session, principal_id, idempotency_key)
    if found is None:
        status = await session.scalar(
            select(Booking.status).where(Booking.id == command.booking_id)
        )
        if status is None:
            raise NotFound("booking_not_found", f"no booking {command.booking_id}")
        _check_transition(command, status, now)  # never hold a move the graph refuses
        action_id = new_id(ActionRequest.id_prefix)
        inserted = await session.scalar(
            insert(ActionRequest)
            .values(
                id=action_id,
                principal_id=principal_id,
                principal_kind=principal_kind,
                action=canonical["action"],
                target_type="booking",
                target_id=command.booking_id,
                command=canonical,
                policy_inputs=policy_inputs,
                depends_on={"booking_status": status},
                fingerprint=print_,
                idempotency_key=idempotency_key,
            )
            .on_conflict_do_nothing(index_elements=["principal_id", "idempotency_key"])
            .returning(ActionRequest.id)
        )
        if inserted is not None:
            approval = Approval(action_id=action_id, status="pending", expires_at=now + ttl)
            session.add(approval)
            await session.flush()
            _ledger(session, action_id, approval.id, "requested", principal_id, rule=rule)
            await session.flush()
            return Requested(await session.get_one(ActionRequest, action_id), approval, False)
        found = await _by_key(session, principal_id, idempotency_key)  # a concurrent twin won
        assert found is not None
    action, approval = found
    if action.fingerprint != print_:
        raise Conflict(
            "idempotency_key_conflict",
            f"this Idempotency-Key was used for action {action.id} with different input",
            action_id=action.id,
            approval_id=approval.id,
        )
    return Requested(action, approval, True)


async def _load(
    session: AsyncSession, approval_id: str, *, lock: bool = False
) -> tuple[Approval, ActionRequest]:
    stmt = select(Approval).where(Approval.id == approval_id)
    if lock:
        # NO KEY UPDATE: ledger rows referencing the approval can still be inserted.
        stmt = stmt.with_for_update(key_share=True)
    approval = await session.scalar(stmt.execution_options(populate_existing=True))
    if approval is None:
        raise NotFound("approval_not_found", f"no approval {approval_id}")
    action = await session.get_one(ActionRequest, approval.action_id)
    return approval, action


async def check_execution(
    session: AsyncSession, *, approval_id: str, principal_id: str, command: Command, now: datetime
) -> None:
    """Raise `Refused` unless the approval may execute `command` for this principal now."""
    approval, action = await _load(session, approval_id)
    refusal = await execution_refusal(
        session, approval, action, principal_id=principal_id, command=command, now=now
    )
    if refusal is not None:
        raise refusal


async def execute(
    session: AsyncSession, *, approval_id: str, principal_id: str, command: Command, now: datetime
) -> Approval:
    """Revalidate under lock and stamp the execution in the mutation's own transaction."""
    approval, action = await _load(session, approval_id, lock=True)
    await lock_booking(session, action.target_id)
    refusal = await execution_refusal(
        session, approval, action, principal_id=principal_id, command=command, now=now
    )
    if refusal is not None:
        raise refusal
    approval.status, approval.executed_at = "executed", now
    _ledger(session, action.id, approval.id, "executed", principal_id, command=action.command)
    session.add(
        BookingActivity(
            booking_id=action.target_id,
            action="approval_executed",
            actor_id=principal_id,
            details={"action_id": action.id, "approval_id": approval.id},
        )
    )
    await session.flush()
    return approval


async def check_decision(
    session: AsyncSession, *, approval_id: str, decider_id: str, approve: bool, now: datetime
) -> None:
    """Raise `Refused` unless `decider_id` may approve (or reject) the approval now."""
    approval, action = await _load(session, approval_id)
    refusal = await decision_refusal(
        session, approval, action, decider_id=decider_id, approve=approve, now=now
    )
    if refusal is not None:
        raise refusal


async def decide(
    session: AsyncSession,
    *,
    approval_id: str,
    decider_id: str,
    approve: bool,
    note: str | None,
    now: datetime,
) -> Approval:
    """Approve or reject a pending approval (revalidated under lock)."""
    approval, action = await _load(session, approval_id, lock=True)
    refusal = await decision_refusal(
        session, approval, action, decider_id=decider_id, approve=approve, now=now
    )
    if refusal is not None:
        raise refusal
    approval.status = "approved" if approve else "rejected"
    approval.decided_by, approval.decided_at, approval.decision_note = decider_id, now, note
    _ledger(session, action.id, approval.id, approval.status, decider_id, note=note)
    await session.flush()
    return approval


async def record_refusal(
    factory: async_sessionmaker[AsyncSession], refusal: Refused, *, principal_id: str, attempt: str
) -> None:
    """In its own transaction: a refused execution on the ledger, and any invalidation."""
    async with unit_of_work(factory) as session:
        if refusal.invalidates:
            await session.execute(
                update(Approval)
                .where(
                    Approval.id == refusal.approval_id, Approval.status.in_(("pending", "approved"))
                )
                .values(status="invalidated")
            )
            _ledger(
                session,
                refusal.action_id,
                refusal.approval_id,
                "invalidated",
                principal_id,
                reason=refusal.message,
            )
        if attempt == "execute":
            _ledger(
                session,
                refusal.action_id,
                refusal.approval_id,
                "execution_refused",
                principal_id,
                code=refusal.code,
            )


async def ledger_for(session: AsyncSession, action_id: str) -> list[ActionLedgerEntry]:
    """The action's ledger entries, oldest first."""
    stmt = (
        select(ActionLedgerEntry)
        .where(ActionLedgerEntry.action_id == action_id)
        .order_by(ActionLedgerEntry.created_at, ActionLedgerEntry.id)
    )
    return list((await session.scalars(stmt)).all())


async def get(session: AsyncSession, approval_id: str) -> tuple[Approval, ActionRequest]:
    """One approval and its requested action (404 `approval_not_found`)."""
    return await _load(session, approval_id)


async def list_approvals(
    session: AsyncSession, *, status: str | None, limit: int
) -> list[tuple[Approval, ActionRequest]]:
    """Newest first; `status` filters on the stored status."""
    stmt = (
        select(Approval, ActionRequest)
        .join(ActionRequest, ActionRequest.id == Approval.action_id)
        .order_by(Approval.created_at.desc(), Approval.id.desc())
        .limit(limit)
    )
    if status is not None:
        stmt = stmt.where(Approval.status == status)
    return [(row.Approval, row.ActionRequest) for row in (await session.execute(stmt)).all()]
