"""What every demo step gets: the API client, the day being driven, and what was done."""

from __future__ import annotations

import asyncio
import subprocess
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

import httpx

from tourflow.settings import Settings


class DemoError(Exception):
    """A step could not do what it needed (shown as one sentence, exit code 1)."""


@dataclass
class Outcome:
    """One line of the summary: which step, what it did, and the ids to check it by."""

    step: str
    detail: str
    ids: dict[str, str] = field(default_factory=dict)


@dataclass
class DemoContext:
    """Shared state of one demo run."""

    api: httpx.AsyncClient
    processor_url: str
    ui_url: str | None
    started_at: datetime
    settings: Settings
    day: date | None = None
    seeded: dict[str, Any] = field(default_factory=dict)
    outcomes: list[Outcome] = field(default_factory=list)
    bookings: dict[str, str] = field(default_factory=dict)  # booking id -> expected status
    credit_notes: list[str] = field(default_factory=list)
    made: dict[str, dict[str, Any]] = field(default_factory=dict)  # day step -> its booking
    checks: dict[str, Any] = field(default_factory=dict)  # figures the e2e test re-reads
    sim_processes: list[subprocess.Popen[bytes]] = field(default_factory=list)  # started here
    used_days: set[date] = field(default_factory=set)

    def record(self, step: str, detail: str, **ids: str) -> None:
        """Add a summary line."""
        self.outcomes.append(Outcome(step, detail, dict(ids)))

    async def get(self, path: str, **params: Any) -> Any:
        """GET a JSON body, or raise DemoError naming the route and the API's error."""
        resp = await self.api.get(path, params=params or None)
        return body_of(resp, "GET", path)

    async def post(self, path: str, body: Any = None, *, key: str | None = None) -> Any:
        """POST JSON; `key` goes out as Idempotency-Key so a retried run replays, not repeats."""
        headers = {"Idempotency-Key": key} if key else None
        resp = await self.api.post(path, json=body, headers=headers)
        return body_of(resp, "POST", path)

    async def put(self, path: str, body: Any) -> Any:
        """PUT JSON (create-or-replace routes)."""
        resp = await self.api.put(path, json=body)
        return body_of(resp, "PUT", path)

    async def wait_for(
        self,
        what: str,
        probe: Callable[[], Awaitable[Any]],
        *,
        within: float = 60.0,
        every: float = 0.25,
    ) -> Any:
        """Poll `probe` until it returns something truthy (workflows, subscribers are async)."""
        deadline = asyncio.get_running_loop().time() + within
        while True:
            got = await probe()
            if got:
                return got
            if asyncio.get_running_loop().time() > deadline:
                raise DemoError(f"gave up waiting for {what} after {within:.0f} s")
            await asyncio.sleep(every)


def body_of(resp: httpx.Response, method: str, path: str) -> Any:
    """The JSON body, or DemoError naming the route and the API's error."""
    if resp.status_code >= 400:
        try:
            err = resp.json()
            reason = f"{err.get('code')}: {err.get('message')}"
        except ValueError:
            reason = resp.text[:200]
        raise DemoError(f"{method} {path} answered {resp.status_code} ({reason})")
    return resp.json() if resp.content else None
