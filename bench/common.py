"""Shared bench plumbing: a throwaway embedded database, timing, and the result table."""

from __future__ import annotations

import json
import shutil
import statistics
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from pathlib import Path

from rich.console import Console
from rich.table import Table

from tourflow import migrate
from tourflow.embedded import EmbeddedPostgres

RESULTS_DIR = Path(__file__).parent / "results"


@dataclass(frozen=True)
class Figure:
    """One metric: tourflow's median next to the baseline's, over repeated runs."""

    metric: str
    unit: str
    tourflow: float
    tourflow_min: float
    tourflow_max: float
    baseline: float
    baseline_name: str
    goal: str

    @property
    def ratio(self) -> float:
        """tourflow / baseline."""
        return self.tourflow / self.baseline if self.baseline else float("nan")


def summarise(
    metric: str, unit: str, runs: list[float], baseline: list[float], baseline_name: str, goal: str
) -> Figure:
    """Median, min and max of tourflow's runs; median of the baseline's."""
    return Figure(
        metric, unit, statistics.median(runs), min(runs), max(runs),
        statistics.median(baseline), baseline_name, goal,
    )  # fmt: skip


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


class Stopwatch:
    """`with Stopwatch() as sw: ...; sw.seconds`."""

    def __enter__(self) -> Stopwatch:
        self._t = time.perf_counter()
        return self

    def __exit__(self, *_: object) -> None:
        self.seconds = time.perf_counter() - self._t


def report(name: str, figures: list[Figure]) -> Path:
    """Print the table and write JSON to bench/results/<name>.json."""
    table = Table(title=f"bench: {name}")
    for col in ("metric", "tourflow (median [min-max])", "baseline", "ratio", "goal"):
        table.add_column(col)
    for f in figures:
        table.add_row(
            f"{f.metric} ({f.unit})",
            f"{f.tourflow:,.1f} [{f.tourflow_min:,.1f}-{f.tourflow_max:,.1f}]",
            f"{f.baseline:,.1f} ({f.baseline_name})",
            f"{f.ratio:.2f}",
            f.goal,
        )
    Console().print(table)
    RESULTS_DIR.mkdir(exist_ok=True)
    path = RESULTS_DIR / f"{name}.json"
    path.write_text(json.dumps([{**asdict(f), "ratio": f.ratio} for f in figures], indent=2))
    return path
