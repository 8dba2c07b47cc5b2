"""The default notifier: one JSON line per notification, appended to a file (and logged)."""

from __future__ import annotations

import asyncio
import json
import logging
from dataclasses import asdict
from datetime import UTC, datetime
from pathlib import Path

from adapters.notifications.base import Notification
from tourflow.settings import Settings

log = logging.getLogger("tourflow.notifications")


class FileNotifier:
    """Appends `{"sent_at", "key", "template", ...}` lines to `path` (created as needed)."""

    channel = "file"

    def __init__(self, path: Path) -> None:
        self.path = path

    async def send(self, notification: Notification) -> None:
        line = json.dumps(
            {"sent_at": datetime.now(UTC).isoformat(), **asdict(notification)},
            separators=(",", ":"),
            default=str,
        )
        await asyncio.to_thread(self._append, line)
        log.info("notification sent", extra={"key": notification.key, "path": str(self.path)})

    def _append(self, line: str) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with self.path.open("a", encoding="utf-8") as fh:
            fh.write(line + "\n")


def default_notifier(settings: Settings | None = None) -> FileNotifier:
    """The file notifier at TOURFLOW_NOTIFICATIONS_FILE, default <data_dir>/notifications.jsonl."""
    settings = settings or Settings()
    return FileNotifier(
        settings.notifications_file or settings.resolved_data_dir / "notifications.jsonl"
    )
