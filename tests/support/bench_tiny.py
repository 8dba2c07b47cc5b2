"""A tiny benchmark for the runner's smoke test: sorting a list vs heapq, in memory."""

from __future__ import annotations

import argparse
import heapq
import random
from typing import Any

from bench.common import Metric, Stopwatch, measure, repeats

DESCRIPTION = "tiny: sorted() vs heapq.nsmallest on the same list"


def add_arguments(parser: Any) -> None:
    parser.add_argument("--tiny-size", type=int, default=2000)


def run(args: argparse.Namespace) -> list[Metric]:
    values = [random.random() for _ in range(args.tiny_size)]
    ours, base = [], []
    for _ in range(repeats(args, full=3, quick=2)):
        with Stopwatch() as sw:
            sorted(values)
        ours.append(len(values) / sw.seconds)
        with Stopwatch() as hw:
            heapq.nsmallest(len(values), values)
        base.append(len(values) / hw.seconds)
    return [
        measure(
            "tiny sort",
            "items/s",
            ours,
            base,
            baseline_name="heapq.nsmallest",
            goal="none (plumbing check)",
            notes=f"{len(values)} items",
        )
    ]
