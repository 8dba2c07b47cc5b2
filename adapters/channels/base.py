"""The outbound SourceAdapter contract: capability flags, requests, outcomes.

An adapter never retries and never sleeps: it makes one HTTP call and reports what
happened (`PushOutcome`), including the exchange for the delivery log and any
`Retry-After` the channel asked for. Retries, backoff and rate limits belong to the
workflows and the shared per-channel budget.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal, Protocol

OutcomeKind = Literal["ok", "retryable", "rate_limited", "rejected"]


@dataclass(frozen=True, slots=True)
class Capabilities:
    """What a connection's adapter can do."""

    booking_push: bool = False
    availability_push: bool = False
    content_push: bool = False
    cancel: bool = False
    fetch_report: bool = False


@dataclass(frozen=True, slots=True)
class Exchange:
    """One HTTP attempt as sent and answered (unredacted; the delivery log redacts)."""

    method: str
    url: str
    request_headers: dict[str, str]
    request_body: Any
    status_code: int | None = None
    response_body: Any = None
    duration_ms: int = 0
    error: str | None = None


@dataclass(frozen=True, slots=True)
class PushOutcome:
    """`ok`, `retryable` (5xx, timeout, network), `rate_limited` (429) or `rejected` (4xx)."""

    kind: OutcomeKind
    exchange: Exchange
    external_id: str | None = None
    external_status: str | None = None
    retry_after: float | None = None
    error: str | None = None


@dataclass(frozen=True, slots=True)
class BookingPush:
    """One booking item for one channel, already translated through its mapping."""

    idempotency_key: str
    reference: str
    product_ref: str
    rate_ref: str | None
    slot_ref: str | None
    start_at: str | None
    pax: int
    amount_minor: int | None
    currency: str | None
    contact: dict[str, Any] | None = None


@dataclass(frozen=True, slots=True)
class AvailabilityPush:
    """A slot's state at push time; `seq` grows with every change of the slot."""

    slot_ref: str
    product_ref: str
    start_at: str | None
    available: int
    status: str
    seq: int


@dataclass(frozen=True, slots=True)
class ContentPush:
    """A product's content and its hash."""

    product_ref: str
    content: dict[str, Any]
    content_hash: str


@dataclass(frozen=True, slots=True)
class ReportPage:
    """One page of a channel's booking report (reconciliation input)."""

    items: list[dict[str, Any]]
    has_more: bool
    exchange: Exchange | None = None
    error: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)


class SourceAdapter(Protocol):
    """One connection's adapter; methods outside `capabilities` raise NotImplementedError."""

    capabilities: Capabilities

    async def push_booking(self, push: BookingPush) -> PushOutcome:
        """Create the booking upstream (idempotent per `push.idempotency_key`)."""
        ...

    async def cancel_booking(self, external_id: str) -> PushOutcome:
        """Cancel an upstream booking (idempotent)."""
        ...

    async def push_availability(self, push: AvailabilityPush) -> PushOutcome:
        """Set one slot's availability upstream."""
        ...

    async def push_content(self, push: ContentPush) -> PushOutcome:
        """Replace one product's content upstream."""
        ...

    async def fetch_report(self, *, period_start: str, period_end: str, page: int) -> ReportPage:
        """One page of the channel's booking report."""
        ...
