"""`tourflow up`: the whole system on one machine, stopped cleanly on Ctrl-C or SIGTERM."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx
from rich.console import Console
from rich.panel import Panel

from tourflow import migrate
from tourflow.embedded import (
    EmbeddedPostgres,
    TemporalDevServer,
    child_setup,
    ensure_port_free,
)
from tourflow.keyfile import ensure_local_kms_key
from tourflow.settings import Settings

console = Console(stderr=True)
READY_TIMEOUT_SECONDS = 90.0


@dataclass
class Stack:
    """Everything `up` started, in start order; stopped in reverse."""

    postgres: EmbeddedPostgres | None = None
    temporal: TemporalDevServer | None = None
    children: dict[str, subprocess.Popen[bytes]] = field(default_factory=dict)

    def stop(self) -> None:
        """Stop the API and worker first (they drain), then Temporal, then PostgreSQL."""
        for name, proc in reversed(list(self.children.items())):
            if proc.poll() is None:
                console.print(f"stopping {name}...")
                proc.send_signal(signal.SIGTERM)
        for proc in self.children.values():
            try:
                proc.wait(20)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(5)
        if self.temporal is not None:
            console.print("stopping Temporal dev server...")
            self.temporal.stop()
        if self.postgres is not None:
            console.print("stopping PostgreSQL...")
            self.postgres.stop()


def up(settings: Settings) -> int:
    """Start what is needed, migrate, run worker + API; block until Ctrl-C or SIGTERM."""
    stop = threading.Event()
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    data_dir = settings.resolved_data_dir
    data_dir.mkdir(parents=True, exist_ok=True)
    ensure_port_free(settings.api_port, settings.api_host, "TOURFLOW_API_PORT")
    stack = Stack()
    try:
        env = dict(os.environ)
        if settings.database_url:
            db_url = settings.database_url
        else:
            console.print(f"starting PostgreSQL (data in {data_dir / 'pgdata'})...")
            stack.postgres = EmbeddedPostgres(data_dir / "pgdata")
            db_url = stack.postgres.start()
        env["TOURFLOW_DATABASE_URL"] = db_url
        if settings.temporal_address:
            temporal_address = settings.temporal_address
            ui_url = None
        else:
            console.print("starting Temporal dev server...")
            stack.temporal = TemporalDevServer(
                db_file=data_dir / "temporal.db",
                port=settings.embedded_temporal_port,
                ui_port=settings.embedded_temporal_ui_port,
                namespace=settings.temporal_namespace,
                log_file=data_dir / "temporal.log",
            )
            temporal_address = stack.temporal.start()
            ui_url = f"http://127.0.0.1:{settings.embedded_temporal_ui_port}"
        env["TOURFLOW_TEMPORAL_ADDRESS"] = temporal_address
        console.print("applying migrations...")
        migrate.upgrade(db_url)
        if not settings.kms_key:
            ensure_local_kms_key(settings.resolved_kms_key_file)
        for name in ("worker", "api"):
            stack.children[name] = subprocess.Popen(
                [sys.executable, "-m", "tourflow", name], env=env, preexec_fn=child_setup
            )
        api_url = f"http://{settings.api_host}:{settings.api_port}"
        if not _wait_ready(f"{api_url}/readyz", stack, stop):
            return 0 if stop.is_set() else 1
        _announce(api_url, ui_url, temporal_address, data_dir)
        while not stop.wait(0.5):
            for name, proc in stack.children.items():
                if proc.poll() is not None:
                    console.print(
                        f"[red]the {name} exited (code {proc.returncode}); shutting down[/]"
                    )
                    return 1
        return 0
    finally:
        stack.stop()
        console.print("stopped.")


def _wait_ready(url: str, stack: Stack, stop: threading.Event) -> bool:
    deadline = time.monotonic() + READY_TIMEOUT_SECONDS
    while time.monotonic() < deadline and not stop.is_set():
        for name, proc in stack.children.items():
            if proc.poll() is not None:
                console.print(f"[red]the {name} exited during start (code {proc.returncode})[/]")
                return False
        try:
            if httpx.get(url, timeout=2).status_code == 200:
                return True
        except httpx.HTTPError:
            pass
        time.sleep(0.3)
    if not stop.is_set():
        console.print(f"[red]{url} did not become ready in {READY_TIMEOUT_SECONDS:.0f} s[/]")
    return False


def _announce(api_url: str, ui_url: str | None, temporal: str, data_dir: Path) -> None:
    lines = [
        f"API          {api_url}  (docs: {api_url}/docs)",
        f"Temporal UI  {ui_url or 'external cluster at ' + temporal}",
        f"Data         {data_dir}",
        "",
        "Create an API key:  tourflow keys create --name me --kind staff --scope '*:*'",
        "Stop:               Ctrl-C",
    ]
    console.print(Panel("\n".join(lines), title="tourflow is up", expand=False))
