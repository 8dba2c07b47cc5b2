"""Activities of the reserve workflow: each owns its transaction and is safe to repeat."""

from __future__ import annotations

from contextlib import AbstractAsyncContextManager
from datetime import datetime, timedelta
from typing import Any

from pydantic import BaseModel
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from temporalio import activity
from temporalio.exceptions import ApplicationError

from domain.bookings.service import Context
from domain.db import AfterCommit, unit_of_work
from domain.errors import DomainError
from domain.reservations import booking as booking_step
from domain.reservations import service, steps

# Errors that are bugs, not outages: retrying them only keeps seats held, so they fail the
# step at once and the workflow compensates. Database and network errors stay retryable.
NON_RETRYABLE = [
    "AssertionError",
    "AttributeError",
    "DataError",
    "IndexError",
    "IntegrityError",
    "KeyError",
    "LookupError",
    "MultipleResultsFound",
    "NameError",
    "NoResultFound",
    "NotImplementedError",
    "RuntimeError",
    "TypeError",
    "ValidationError",
    "ValueError",
    "ZeroDivisionError",
]


class VersionRef(BaseModel):
    """Which accepted quote version."""

    quote_version_id: str


class PlanLineRef(BaseModel):
    """One plan line as the workflow sees it."""

    line_id: str
    position: int
    kind: str
    status: str


class PlanView(BaseModel):
    """The plan to run, and how long its holds last."""

    plan_id: str
    status: str
    lines: list[PlanLineRef]
    hold_ttl_seconds: int


class PlanRef(BaseModel):
    """Which plan."""

    plan_id: str


class LineStep(BaseModel):
    """Act on one line, at the workflow's clock."""

    line_id: str
    as_of: datetime | None = None
    # Release only: close a line still pending (a cancelled run), see steps.release_line.
    close_pending: bool = False


class StepResult(BaseModel):
    """A step's outcome: ok, or the failure code naming the line."""

    ok: bool
    line_id: str | None = None
    code: str | None = None
    reason: str | None = None
    message: str | None = None
    outcome: str | None = None


class HoldStep(BaseModel):
    """Hold one catalog line for `ttl_seconds`."""

    line_id: str
    ttl_seconds: int


class SupplierRequested(BaseModel):
    """When the supplier must have answered, or why the line could not be asked."""

    respond_by: datetime | None = None
    code: str | None = None
    reason: str | None = None
    message: str | None = None


class LineStatus(BaseModel):
    """A line's status after compensation."""

    line_id: str
    status: str


class ReleaseFailure(BaseModel):
    """Compensation of `line_id` failed with `error` (`attempts` times, when still retried)."""

    line_id: str
    error: str
    attempts: int = 0


class FailPlan(BaseModel):
    """Close the plan as failed, naming the code and the line."""

    plan_id: str
    code: str
    line_id: str | None
    message: str


class BookResult(BaseModel):
    """The booking, or why it could not be created."""

    ok: bool
    booking_id: str | None = None
    number: str | None = None
    status: str | None = None
    code: str | None = None
    line_id: str | None = None
    message: str | None = None


