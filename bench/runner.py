"""The suite runner: `python -m bench [name ...] [--quick] [--repeat N]` or `tourflow bench`.

Runs every registered benchmark (bench/registry.py), or the named ones, one after the
other; prints one table of metric, tourflow's figure, the same-run baseline, the ratio and
the goal; writes bench/results/<name>.json per benchmark and bench/results/latest.json for
the whole run. A benchmark that fails is reported and the others still run (exit code 1).
"""

from __future__ import annotations

import argparse
import importlib
import json
import os
import platform
import signal
import subprocess
import sys
import time
import traceback
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from types import ModuleType
from typing import Any

from rich.console import Console
from rich.table import Table

from bench.common import RESULTS_DIR, Metric
from bench.registry import BENCHMARKS


class BenchTimeout(Exception):
    """A benchmark ran past `--timeout`."""


@dataclass
class Outcome:
    """What one benchmark produced: its metrics, or the error that stopped it."""

    name: str
    seconds: float
    metrics: list[Metric] = field(default_factory=list)
    error: str | None = None
    description: str = ""

    def to_json(self) -> dict[str, Any]:
        return {
            "benchmark": self.name,
            "description": self.description,
            "seconds": round(self.seconds, 3),
            "error": self.error,
            "metrics": [m.to_json() for m in self.metrics],
        }


def _description(module: ModuleType) -> str:
    text = getattr(module, "DESCRIPTION", None) or (module.__doc__ or "").strip()
    return text.splitlines()[0] if text else ""


def load(registry: Mapping[str, str]) -> tuple[dict[str, ModuleType], dict[str, str]]:
    """Import every registered module; a module that fails to import is an error, not a crash."""
    modules, broken = {}, {}
    for name, path in registry.items():
        try:
            modules[name] = importlib.import_module(path)
        except Exception:  # reported, and the rest of the suite still runs
            broken[name] = traceback.format_exc(limit=3)
    return modules, broken


def build_parser(
    modules: dict[str, ModuleType], names: Sequence[str], broken: dict[str, str]
) -> argparse.ArgumentParser:
    """Common options, then each module's own; a module whose option clashes with an
    earlier one is moved to `broken` (its name is reported as failed, the rest still run)."""
    parser = argparse.ArgumentParser(
        prog="python -m bench",
        description="Run tourflow's benchmarks against their same-run baselines.",
    )
    parser.add_argument("names", nargs="*", metavar="name", help=f"any of: {', '.join(names)}")
    parser.add_argument("--quick", action="store_true", help="small sizes, fewer repeats")
    parser.add_argument("--repeat", type=int, default=None, help="repeats per figure")
    parser.add_argument("--results-dir", type=Path, default=RESULTS_DIR, help="where JSON goes")
    parser.add_argument("--list", action="store_true", help="list the benchmarks and exit")
    parser.add_argument(
        "--timeout", type=int, default=600, help="seconds one benchmark may take (0: no limit)"
    )
    for name, module in list(modules.items()):
        add = getattr(module, "add_arguments", None)
        if add is not None:
            try:
                add(parser.add_argument_group(name, _description(module)))
            except argparse.ArgumentError as exc:
                broken[name] = f"option clash: {exc} (prefix the option with the benchmark)"
                del modules[name]
    return parser


def run_one(name: str, module: ModuleType, args: argparse.Namespace) -> Outcome:
    """Run one benchmark; any exception (or running past `args.timeout`) is its error.

    The time limit is a SIGALRM raising inside the benchmark, so its own cleanup (the
    scratch database, the Temporal server) still runs; without SIGALRM there is no limit.
    """
    started = time.perf_counter()
    outcome = Outcome(name=name, seconds=0.0, description=_description(module))
    limit = int(getattr(args, "timeout", 0) or 0)
    armed = limit > 0 and hasattr(signal, "SIGALRM")

    def expire(_signum: int, _frame: object) -> None:
        raise BenchTimeout(f"{name} ran past --timeout {limit} s")

    previous = signal.signal(signal.SIGALRM, expire) if armed else None
    if armed:
        signal.alarm(limit)
    try:
        metrics = module.run(args)
        if not metrics or not all(isinstance(m, Metric) for m in metrics):
            raise TypeError(f"{name}.run() must return a non-empty list of Metric")
        outcome.metrics = list(metrics)
    except Exception:  # one failing benchmark must not hide the others
        outcome.error = traceback.format_exc(limit=5)
    finally:
        if armed:
            signal.alarm(0)
            signal.signal(signal.SIGALRM, previous)
    outcome.seconds = time.perf_counter() - started
    return outcome


