"""Channel settlement: compute, wait for approval when the policy requires it, post."""

from __future__ import annotations

from datetime import date, timedelta

from pydantic import BaseModel
from temporalio import workflow
from temporalio.common import RetryPolicy
from temporalio.exceptions import ActivityError

with workflow.unsafe.imports_passed_through():
    from activities.settlement import (
        DecideInput,
        RunInput,
        SettlementPeriod,
        SettlementState,
    )
    from domain.auth.keys import has_scope

APPROVE_SCOPE = "settlements:approve"
DB_RETRY = RetryPolicy(maximum_interval=timedelta(minutes=1), maximum_attempts=20)


class SettlementInput(BaseModel):
    """The channel and period [period_start, period_end)."""

    channel_id: str
    period_start: date
    period_end: date


class Decision(BaseModel):
    """Approve or reject, by a principal whose scopes the API has read."""

    approve: bool
    principal_id: str
    scopes: list[str]
    note: str | None = None
    # Approve although remittance exceptions are open (recorded on the run).
    override_exceptions: bool = False


class SettlementResult(BaseModel):
    """Where the run ended: posted, rejected, below_minimum, or failed with `error`."""

    state: SettlementState | None
    error: str | None = None


def settlement_workflow_id(channel_id: str, period_start: date) -> str:
    """`channel-settlement:{channelId}:{periodStart}`."""
    return f"channel-settlement:{channel_id}:{period_start.isoformat()}"


@workflow.defn(name="ChannelSettlement")
class ChannelSettlementWorkflow:
    """Settle one channel over one period.

    Id: `channel-settlement:{channelId}:{periodStart}` (search attribute ChannelId).
    Steps: open the run and compute its items (commission engine per channel booking,
    net = gross - commission checked, totals checked); if the policy requires approval,
    wait for the `decide` update; post the finance documents only once approved.
    Updates: `decide` (approve or reject): its validator refuses a principal without
    `settlements:approve` and a run that is not awaiting approval; the decision is
    persisted before the update returns; an approval of a run with open remittance
    exceptions fails the update (`settlement_open_exceptions`) unless it sets
    `override_exceptions`, and the run keeps waiting. Nothing is posted before approval; a
    rejection posts nothing, releases the run's booking claims and ends the run.
    Query: `state`. Retries: database steps retry 20 times; domain refusals (no policy,
    no number series) fail at once and end the run with the error.
    Compensation: none needed; posting is one transaction under the run's row lock.
    """

    def __init__(self) -> None:
        self._state: SettlementState | None = None

    @workflow.query
    def state(self) -> SettlementState | None:
        """The run as last seen."""
        return self._state

    def _set(self, state: SettlementState) -> None:
        self._state = state
        workflow.set_current_details(
            f"{state.status}: {state.item_count} bookings, gross {state.gross_minor},"
            f" commission {state.commission_minor}, net {state.net_minor},"
            f" balance {state.balance_minor} {state.currency}"
        )

    @workflow.run
    async def run(self, params: SettlementInput) -> SettlementResult:
        """Compute, maybe wait for a decision, post."""
        try:
            self._set(
                await workflow.execute_activity(
                    "settlement.open_and_compute",
                    SettlementPeriod(**params.model_dump()),
                    result_type=SettlementState,
                    start_to_close_timeout=timedelta(minutes=10),
                    retry_policy=DB_RETRY,
                )
            )
            assert self._state is not None
            await workflow.wait_condition(
                lambda: self._state is not None and self._state.status != "awaiting_approval"
            )
            if self._state.status != "approved":
                return SettlementResult(state=self._state)
            self._set(
                await workflow.execute_activity(
                    "settlement.post",
                    RunInput(run_id=self._state.run_id),
                    result_type=SettlementState,
                    start_to_close_timeout=timedelta(minutes=2),
                    retry_policy=DB_RETRY,
                )
            )
        except ActivityError as err:
            error = str(err.cause or err)
            workflow.set_current_details(f"failed: {error}")
            return SettlementResult(state=self._state, error=error)
        return SettlementResult(state=self._state)

    @workflow.update
    async def decide(self, decision: Decision) -> SettlementState:
        """Persist the decision; the run continues (approve) or ends (reject)."""
        assert self._state is not None
        state: SettlementState = await workflow.execute_activity(
            "settlement.decide",
            DecideInput(
                run_id=self._state.run_id,
                approve=decision.approve,
                principal_id=decision.principal_id,
                note=decision.note,
                override_exceptions=decision.override_exceptions,
            ),
            result_type=SettlementState,
            start_to_close_timeout=timedelta(seconds=60),
            retry_policy=DB_RETRY,
        )
        self._set(state)
        return state

    @decide.validator
    def _check_decision(self, decision: Decision) -> None:
        if not has_scope(decision.scopes, APPROVE_SCOPE):
            raise ValueError(f"deciding a settlement needs the '{APPROVE_SCOPE}' scope")
        if self._state is None or self._state.status != "awaiting_approval":
            status = self._state.status if self._state else "computing"
            raise ValueError(f"the settlement is {status}, not awaiting approval")
