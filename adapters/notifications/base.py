"""The Notifier protocol and the message it delivers."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Protocol


@dataclass(frozen=True, slots=True)
class Notification:
    """One message. `key` is its business idempotency key: senders may be called twice for
    one key (activities run at least once) and receivers de-duplicate by it."""

    key: str
    template: str
    subject: str
    body: str
    recipient: dict[str, Any] = field(default_factory=dict)
    data: dict[str, Any] = field(default_factory=dict)


class Notifier(Protocol):
    """Delivers notifications (email, SMS, a file ...). Raises on failure, so callers retry."""

    channel: str

    async def send(self, notification: Notification) -> None:
        """Deliver `notification`."""
        ...
