"""Reserve: an accepted quote version's frozen lines -> a reservation plan -> one booking.

Id: `reserve:{quoteVersionId}`, started from the intent written when the version is
accepted (accepting twice finds the same intent and the same workflow id, so one run).
Search attributes: QuoteVersionId from the start, BookingId once the booking exists.
Current details name the step and the line being worked on.

Steps, in order (a readable saga):
1. `recheck`: sellability, price and cost of every catalog line, before any hold. Price
   and cost come live from the line's option unit (`price_minor`/`currency`,
   `cost_minor`/`cost_currency`); a line with no live price is `quote_unavailable`, a
   unit that keeps no cost is not compared on cost. A problem ends the run with
   `quote_unavailable` or `price_changed` naming the line; nothing was held, so nothing
   is compensated.
2. Line by line, in position order: catalog lines place an availability hold under the
   token `reserve:{versionId}:{lineId}` (a retried activity re-finds the same hold);
   manual lines go to supplier confirmation and the workflow waits for the answer until
   the line's respond-by deadline.
3. `book`: the holds convert into booking allocations in one transaction, the booking's
   origin is `accepted_quote_version`; on_hold (with its `booking-hold:{id}` workflow) or
   confirmed, by the version's payment terms.

Supplier answers (a deliberate deviation from "waits for a confirm-or-decline update"):
the staff route and the supplier webhook record the answer on the plan line in the
database first, and a `supplier_answered` signal {line_id, status, key} (de-duplicated by
key) is sent through a workflow intent after that commit. An update would be lost with
the caller if the worker were down; this way the answer is durable the moment the API
returns 200, and the workflow only uses the signal to wake up: on every wake-up it reads
the database, so a lost or late signal only delays to the deadline. The wake-up flag is
cleared as soon as the wait returns, so an answer that lands while the database is being
read wakes the next wait at once.

`booking_supplier_statuses` (a deviation): those rows belong to a booking, and only a
plan that succeeds creates one, so they are written (requested -> confirmed) when the
booking is created. A decline or a timeout is recorded on the plan line instead
(`supplier_status` declined / cancelled, `failure_code`, `detail` with the reason).

Retries: every activity has a 30 s start-to-close timeout and retries with backoff
without limit (the database may be down), except for errors that are bugs (AssertionError,
RuntimeError, TypeError, ... see `activities.reserve.NON_RETRYABLE`): those fail the step
at once. Domain refusals inside a step come back as failed step results. Either way the
run compensates as below, with the code of the refusal or `reserve_step_failed`.
Failure and compensation: any failure after step 1 undoes the completed lines in reverse
order: holds are released, open supplier requests called off, lines a supplier already
confirmed end `release_not_configured`. A release is retried without limit (it is
idempotent); after `release_alert_after` failed attempts (input, 5 by default) the
`reservation_plan.release_failed` alert event is raised (`definitive: false`) and the
retries go on. Only a release that fails for good (a non-retryable error, e.g. the hold
is gone) ends `release_failed`, with the alert `definitive: true`. The plan is then
marked failed and the run fails with a non-retryable ApplicationError whose type is the
code.
Cancellation: cancelling the run compensates every line it reached, including one whose
step was in flight (a line still pending is closed as `skipped` under the row lock its
step takes, so the step places nothing), marks the plan failed with
`reserve_cancelled`, and ends the run cancelled. A cancel that arrives after the booking
was written keeps the booking (the plan stays booked).
Resuming: every activity is keyed by plan line (version + line), so a worker killed
mid-run resumes on replay without a second hold or a second booking.
"""

from __future__ import annotations

import contextlib
from datetime import timedelta
from typing import Any, NoReturn, TypeVar

from pydantic import BaseModel
from temporalio import workflow
from temporalio.common import RetryPolicy
from temporalio.exceptions import (
    ActivityError,
    ApplicationError,
    RetryState,
    is_cancelled_exception,
)

with workflow.unsafe.imports_passed_through():
    from activities.reserve import (
        NON_RETRYABLE,
        BookResult,
        FailPlan,
        HoldStep,
        LineStatus,
        LineStep,
        PlanLineRef,
        PlanRef,
        PlanView,
        ReleaseFailure,
        StepResult,
        SupplierRequested,
        VersionRef,
    )
    from tourflow.temporal import SEARCH_ATTRIBUTES

T = TypeVar("T")
TIMEOUT = timedelta(seconds=30)
FOREVER = RetryPolicy(
    maximum_interval=timedelta(minutes=1), non_retryable_error_types=NON_RETRYABLE
)
RELEASE_INTERVAL = timedelta(seconds=30)


