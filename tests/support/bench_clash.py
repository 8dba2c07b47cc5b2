"""A benchmark whose option clashes with bench_tiny's, for the runner's smoke test."""

from __future__ import annotations

import argparse
from typing import Any

from bench.common import Metric


def add_arguments(parser: Any) -> None:
    parser.add_argument("--tiny-size", type=int, default=1)


def run(args: argparse.Namespace) -> list[Metric]:
    raise AssertionError("never runs: its options clash")
