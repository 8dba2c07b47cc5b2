"""Running the demo: find (or start) the stack, get a key, serve the simulated processor,
run the steps with progress bars, print the summary."""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from datetime import UTC, date, datetime
from typing import Any
from urllib.parse import urlsplit

import httpx
from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    SpinnerColumn,
    TextColumn,
    TimeElapsedColumn,
)
from sqlalchemy import select

from tourflow.demo import summary
from tourflow.demo.context import DemoContext, DemoError
from tourflow.demo.drive import used_day
from tourflow.demo.plan import DAY_STEPS, SEED_STEPS
from tourflow.settings import Settings

READY_TIMEOUT_SECONDS = 120.0
DEMO_KEY_NAME = "tourflow-demo"


def main(
    settings: Settings,
    *,
    api_url: str | None,
    start: bool,
    keep_running: bool,
    json_output: bool,
    console: Console,
) -> int:
    """Run the demo once; returns the exit code."""
    url = (api_url or f"http://{settings.api_host}:{settings.api_port}").rstrip("/")
    sims: list[subprocess.Popen[bytes]] = []  # the sim channels this run started
    owned = False
    try:
        with _stack(
            settings, url, start=start, keep_running=keep_running, console=console
        ) as owned:
            result = asyncio.run(_run(settings, url, console, sims))
            summary.render(result, console)
            if json_output:
                print(json.dumps(result, indent=2))
            if sims and not owned:
                pids = " ".join(str(p.pid) for p in sims)
                console.print(
                    f"the simulated channels keep running for the next run (stop: kill {pids})"
                )
    finally:
        if owned:
            _stop(sims)
    return 0


def _stop(processes: list[subprocess.Popen[bytes]]) -> None:
    """Stop processes this run started (the simulated channels of a stack it started)."""
    for proc in processes:
        if proc.poll() is None:
            proc.terminate()
    for proc in processes:
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(5)


def _ready(url: str) -> bool:
    try:
        return httpx.get(f"{url}/readyz", timeout=2).status_code == 200
    except httpx.HTTPError:
        return False


@contextmanager
def _stack(
    settings: Settings, url: str, *, start: bool, keep_running: bool, console: Console
) -> Iterator[bool]:
    """Use the API at `url`, or start `tourflow up` (and stop it afterwards unless kept).

    Yields whether this run started the stack."""
    if _ready(url):
        yield False
        return
    if not start:
        raise DemoError(f"no tourflow API answers at {url}; run `tourflow up` first")
    log_path = settings.resolved_data_dir / "demo-up.log"
    log_path.parent.mkdir(parents=True, exist_ok=True)
    console.print(f"no API at {url}: starting `tourflow up` (log: {log_path})...")
    with log_path.open("ab") as log:
        proc = subprocess.Popen(
            [sys.executable, "-m", "tourflow", "up"], stdout=log, stderr=subprocess.STDOUT
        )
        try:
            deadline = time.monotonic() + READY_TIMEOUT_SECONDS
            while not _ready(url):
                if proc.poll() is not None:
                    raise DemoError(f"`tourflow up` exited with {proc.returncode}; see {log_path}")
                if time.monotonic() > deadline:
                    raise DemoError(f"`tourflow up` was not ready in {READY_TIMEOUT_SECONDS:.0f} s")
                time.sleep(0.5)
            yield True
            if not keep_running:
                console.print("stopping the stack this demo started (--keep-running keeps it)")
            else:
                console.print("tourflow keeps running for you to explore; Ctrl-C stops it.")
                with contextlib.suppress(KeyboardInterrupt):
                    proc.wait()
        finally:
            if proc.poll() is None:
                proc.send_signal(signal.SIGINT)
                try:
                    proc.wait(60)
                except subprocess.TimeoutExpired:
                    proc.kill()
                    proc.wait(5)


async def _key_and_used_days(settings: Settings) -> tuple[str, set[date]]:
    """A fresh staff key for this run, and the days earlier runs drove (from the database)."""
    from domain.auth.service import create_principal_with_key
    from domain.bookings.models import Booking
    from domain.db import unit_of_work
    from tourflow.runtime import resolve_runtime

    async with resolve_runtime(settings) as rt, unit_of_work(rt.session_factory) as session:
        _, key = await create_principal_with_key(
            session, kind="staff", name=DEMO_KEY_NAME, scopes=["*:*"]
        )
        refs = await session.scalars(
            select(Booking.external_ref).where(Booking.external_ref.like("demo:%"))
        )
        days = {d for d in map(used_day, refs.all()) if d is not None}
    return key, days


def _listening(host: str, port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.settimeout(1)
        return sock.connect_ex((host, port)) == 0


@asynccontextmanager
async def _processor(settings: Settings, console: Console) -> AsyncIterator[str]:
    """The simulated card processor at TOURFLOW_PAYMENT_PROCESSOR_URL (served here if down)."""
    url = settings.payment_processor_url.rstrip("/")
    parts = urlsplit(url)
    host, port = parts.hostname or "127.0.0.1", parts.port or 80
    if _listening(host, port):
        yield url
        return
    if host not in ("127.0.0.1", "localhost"):
        raise DemoError(f"the payment processor at {url} is not reachable")
    import uvicorn

    from adapters.payments.sim_processor import create_sim_app

    server = uvicorn.Server(
        uvicorn.Config(
            create_sim_app(settings.payment_webhook_secret),
            host=host,
            port=port,
            log_config=None,
            lifespan="off",
        )
    )
    task = asyncio.create_task(server.serve())
    for _ in range(250):
        if server.started:
            break
        await asyncio.sleep(0.02)
    console.print(f"serving the simulated card processor at {url} for this run")
    try:
        yield url
    finally:
        server.should_exit = True
        await task


def _ui_url(settings: Settings) -> str | None:
    if settings.temporal_address:
        return os.environ.get("TOURFLOW_TEMPORAL_UI_URL")
    return f"http://127.0.0.1:{settings.embedded_temporal_ui_port}"


async def _run(
    settings: Settings, url: str, console: Console, sims: list[subprocess.Popen[bytes]]
) -> dict[str, Any]:
    key, used = await _key_and_used_days(settings)
    async with (
        _processor(settings, console) as processor_url,
        httpx.AsyncClient(
            base_url=url, headers={"Authorization": f"Bearer {key}"}, timeout=60
        ) as api,
    ):
        ctx = DemoContext(
            api=api,
            processor_url=processor_url,
            ui_url=_ui_url(settings),
            started_at=datetime.now(UTC),
            settings=settings,
            used_days=used,
            sim_processes=sims,
        )
        watermark = await summary.intent_watermark(ctx)
        columns = (
            SpinnerColumn(),
            TextColumn("[bold]{task.fields[phase]:<5}[/] {task.description:<42}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
        )
        with Progress(*columns, console=console, transient=False) as progress:
            for phase, steps in (("seed", SEED_STEPS), ("day", DAY_STEPS)):
                task = progress.add_task("", total=len(steps), phase=phase)
                for label, step in steps:
                    progress.update(task, description=label)
                    try:
                        await step(ctx)
                    except httpx.HTTPError as exc:
                        req = exc.request if exc.__dict__.get("_request") else None
                        where = f" ({req.method} {req.url})" if req is not None else ""
                        raise DemoError(
                            f"step {label!r}: {type(exc).__name__}{where}: {exc}"
                        ) from exc
                    progress.advance(task)
                progress.update(task, description="done")
        return await summary.build(ctx, watermark, settings.temporal_namespace)
