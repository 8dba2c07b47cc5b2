"""A benchmark that would take far too long, for the runner's time limit."""

from __future__ import annotations

import argparse
import time

from bench.common import Metric


def run(args: argparse.Namespace) -> list[Metric]:
    time.sleep(60)
    raise AssertionError("the time limit should have stopped this")
