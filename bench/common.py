"""Shared bench plumbing: the Metric every benchmark returns, timing and percentiles, and
throwaway embedded parts (a migrated PostgreSQL, a Temporal dev server).

The runner (bench/runner.py) prints and stores what `run(args)` returns; see bench/README.md.
"""

from __future__ import annotations

import math
import shutil
import statistics
import tempfile
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from tourflow import migrate
from tourflow.embedded import EmbeddedPostgres, TemporalDevServer, free_port

RESULTS_DIR = Path(__file__).parent / "results"


@dataclass(frozen=True)
class Metric:
    """One line of the table: tourflow's figure next to a baseline measured in the same run.

    `tourflow` and `baseline` are medians over the repeats, with their min and max.
    `higher_is_better` says how to read the ratio (throughput: yes; latency: no).
    `notes` carries correctness checks that go with the figure ("gaps 0, duplicates 0").
    """

    name: str
    unit: str
    tourflow: float
    tourflow_min: float
    tourflow_max: float
    baseline: float
    baseline_min: float
    baseline_max: float
    baseline_name: str
    goal: str
    higher_is_better: bool = True
    repeats: int = 1
    notes: str = ""

    @property
    def ratio(self) -> float:
        """tourflow / baseline (NaN without a baseline figure)."""
        return self.tourflow / self.baseline if self.baseline else math.nan

    @property
    def metric(self) -> str:
        """The old name of `name` (bench modules written against `Figure`)."""
        return self.name

    def to_json(self) -> dict[str, Any]:
        """Plain JSON, ratio included (NaN becomes null)."""
        ratio = self.ratio
        return {**asdict(self), "ratio": None if math.isnan(ratio) else ratio}


Figure = Metric  # the earlier name, kept for modules that import it


def measure(
    name: str,
    unit: str,
    ours: Sequence[float],
    base: Sequence[float],
    *,
    baseline_name: str,
    goal: str,
    higher_is_better: bool = True,
    notes: str = "",
) -> Metric:
    """Median, min and max of both series (one value per repeat)."""
    if not ours or not base:
        raise ValueError(f"{name}: a metric needs at least one run of each side")
    return Metric(
        name=name,
        unit=unit,
        tourflow=statistics.median(ours),
        tourflow_min=min(ours),
        tourflow_max=max(ours),
        baseline=statistics.median(base),
        baseline_min=min(base),
        baseline_max=max(base),
        baseline_name=baseline_name,
        goal=goal,
        higher_is_better=higher_is_better,
        repeats=min(len(ours), len(base)),
        notes=notes,
    )


def summarise(
    metric: str, unit: str, runs: list[float], baseline: list[float], baseline_name: str, goal: str
) -> Metric:
    """The earlier helper: `measure` with positional arguments."""
    return measure(metric, unit, runs, baseline, baseline_name=baseline_name, goal=goal)


def percentile(values: Sequence[float], q: float) -> float:
    """The q-th percentile (0-100) by nearest rank: p99 of 100 samples is the 99th."""
    if not values:
        raise ValueError("no samples")
    ordered = sorted(values)
    rank = max(1, math.ceil(q / 100 * len(ordered)))
    return ordered[rank - 1]


def repeats(args: Any, *, full: int, quick: int) -> int:
    """`--repeat` if given, else the benchmark's default for the mode."""
    given = getattr(args, "repeat", None)
    return int(given) if given else (quick if getattr(args, "quick", False) else full)


@contextmanager
def scratch_database() -> Iterator[str]:
    """A migrated database on a throwaway embedded PostgreSQL; removed afterwards."""
    root = Path(tempfile.mkdtemp(prefix="tourflow-bench-"))
    server = EmbeddedPostgres(root / "pgdata")
    url = server.start()
    migrate.upgrade(url)
    try:
        yield url
    finally:
        server.stop(force=True)
        shutil.rmtree(root, ignore_errors=True)


@contextmanager
def temporal_server() -> Iterator[str]:
    """A headless, in-memory Temporal dev server on a free port; yields its address."""
    server = TemporalDevServer(db_file=None, port=free_port(), ui_port=None)
    server.start()
    try:
        yield server.address
    finally:
        server.stop()


class Stopwatch:
    """`with Stopwatch() as sw: ...; sw.seconds`."""

    def __enter__(self) -> Stopwatch:
        self._t = time.perf_counter()
        return self

    def __exit__(self, *_: object) -> None:
        self.seconds = time.perf_counter() - self._t


def report(name: str, figures: list[Metric]) -> Path:
    """Print one benchmark's table and write bench/results/<name>.json (standalone use)."""
    from bench.runner import Outcome, print_table, write_results

    outcome = Outcome(name=name, seconds=0.0, metrics=figures)
    print_table([outcome])
    return write_results([outcome], RESULTS_DIR, quick=False, combined=False)[0]
