from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest


@pytest.fixture
def data_dir() -> Iterator[Path]:
    """Outside pytest's basetemp (see conftest.pg_admin_url for why)."""
    root = Path(tempfile.mkdtemp(prefix="tourflow-e2e-"))
    yield root / "data"
    shutil.rmtree(root, ignore_errors=True)