class ReserveActivities:
    """Database work of `reserve:{quoteVersionId}`; intents dispatch after each commit."""

    def __init__(
        self,
        factory: async_sessionmaker[AsyncSession],
        task_queue: str,
        after_commit: AfterCommit | None = None,
        default_hold_ttl: timedelta = timedelta(minutes=30),
    ) -> None:
        self._factory = factory
        self._task_queue = task_queue
        self._after_commit = after_commit
        self._default_hold_ttl = default_hold_ttl

    def _uow(self) -> AbstractAsyncContextManager[AsyncSession]:
        return unit_of_work(self._factory, after_commit=self._after_commit)

    @activity.defn(name="reserve.load_plan")
    async def load_plan(self, ref: VersionRef) -> PlanView:
        """The version's plan and its lines (written at acceptance); none: a non-retryable
        failure (nothing was held, nothing to compensate)."""
        async with self._uow() as session:
            try:
                plan = await service.plan_for_version(session, ref.quote_version_id)
            except DomainError as exc:
                raise ApplicationError(exc.message, type=exc.code, non_retryable=True) from exc
            lines = await service.plan_lines(session, plan.id)
            ttl = await steps.hold_ttl_for(session, plan_id=plan.id)
            return PlanView(
                plan_id=plan.id,
                status=plan.status,
                lines=[
                    PlanLineRef(line_id=ln.id, position=ln.position, kind=ln.kind, status=ln.status)
                    for ln in lines
                ],
                hold_ttl_seconds=int(ttl.total_seconds()),
            )

    @activity.defn(name="reserve.recheck")
    async def recheck(self, ref: PlanRef) -> StepResult:
        """Sellability, price and cost of every catalog line; holds nothing."""
        try:
            async with self._uow() as session:
                problem = await steps.recheck(session, plan_id=ref.plan_id)
        except DomainError as exc:
            return _refused(None, exc)
        if problem is None:
            return StepResult(ok=True)
        return StepResult(
            ok=False,
            line_id=problem.line_id,
            code=problem.code,
            reason=problem.reason,
            message=problem.message,
        )

    @activity.defn(name="reserve.hold_line")
    async def hold_line(self, step: HoldStep) -> StepResult:
        """Place (or re-find) the line's availability hold."""
        try:
            async with self._uow() as session:
                failure = await steps.hold_line(
                    session,
                    line_id=step.line_id,
                    ttl=timedelta(seconds=step.ttl_seconds),
                    task_queue=self._task_queue,
                )
        except DomainError as exc:
            return _refused(step.line_id, exc)
        if failure is None:
            return StepResult(ok=True, line_id=step.line_id)
        return StepResult(
            ok=False,
            line_id=step.line_id,
            code=failure.code,
            reason=failure.reason,
            message=failure.message,
        )

    @activity.defn(name="reserve.request_supplier")
    async def request_supplier(self, step: LineStep) -> SupplierRequested:
        """Ask the supplier (once); the respond-by time never moves on a retry."""
        assert step.as_of is not None
        try:
            async with self._uow() as session:
                asked = await steps.request_supplier(
                    session, line_id=step.line_id, as_of=step.as_of
                )
        except DomainError as exc:
            return SupplierRequested(code=exc.code, reason=exc.code, message=exc.message)
        if isinstance(asked, steps.StepFailure):
            return SupplierRequested(code=asked.code, reason=asked.reason, message=asked.message)
        return SupplierRequested(respond_by=asked)

    @activity.defn(name="reserve.settle_supplier")
    async def settle_supplier(self, step: LineStep) -> StepResult:
        """The supplier's answer from the database; overdue requests are called off."""
        assert step.as_of is not None
        try:
            async with self._uow() as session:
                outcome, failure = await steps.settle_supplier(
                    session, line_id=step.line_id, as_of=step.as_of
                )
        except DomainError as exc:
            return _refused(step.line_id, exc)
        if failure is None:
            return StepResult(ok=True, line_id=step.line_id, outcome=outcome)
        return StepResult(
            ok=False,
            line_id=step.line_id,
            outcome=outcome,
            code=failure.code,
            reason=failure.reason,
            message=failure.message,
        )

    @activity.defn(name="reserve.release_line")
    async def release_line(self, step: LineStep) -> LineStatus:
        """Compensate one line (release its hold, or call its supplier request off).

        A domain refusal (e.g. the hold is gone) will not change on a retry: it fails
        non-retryably and the workflow records the line `release_failed`.
        """
        try:
            async with self._uow() as session:
                status = await steps.release_line(
                    session, line_id=step.line_id, close_pending=step.close_pending
                )
        except DomainError as exc:
            raise ApplicationError(
                f"{exc.code}: {exc.message}", type=exc.code, non_retryable=True
            ) from exc
        return LineStatus(line_id=step.line_id, status=status)

    @activity.defn(name="reserve.alert_release_stuck")
    async def alert_release_stuck(self, failure: ReleaseFailure) -> LineStatus:
        """Raise the release_failed alert for a release that is still being retried."""
        async with self._uow() as session:
            status = await steps.alert_release_stuck(
                session, line_id=failure.line_id, error=failure.error, attempts=failure.attempts
            )
        return LineStatus(line_id=failure.line_id, status=status)

    @activity.defn(name="reserve.mark_release_failed")
    async def mark_release_failed(self, failure: ReleaseFailure) -> LineStatus:
        """Record a compensation that failed for good, with an alert event."""
        async with self._uow() as session:
            status = await steps.mark_release_failed(
                session, line_id=failure.line_id, error=failure.error
            )
        return LineStatus(line_id=failure.line_id, status=status)

    @activity.defn(name="reserve.fail_plan")
    async def fail_plan(self, params: FailPlan) -> PlanRef:
        """Close the plan as failed."""
        async with self._uow() as session:
            await service.fail_plan(
                session,
                plan_id=params.plan_id,
                code=params.code,
                line_id=params.line_id,
                message=params.message,
            )
        return PlanRef(plan_id=params.plan_id)

    @activity.defn(name="reserve.book")
    async def book(self, ref: PlanRef) -> BookResult:
        """Create the booking (once) from the secured plan."""
        ctx = Context(
            actor_id="workflow:reserve",
            task_queue=self._task_queue,
            default_hold_ttl=self._default_hold_ttl,
        )
        try:
            async with self._uow() as session:
                result = await booking_step.book_plan(session, plan_id=ref.plan_id, ctx=ctx)
        except DomainError as exc:  # a gate refused: nothing was written
            return BookResult(
                ok=False, code="booking_refused", message=f"{exc.code}: {exc.message}"
            )
        if isinstance(result, steps.StepFailure):
            return BookResult(ok=False, code=result.code, message=result.message)
        return BookResult(
            ok=True, booking_id=result.booking_id, number=result.number, status=result.status
        )

    def all(self) -> list[Any]:
        """Every activity of the reserve workflow, for the worker."""
        return [
            self.load_plan,
            self.recheck,
            self.hold_line,
            self.request_supplier,
            self.settle_supplier,
            self.release_line,
            self.alert_release_stuck,
            self.mark_release_failed,
            self.fail_plan,
            self.book,
        ]


def _refused(line_id: str | None, exc: DomainError) -> StepResult:
    """A domain refusal inside a step: a failure the workflow compensates, not a retry."""
    return StepResult(
        ok=False, line_id=line_id, code=exc.code, reason=exc.code, message=exc.message
    )
