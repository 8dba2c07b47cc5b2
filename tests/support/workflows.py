"""Workflows used only by tests of the spine."""

from __future__ import annotations

from datetime import timedelta

from pydantic import BaseModel
from temporalio import workflow


class EchoInput(BaseModel):
    message: str


class Note(BaseModel):
    key: str
    text: str


@workflow.defn(name="TestEcho")
class EchoWorkflow:
    """Waits for a `finish` signal (or returns at once when told), echoing what it got.

    Signals carry an idempotency key and are de-duplicated by it, as real workflows must.
    """

    def __init__(self) -> None:
        self.notes: dict[str, str] = {}
        self.finished = False

    @workflow.run
    async def run(self, params: EchoInput) -> str:
        if params.message != "wait":
            return params.message
        await workflow.wait_condition(lambda: self.finished)
        return ",".join(self.notes[k] for k in sorted(self.notes))

    @workflow.signal
    def note(self, note: Note) -> None:
        self.notes.setdefault(note.key, note.text)

    @workflow.signal
    def finish(self) -> None:
        self.finished = True


@workflow.defn(name="TestLongTimer")
class LongTimerWorkflow:
    """Sleeps two days, then returns how long it slept (time-skipping harness check)."""

    @workflow.run
    async def run(self) -> float:
        start = workflow.now()
        await workflow.sleep(timedelta(days=2))
        return (workflow.now() - start).total_seconds()
