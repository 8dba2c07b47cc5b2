"""The local KMS key file (used by the local KMS provider for traveller PII envelopes)."""

from __future__ import annotations

import base64
import os
import secrets
from pathlib import Path


def ensure_local_kms_key(path: Path) -> bool:
    """Create a random 256-bit key at `path` (mode 0600) unless one exists; True if created."""
    if path.exists():
        return False
    path.parent.mkdir(parents=True, exist_ok=True)
    key = base64.b64encode(secrets.token_bytes(32)).decode()
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(key + "\n")
    return True