def _span(median: float, low: float, high: float) -> str:
    return f"{median:,.2f} [{low:,.2f}-{high:,.2f}]"


def print_table(outcomes: Sequence[Outcome], console: Console | None = None) -> None:
    """One table for the whole run; errors listed below it."""
    console = console or Console(width=max(160, Console().width))
    table = Table(title="tourflow bench", show_lines=False)
    for col in ("benchmark", "metric", "unit", "tourflow median [min-max]",
                "baseline median [min-max]", "ratio", "goal", "notes"):  # fmt: skip
        table.add_column(col, overflow="fold")
    for outcome in outcomes:
        if outcome.error:
            table.add_row(outcome.name, "FAILED", "", "", "", "", "", "see below")
        for m in outcome.metrics:
            better = "higher" if m.higher_is_better else "lower"
            table.add_row(
                outcome.name,
                m.name,
                m.unit,
                _span(m.tourflow, m.tourflow_min, m.tourflow_max),
                f"{_span(m.baseline, m.baseline_min, m.baseline_max)} ({m.baseline_name})",
                f"{m.ratio:.3f} ({better} is better)",
                m.goal,
                m.notes,
            )
    console.print(table)
    for outcome in outcomes:
        console.print(f"{outcome.name}: {outcome.seconds:.1f} s")
        if outcome.error:
            console.print(f"[red]{outcome.name} failed:[/red]\n{outcome.error}")


def _machine() -> dict[str, Any]:
    try:
        commit = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"],
            capture_output=True, text=True, timeout=5, check=False,
            cwd=Path(__file__).parent,
        ).stdout.strip() or None  # fmt: skip
    except OSError:
        commit = None
    return {
        "platform": platform.platform(),
        "python": platform.python_version(),
        "cpus": os.cpu_count(),
        "load_average": list(os.getloadavg()) if hasattr(os, "getloadavg") else None,
        "commit": commit,
    }


def write_results(
    outcomes: Sequence[Outcome], results_dir: Path, *, quick: bool, combined: bool = True
) -> list[Path]:
    """bench/results/<name>.json per benchmark, plus latest.json for the run."""
    results_dir.mkdir(parents=True, exist_ok=True)
    now = datetime.now(UTC).isoformat(timespec="seconds")
    paths = []
    for outcome in outcomes:
        path = results_dir / f"{outcome.name}.json"
        path.write_text(
            json.dumps({"finished_at": now, "quick": quick, **outcome.to_json()}, indent=2)
        )
        paths.append(path)
    if combined:
        path = results_dir / "latest.json"
        body = {
            "finished_at": now,
            "quick": quick,
            "argv": sys.argv[1:],
            "machine": _machine(),
            "seconds": round(sum(o.seconds for o in outcomes), 3),
            "benchmarks": [o.to_json() for o in outcomes],
        }
        path.write_text(json.dumps(body, indent=2))
        paths.append(path)
    return paths


def main(argv: Sequence[str] | None = None, registry: Mapping[str, str] | None = None) -> int:
    """Parse, run the selected benchmarks, print and write; 0 when all of them succeeded."""
    registry = dict(BENCHMARKS if registry is None else registry)
    modules, broken = load(registry)
    args = build_parser(modules, list(registry), broken).parse_args(list(argv or []))
    if args.list:
        for name in registry:
            about = _description(modules[name]) if name in modules else "(fails to import)"
            print(f"{name:24} {about}")
        return 0
    unknown = [n for n in args.names if n not in registry]
    if unknown:
        print(f"unknown benchmark(s) {', '.join(unknown)}; choose from {', '.join(registry)}")
        return 2
    outcomes = []
    for name in args.names or list(registry):
        if name in broken:
            outcomes.append(Outcome(name=name, seconds=0.0, error=broken[name]))
            continue
        print(f"running {name}{' (quick)' if args.quick else ''} ...", flush=True)
        outcomes.append(run_one(name, modules[name], args))
    print_table(outcomes)
    for path in write_results(outcomes, args.results_dir, quick=args.quick):
        print(f"wrote {path}")
    return 1 if any(o.error for o in outcomes) else 0
