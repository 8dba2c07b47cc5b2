"""A Temporal worker interceptor counting workflow and activity outcomes by type.

Workflow outcomes are counted once, when the execution really finishes in this worker: never
during replay (a worker that rebuilds a workflow from history does not count it again).
Counting happens outside the sandbox's restrictions; it has no effect on workflow state.
"""

from __future__ import annotations

import asyncio
from typing import Any

from temporalio import activity, workflow
from temporalio.exceptions import FailureError
from temporalio.worker import (
    ActivityInboundInterceptor,
    ExecuteActivityInput,
    ExecuteWorkflowInput,
    Interceptor,
    WorkflowInboundInterceptor,
    WorkflowInterceptorClassInput,
)

from tourflow.observability.metrics import ACTIVITY_OUTCOMES, WORKFLOW_OUTCOMES


def workflow_outcome(error: BaseException | None) -> str:
    """How a workflow run ended, from the exception its run method raised (None: completed)."""
    if error is None:
        return "completed"
    if isinstance(error, workflow.ContinueAsNewError):
        return "continued_as_new"
    if isinstance(error, asyncio.CancelledError):
        return "cancelled"
    if isinstance(error, FailureError):
        return "failed"
    return "task_failed"  # any other exception fails the task; Temporal retries it


def activity_outcome(error: BaseException | None) -> str:
    """How an activity attempt ended."""
    if error is None:
        return "completed"
    if isinstance(error, asyncio.CancelledError):
        return "cancelled"
    return "failed"


class _ActivityOutcomes(ActivityInboundInterceptor):
    async def execute_activity(self, input: ExecuteActivityInput) -> Any:
        error: BaseException | None = None
        try:
            return await self.next.execute_activity(input)
        except BaseException as exc:
            error = exc
            raise
        finally:
            ACTIVITY_OUTCOMES.labels(
                activity_type=activity.info().activity_type, outcome=activity_outcome(error)
            ).inc()


class _WorkflowOutcomes(WorkflowInboundInterceptor):
    async def execute_workflow(self, input: ExecuteWorkflowInput) -> Any:
        error: BaseException | None = None
        try:
            return await self.next.execute_workflow(input)
        except BaseException as exc:
            error = exc
            raise
        finally:
            if not workflow.unsafe.is_replaying():
                with workflow.unsafe.sandbox_unrestricted():
                    WORKFLOW_OUTCOMES.labels(
                        workflow_type=workflow.info().workflow_type,
                        outcome=workflow_outcome(error),
                    ).inc()


class OutcomeMetricsInterceptor(Interceptor):
    """Register with `Worker(..., interceptors=[OutcomeMetricsInterceptor()])`."""

    def intercept_activity(self, next: ActivityInboundInterceptor) -> ActivityInboundInterceptor:
        return _ActivityOutcomes(next)

    def workflow_interceptor_class(
        self, input: WorkflowInterceptorClassInput
    ) -> type[WorkflowInboundInterceptor] | None:
        return _WorkflowOutcomes
