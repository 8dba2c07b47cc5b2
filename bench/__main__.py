"""python -m bench [name ...] [--quick] [--repeat N]: run every benchmark, or the named ones."""

from __future__ import annotations

import sys

from bench.runner import main

if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
