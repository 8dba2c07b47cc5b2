"""python -m bench [name] [args...]: run every benchmark, or the named one."""

from __future__ import annotations

import sys

from bench import slot_generation

BENCHMARKS = {"slot_generation": slot_generation.main}

if __name__ == "__main__":
    names = sys.argv[1:2] or list(BENCHMARKS)
    rest = sys.argv[2:]
    for name in names:
        if name not in BENCHMARKS:
            raise SystemExit(f"unknown benchmark {name!r}; choose from {', '.join(BENCHMARKS)}")
        BENCHMARKS[name](rest)