class ReserveInput(BaseModel):
    """Which accepted quote version."""

    quote_version_id: str
    # Failed attempts of one line's release before the release_failed alert is raised;
    # the release is retried on after it.
    release_alert_after: int = 5


class ReserveResult(BaseModel):
    """The booking the plan produced."""

    quote_version_id: str
    plan_id: str
    booking_id: str
    booking_number: str
    booking_status: str


class SupplierAnswered(BaseModel):
    """A supplier's answer for a manual line was recorded (the database holds it)."""

    line_id: str
    status: str
    key: str


@workflow.defn(name="Reserve")
class ReserveWorkflow:
    """Recheck, hold line by line, wait for suppliers, then book; compensate on failure."""

    def __init__(self) -> None:
        self._answered: set[str] = set()
        self._keys: set[str] = set()
        self._alert_after = 5
        # Every line the run reached, the one in flight included (compensated on cancel).
        self._reached: list[PlanLineRef] = []

    @workflow.run
    async def run(self, params: ReserveInput) -> ReserveResult:
        """The saga; see the module docstring."""
        workflow.upsert_search_attributes(
            [SEARCH_ATTRIBUTES["QuoteVersionId"].value_set(params.quote_version_id)]
        )
        self._details("load plan")
        self._alert_after = max(1, params.release_alert_after)
        plan = await self._act(
            "reserve.load_plan", VersionRef(quote_version_id=params.quote_version_id), PlanView
        )
        try:
            return await self._reserve(params, plan)
        except BaseException as exc:
            if not is_cancelled_exception(exc):
                raise
            await self._cancelled(plan)
            raise

    async def _reserve(self, params: ReserveInput, plan: PlanView) -> ReserveResult:
        self._details("recheck")
        ref = PlanRef(plan_id=plan.plan_id)
        check = await self._step(plan, [], "reserve.recheck", ref, StepResult, None)
        if not check.ok:
            await self._fail(plan, check, done=[])
        done: list[PlanLineRef] = []
        for line in plan.lines:
            self._reached.append(line)
            if line.kind == "catalog":
                self._details("hold", line)
                step = HoldStep(line_id=line.line_id, ttl_seconds=plan.hold_ttl_seconds)
                held = await self._step(plan, done, "reserve.hold_line", step, StepResult, line)
                if not held.ok:
                    await self._fail(plan, held, done)
            else:
                answer = await self._supplier(plan, done, line)
                if not answer.ok:
                    await self._fail(plan, answer, done)
            done.append(line)
        self._details("book")
        booked = await self._step(plan, done, "reserve.book", ref, BookResult, None)
        if not booked.ok or booked.booking_id is None or booked.number is None:
            failure = StepResult(ok=False, code=booked.code, message=booked.message)
            await self._fail(plan, failure, done)
        workflow.upsert_search_attributes(
            [SEARCH_ATTRIBUTES["BookingId"].value_set(booked.booking_id)]
        )
        self._details(f"booked {booked.number} ({booked.booking_id})")
        return ReserveResult(
            quote_version_id=params.quote_version_id,
            plan_id=plan.plan_id,
            booking_id=booked.booking_id,
            booking_number=booked.number,
            booking_status=booked.status or "",
        )

    @workflow.signal
    def supplier_answered(self, answer: SupplierAnswered) -> None:
        """Wake the wait for `answer.line_id` (duplicates by key are ignored)."""
        if answer.key in self._keys:
            return
        self._keys.add(answer.key)
        self._answered.add(answer.line_id)

    async def _supplier(
        self, plan: PlanView, done: list[PlanLineRef], line: PlanLineRef
    ) -> StepResult:
        """Ask the supplier, then wait for the answer or the deadline."""
        self._details("supplier confirmation", line)
        asked = await self._step(
            plan,
            done,
            "reserve.request_supplier",
            LineStep(line_id=line.line_id, as_of=workflow.now()),
            SupplierRequested,
            line,
        )
        if asked.respond_by is None:
            return StepResult(
                ok=False,
                line_id=line.line_id,
                code=asked.code,
                reason=asked.reason,
                message=asked.message,
            )
        while True:
            remaining = asked.respond_by - workflow.now()
            if remaining > timedelta(0):
                self._details(
                    f"waiting for supplier until {asked.respond_by:%Y-%m-%d %H:%M:%S}", line
                )
                with contextlib.suppress(TimeoutError):
                    await workflow.wait_condition(
                        lambda: line.line_id in self._answered, timeout=remaining
                    )
            # Clear the wake-up before reading the database: an answer landing while it
            # is read sets it again and the next wait returns at once.
            self._answered.discard(line.line_id)
            settled = await self._step(
                plan,
                done,
                "reserve.settle_supplier",
                LineStep(line_id=line.line_id, as_of=workflow.now()),
                StepResult,
                line,
            )
            if settled.outcome != "waiting":
                return settled

    async def _fail(self, plan: PlanView, failure: StepResult, done: list[PlanLineRef]) -> NoReturn:
        """Compensate completed lines in reverse, close the plan, fail the run."""
        for line in reversed(done):
            await self._release(line)
        code = failure.code or "reserve_failed"
        message = failure.message or code
        await self._act(
            "reserve.fail_plan",
            FailPlan(plan_id=plan.plan_id, code=code, line_id=failure.line_id, message=message),
            PlanRef,
        )
        self._details(f"failed: {code} ({message})")
        raise ApplicationError(
            message,
            {"code": code, "line_id": failure.line_id, "reason": failure.reason},
            type=code,
            non_retryable=True,
        )

    async def _cancelled(self, plan: PlanView) -> None:
        """The run was cancelled: give back everything it reached, close the plan failed.

        Activities still run after the cancellation was caught (it is delivered once).
        """
        for line in reversed(self._reached):
            await self._release(line, close_pending=True)
        code, message = "reserve_cancelled", "the reserve workflow was cancelled"
        await self._act(
            "reserve.fail_plan",
            FailPlan(plan_id=plan.plan_id, code=code, line_id=None, message=message),
            PlanRef,
        )
        self._details(f"cancelled ({message})")

    async def _release(self, line: PlanLineRef, *, close_pending: bool = False) -> None:
        """Undo one line, retrying without limit; alert after `release_alert_after` attempts.

        Only a non-retryable failure ends the line `release_failed`.
        """
        self._details("compensate", line)
        step = LineStep(line_id=line.line_id, close_pending=close_pending)
        first = RetryPolicy(
            maximum_interval=RELEASE_INTERVAL,
            maximum_attempts=self._alert_after,
            non_retryable_error_types=NON_RETRYABLE,
        )
        try:
            await self._act("reserve.release_line", step, LineStatus, retry=first)
            return
        except ActivityError as exc:
            if is_cancelled_exception(exc):  # cancelled mid-compensation: run() starts over
                raise
            if exc.retry_state == RetryState.NON_RETRYABLE_FAILURE:
                await self._release_failed(line, exc)
                return
            await self._act(
                "reserve.alert_release_stuck",
                ReleaseFailure(line_id=line.line_id, error=_cause(exc), attempts=self._alert_after),
                LineStatus,
            )
        self._details("compensate (alert raised, still retrying)", line)
        forever = RetryPolicy(
            maximum_interval=RELEASE_INTERVAL, non_retryable_error_types=NON_RETRYABLE
        )
        try:
            await self._act("reserve.release_line", step, LineStatus, retry=forever)
        except ActivityError as exc:  # only a non-retryable error ends unlimited retries
            if is_cancelled_exception(exc):
                raise
            await self._release_failed(line, exc)

    async def _release_failed(self, line: PlanLineRef, exc: ActivityError) -> None:
        await self._act(
            "reserve.mark_release_failed",
            ReleaseFailure(line_id=line.line_id, error=_cause(exc)),
            LineStatus,
        )

    async def _step(
        self,
        plan: PlanView,
        done: list[PlanLineRef],
        name: str,
        arg: Any,
        result: type[T],
        line: PlanLineRef | None,
    ) -> T:
        """A forward step; one that fails for good (a bug) fails the run with compensation."""
        try:
            return await self._act(name, arg, result)
        except ActivityError as exc:
            if is_cancelled_exception(exc):
                raise
            failure = StepResult(
                ok=False,
                line_id=line.line_id if line else None,
                code="reserve_step_failed",
                reason=name,
                message=f"{name} failed: {_cause(exc)}",
            )
            await self._fail(plan, failure, done)

    @staticmethod
    def _details(step: str, line: PlanLineRef | None = None) -> None:
        where = f" · line {line.position} ({line.kind}, {line.line_id})" if line else ""
        workflow.set_current_details(f"step: {step}{where}")

    @staticmethod
    async def _act(name: str, arg: Any, result: type[T], *, retry: RetryPolicy = FOREVER) -> T:
        value: T = await workflow.execute_activity(
            name,
            arg,
            result_type=result,
            start_to_close_timeout=TIMEOUT,
            retry_policy=retry,
        )
        return value


def _cause(exc: ActivityError) -> str:
    cause = exc.cause or exc
    return f"{type(cause).__name__}: {cause}"[:1000]
