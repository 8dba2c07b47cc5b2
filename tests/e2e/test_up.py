"""`tourflow up` as a user runs it: ready within 60 s, clean Ctrl-C, data kept across runs."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
import psutil
import pytest

from tourflow.embedded import free_port


def env_for(data_dir: Path, **ports: int) -> dict[str, str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith("TOURFLOW_") and k not in ("DATABASE_URL", "TEMPORAL_ADDRESS")
    }
    env.update(
        TOURFLOW_DATA_DIR=str(data_dir),
        TOURFLOW_API_PORT=str(ports["api"]),
        TOURFLOW_EMBEDDED_TEMPORAL_PORT=str(ports["temporal"]),
        TOURFLOW_EMBEDDED_TEMPORAL_UI_PORT=str(ports["ui"]),
    )
    return env


def leftovers(data_dir: Path) -> list[str]:
    found = []
    for proc in psutil.process_iter(["cmdline"]):
        cmd = " ".join(proc.info["cmdline"] or [])
        if str(data_dir) in cmd and ("postgres" in cmd or "temporal" in cmd):
            found.append(cmd)
    return found


def wait_ready(url: str, proc: subprocess.Popen[bytes], timeout: float) -> float:
    start = time.monotonic()
    while time.monotonic() - start < timeout:
        assert proc.poll() is None, f"tourflow up exited early with {proc.returncode}"
        try:
            if httpx.get(url, timeout=1).status_code == 200:
                return time.monotonic() - start
        except httpx.HTTPError:
            pass
        time.sleep(0.25)
    pytest.fail(f"{url} was not ready within {timeout} s")


def run_cli(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "tourflow", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_up_serves_readyz_and_the_ui_stops_cleanly_and_keeps_data(data_dir):
    ports = {"api": free_port(), "temporal": free_port(), "ui": free_port()}
    env = env_for(data_dir, **ports)
    api = f"http://127.0.0.1:{ports['api']}"

    first = subprocess.Popen(
        [sys.executable, "-m", "tourflow", "up"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    try:
        wait_ready(f"{api}/readyz", first, timeout=60)
        assert httpx.get(f"http://127.0.0.1:{ports['ui']}/", timeout=5).status_code == 200
        created = run_cli(env, "keys", "create", "--name", "e2e", "--scope", "ops:read")
        assert created.returncode == 0, created.stderr
        key = created.stdout.strip()
        assert (
            httpx.get(f"{api}/v1/me", headers={"Authorization": f"Bearer {key}"}).status_code == 200
        )
    finally:
        first.send_signal(signal.SIGINT)
        out = first.communicate(timeout=60)[0].decode()
    assert first.returncode == 0, out
    assert "Traceback" not in out
    assert leftovers(data_dir) == []

    second = subprocess.Popen(
        [sys.executable, "-m", "tourflow", "up"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    try:
        wait_ready(f"{api}/readyz", second, timeout=60)
        me = httpx.get(f"{api}/v1/me", headers={"Authorization": f"Bearer {key}"})
        assert me.status_code == 200 and me.json()["name"] == "e2e"
    finally:
        second.send_signal(signal.SIGTERM)
        second.communicate(timeout=60)
    assert second.returncode == 0
    assert leftovers(data_dir) == []
