"""Workflows and activities used only by the observability tests."""

from __future__ import annotations

import logging
from datetime import timedelta

from pydantic import BaseModel
from temporalio import activity, workflow
from temporalio.common import RetryPolicy
from temporalio.exceptions import ApplicationError


class ShoutInput(BaseModel):
    text: str
    fail: bool = False


@activity.defn(name="test_shout")
async def shout(params: ShoutInput) -> str:
    """Upper-cases the text, or fails for good when told to."""
    logging.getLogger("tests.shout").info("shout activity")
    if params.fail:
        raise ApplicationError("told to fail", non_retryable=True)
    return params.text.upper()


@workflow.defn(name="TestShout")
class ShoutWorkflow:
    """Runs `test_shout` once; fails when the activity does."""

    @workflow.run
    async def run(self, params: ShoutInput) -> str:
        workflow.logger.info("shouting")
        result: str = await workflow.execute_activity(
            shout,
            params,
            start_to_close_timeout=timedelta(seconds=10),
            retry_policy=RetryPolicy(maximum_attempts=1),
        )
        return result
