"""A benchmark that fails, for the runner's smoke test."""

from __future__ import annotations

import argparse

from bench.common import Metric


def run(args: argparse.Namespace) -> list[Metric]:
    raise RuntimeError("the stack did not come up")
