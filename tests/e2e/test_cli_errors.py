"""Expected failures are one clear sentence and exit code 1, never a traceback."""

from __future__ import annotations

import socket
import subprocess
import sys

from tests.e2e.test_up import env_for
from tourflow.embedded import free_port


def test_up_with_the_api_port_taken_says_so_in_one_sentence(data_dir):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        env = env_for(data_dir, api=port, temporal=free_port(), ui=free_port())
        r = subprocess.run(
            [sys.executable, "-m", "tourflow", "up"],
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
        )
    assert r.returncode == 1
    assert f"port {port} is already in use" in r.stderr
    assert "Traceback" not in r.stderr + r.stdout


def test_migrate_against_an_unreachable_database_says_so_in_one_sentence(data_dir):
    env = env_for(data_dir, api=free_port(), temporal=free_port(), ui=free_port())
    env["TOURFLOW_DATABASE_URL"] = f"postgresql://nobody@127.0.0.1:{free_port()}/tourflow"
    r = subprocess.run(
        [sys.executable, "-m", "tourflow", "migrate"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert r.returncode == 1
    assert "the database is not reachable" in r.stderr
    assert "Traceback" not in r.stderr


def test_worker_against_an_unreachable_temporal_says_so_in_one_sentence(data_dir, database_url):
    env = env_for(data_dir, api=free_port(), temporal=free_port(), ui=free_port())
    env["TOURFLOW_DATABASE_URL"] = database_url
    env["TOURFLOW_TEMPORAL_ADDRESS"] = f"127.0.0.1:{free_port()}"
    r = subprocess.run(
        [sys.executable, "-m", "tourflow", "worker"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert r.returncode == 1
    assert "Temporal is not reachable" in r.stderr
    assert "Traceback" not in r.stderr
