"""Per-test databases cloned from the migrated template ahead of time, off the test's path.

`CREATE DATABASE ... TEMPLATE` costs 0.15-0.3 s and there are hundreds of database
tests. One background thread keeps a few clones ready and drops used ones, so a test
takes a clone that already exists and hands it back without waiting for the drop; the
clone work overlaps the tests, which mostly wait on I/O.
"""

from __future__ import annotations

import queue
import threading
import uuid
from collections.abc import Callable

import psycopg

Connect = Callable[[], psycopg.Connection]


class ClonePool:
    """Clones of `template` made by one thread; `take` one, `give_back` it when done."""

    def __init__(self, connect: Connect, template: str, *, ready: int = 2) -> None:
        self._connect = connect
        self._template = template
        self._ready: queue.Queue[str | BaseException] = queue.Queue(maxsize=ready)
        self._drops: queue.Queue[str] = queue.Queue()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="db-clones", daemon=True)
        self._thread.start()

    def take(self, timeout: float = 120.0) -> str:
        """A fresh clone's name (raises what the thread hit, if it failed)."""
        got = self._ready.get(timeout=timeout)
        if isinstance(got, BaseException):
            raise got
        return got

    def give_back(self, name: str) -> None:
        """Drop a used clone (in the background)."""
        self._drops.put(name)

    def close(self) -> None:
        """Stop the thread, then drop every clone still around."""
        self._stop.set()
        self._thread.join(timeout=120)
        leftovers = []
        while not self._ready.empty():
            got = self._ready.get_nowait()
            if isinstance(got, str):
                leftovers.append(got)
        while not self._drops.empty():
            leftovers.append(self._drops.get_nowait())
        with self._connect() as conn:
            for name in leftovers:
                conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    def _run(self) -> None:
        try:
            with self._connect() as conn:
                while not self._stop.is_set():
                    while not self._drops.empty():
                        name = self._drops.get_nowait()
                        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
                    if self._ready.full():
                        self._stop.wait(0.02)
                        continue
                    name = f"tf_test_{uuid.uuid4().hex[:12]}"
                    conn.execute(f'CREATE DATABASE "{name}" TEMPLATE "{self._template}"')
                    self._ready.put(name)
        except BaseException as exc:  # surfaced to the next `take`
            while not self._stop.is_set():
                try:
                    self._ready.put(exc, timeout=0.1)
                    return
                except queue.Full:
                    continue
