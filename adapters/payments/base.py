"""The payment-starter seam: finance asks a starter to begin collecting a session."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Protocol


@dataclass(frozen=True, slots=True)
class StartRequest:
    """What a starter needs to know about the session it starts."""

    session_id: str
    reference: str
    amount_minor: int
    currency: str
    description: str
    # "charge" takes the money; "authorize" (a pre-auth) and "save_card" (card on file)
    # only secure it, and succeed with an `authorization.succeeded` event.
    intent: str = "charge"


@dataclass(frozen=True, slots=True)
class StartResult:
    """The provider's handle on the session and what the payer does next."""

    provider: str
    provider_ref: str | None
    next_action: dict[str, Any] = field(default_factory=dict)


class PaymentStarter(Protocol):
    """Starts a payment session with one provider (a card processor, bank transfer ...).

    Raise `domain.errors.Unavailable` when the provider cannot be reached.
    """

    async def start(self, request: StartRequest) -> StartResult:
        """Begin collecting `request`; must be safe to retry for one session id."""
        ...
