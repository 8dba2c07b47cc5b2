"""Rolling slot horizon: keep every active rule generated N days ahead."""

from __future__ import annotations

from datetime import timedelta

from temporalio import workflow
from temporalio.common import RetryPolicy
from temporalio.exceptions import WorkflowAlreadyStartedError
from temporalio.workflow import ParentClosePolicy

with workflow.unsafe.imports_passed_through():
    from activities.availability import ActiveRules, HorizonInput, HorizonResult

SCHEDULE_ID = "slot-horizon"
_RETRY = RetryPolicy(maximum_attempts=5, initial_interval=timedelta(seconds=2))


def horizon_workflow_id(rule_id: str, day: str) -> str:
    """Deterministic id of one rule's horizon run on one day."""
    return f"slot-horizon:{rule_id}:{day}"


@workflow.defn(name="SlotHorizon")
class SlotHorizonWorkflow:
    """Generate one rule's missing slots from its local today to today + horizon_days.

    Id: `slot-horizon:{ruleId}:{yyyy-mm-dd}` (from the daily sweep, or from the intent
    written when a rule is created or changed).
    Signals / updates: none. Retries: five attempts; generation is idempotent, so a retry
    (or a second run the same day) creates nothing twice and never touches edited slots.
    Compensation: none needed.
    """

    @workflow.run
    async def run(self, params: HorizonInput) -> HorizonResult:
        """Generate once."""
        result: HorizonResult = await workflow.execute_activity(
            "availability.generate_horizon",
            params,
            result_type=HorizonResult,
            start_to_close_timeout=timedelta(minutes=5),
            retry_policy=_RETRY,
        )
        return result


@workflow.defn(name="SlotHorizonSweep")
class SlotHorizonSweepWorkflow:
    """Start today's SlotHorizon run for every active rule, 50 at a time.

    Id: started daily by the Temporal Schedule `slot-horizon` (overlap skipped).
    Children are abandoned on close so a sweep cut short leaves its started runs going;
    their deterministic ids make the next sweep skip nothing and duplicate nothing.
    """

    @workflow.run
    async def run(self) -> int:
        """Returns how many rules were processed."""
        rules: ActiveRules = await workflow.execute_activity(
            "availability.list_active_rules",
            result_type=ActiveRules,
            start_to_close_timeout=timedelta(minutes=1),
            retry_policy=_RETRY,
        )
        day = workflow.now().date().isoformat()
        for i in range(0, len(rules.rule_ids), 50):
            batch = rules.rule_ids[i : i + 50]
            handles = []
            for rule_id in batch:
                try:
                    handles.append(
                        await workflow.start_child_workflow(
                            SlotHorizonWorkflow.run,
                            HorizonInput(rule_id=rule_id),
                            id=horizon_workflow_id(rule_id, day),
                            parent_close_policy=ParentClosePolicy.ABANDON,
                        )
                    )
                except WorkflowAlreadyStartedError:
                    continue  # today's run for this rule is already going
            for handle in handles:
                await handle
        return len(rules.rule_ids)
