"""Distribution tables shared with channel push, reconciliation and OCTO (the contract).

Column names here are a contract with other modules: add columns, never rename.
"""

from __future__ import annotations

from datetime import date, datetime, time
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    Numeric,
    String,
    Text,
    Time,
    UniqueConstraint,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from domain.base import Base, Timestamps, TypeIdPk

CHANNEL_KINDS = ("direct", "ota", "affiliate", "reseller", "marketplace", "api_partner")
CHANNEL_STATUSES = ("active", "paused", "archived")
CONTRACT_STATUSES = ("draft", "active", "expired", "terminated")
PAYMENT_OWNERS = ("operator", "channel", "split")
CANCELLATION_OWNERS = ("operator", "channel")
COMPENSATION_POLICIES = ("eventually_consistent", "strict_atomic")
COMMISSION_SCOPES = ("booking", "product", "rate", "category")
COMMISSION_KINDS = ("fixed", "percentage")
ALLOTMENT_STATUSES = ("active", "paused", "closed")
TARGET_STATUSES = ("open", "released", "expired", "retained")
LINK_DIRECTIONS = ("outbound", "inbound")
PUSH_STATUSES = ("pending", "in_flight", "ok", "failed", "compensated", "abandoned")


class Channel(TypeIdPk, Timestamps, Base):
    """A counterparty selling the operator's inventory, with its shared upstream rate budget.

    `webhook_secret` signs inbound webhooks (HMAC-SHA256); it is never returned by reads.
    """

    __tablename__ = "channels"
    id_prefix = "chan"

    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(20))
    status: Mapped[str] = mapped_column(String(16), server_default="active")
    rate_rps: Mapped[Decimal] = mapped_column(Numeric(10, 3), server_default="5")
    rate_burst: Mapped[int] = mapped_column(server_default="10")
    webhook_secret: Mapped[str | None] = mapped_column(String(200))
    notes: Mapped[str | None] = mapped_column(Text)

    __table_args__ = (
        CheckConstraint(f"kind IN {CHANNEL_KINDS!r}", name="kind"),
        CheckConstraint(f"status IN {CHANNEL_STATUSES!r}", name="status"),
        CheckConstraint("rate_rps > 0", name="rate_rps_positive"),
        CheckConstraint("rate_burst >= 1", name="rate_burst_positive"),
        # Exactly one direct channel.
        Index("uq_channels_direct", "kind", unique=True, postgresql_where=text("kind = 'direct'")),
    )


class ChannelContact(TypeIdPk, Timestamps, Base):
    """A person to talk to at a channel."""

    __tablename__ = "channel_contacts"
    id_prefix = "chct"

    channel_id: Mapped[str] = mapped_column(
        ForeignKey("channels.id", ondelete="CASCADE"), index=True
    )
    name: Mapped[str] = mapped_column(String(200))
    role: Mapped[str | None] = mapped_column(String(100))
    email: Mapped[str | None] = mapped_column(String(320))
    phone: Mapped[str | None] = mapped_column(String(40))


class ChannelContract(TypeIdPk, Timestamps, Base):
    """Agreed commercial terms with a channel over a validity window (inclusive dates)."""

    __tablename__ = "channel_contracts"
    id_prefix = "chcn"

    channel_id: Mapped[str] = mapped_column(
        ForeignKey("channels.id", ondelete="CASCADE"), index=True
    )
    status: Mapped[str] = mapped_column(String(16), server_default="active")
    valid_from: Mapped[date | None] = mapped_column(Date)
    valid_to: Mapped[date | None] = mapped_column(Date)
    commission_bps: Mapped[int | None]
    payment_owner: Mapped[str] = mapped_column(String(16), server_default="operator")
    cancellation_owner: Mapped[str] = mapped_column(String(16), server_default="operator")
    compensation_policy: Mapped[str] = mapped_column(
        String(24), server_default="eventually_consistent"
    )
    rate_rps_override: Mapped[Decimal | None] = mapped_column(Numeric(10, 3))
    rate_burst_override: Mapped[int | None]
    notes: Mapped[str | None] = mapped_column(Text)

    __table_args__ = (
        CheckConstraint(f"status IN {CONTRACT_STATUSES!r}", name="status"),
        CheckConstraint(f"payment_owner IN {PAYMENT_OWNERS!r}", name="payment_owner"),
        CheckConstraint(
            f"cancellation_owner IN {CANCELLATION_OWNERS!r}", name="cancellation_owner"
        ),
        CheckConstraint(
            f"compensation_policy IN {COMPENSATION_POLICIES!r}", name="compensation_policy"
        ),
        CheckConstraint(
            "commission_bps IS NULL OR commission_bps BETWEEN 0 AND 10000", name="commission_bps"
        ),
        CheckConstraint("rate_rps_override IS NULL OR rate_rps_override > 0", name="rps_override"),
        CheckConstraint(
            "rate_burst_override IS NULL OR rate_burst_override >= 1", name="burst_override"
        ),
        CheckConstraint(
            "valid_from IS NULL OR valid_to IS NULL OR valid_to >= valid_from", name="validity"
        ),
    )


class ChannelCommissionRule(TypeIdPk, Timestamps, Base):
    """What a channel earns for one scope: a fixed amount or a percentage (basis points).

    `scope_ref` is NULL for booking scope (every booking of the channel), else the product
    id, rate (option) id or category it applies to. Validity dates are inclusive.
    """

    __tablename__ = "channel_commission_rules"
    id_prefix = "chcr"

    channel_id: Mapped[str] = mapped_column(
        ForeignKey("channels.id", ondelete="CASCADE"), index=True
    )
    contract_id: Mapped[str | None] = mapped_column(
        ForeignKey("channel_contracts.id", ondelete="CASCADE"), index=True
    )
    scope: Mapped[str] = mapped_column(String(16))
    scope_ref: Mapped[str | None] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(16))
    amount_minor: Mapped[int | None]
    currency: Mapped[str | None] = mapped_column(String(3))
    bps: Mapped[int | None]
    valid_from: Mapped[date | None] = mapped_column(Date)
    valid_to: Mapped[date | None] = mapped_column(Date)

    __table_args__ = (
        CheckConstraint(f"scope IN {COMMISSION_SCOPES!r}", name="scope"),
        CheckConstraint(f"kind IN {COMMISSION_KINDS!r}", name="kind"),
        CheckConstraint("(scope = 'booking') = (scope_ref IS NULL)", name="scope_ref"),
        CheckConstraint(
            "(kind = 'fixed' AND amount_minor IS NOT NULL AND amount_minor >= 0"
            " AND currency IS NOT NULL AND bps IS NULL)"
            " OR (kind = 'percentage' AND bps IS NOT NULL AND bps BETWEEN 0 AND 10000"
            " AND amount_minor IS NULL AND currency IS NULL)",
            name="kind_fields",
        ),
        CheckConstraint(
            "valid_from IS NULL OR valid_to IS NULL OR valid_to >= valid_from", name="validity"
        ),
    )


class ChannelProductMapping(TypeIdPk, Timestamps, Base):
    """A product's identity at one channel (one row per channel and product)."""

    __tablename__ = "channel_product_mappings"
    id_prefix = "chpm"

    channel_id: Mapped[str] = mapped_column(ForeignKey("channels.id", ondelete="CASCADE"))
    product_id: Mapped[str] = mapped_column(
        ForeignKey("products.id", ondelete="CASCADE"), index=True
    )
    option_id: Mapped[str | None] = mapped_column(
        ForeignKey("product_options.id", ondelete="SET NULL")
    )
    external_product_id: Mapped[str] = mapped_column(String(200))
    external_rate_id: Mapped[str | None] = mapped_column(String(200))
    external_category_id: Mapped[str | None] = mapped_column(String(200))
    push_bookings: Mapped[bool] = mapped_column(Boolean, server_default="true")
    push_availability: Mapped[bool] = mapped_column(Boolean, server_default="true")
    push_content: Mapped[bool] = mapped_column(Boolean, server_default="true")
    active: Mapped[bool] = mapped_column(Boolean, server_default="true")

    __table_args__ = (UniqueConstraint("channel_id", "product_id"),)


class ChannelInventoryAllotment(TypeIdPk, Timestamps, Base):
    """How many units of a product (option, slot or start time) a channel sells.

    `guaranteed_capacity` is carved out of each targeted slot's general pool;
    `max_capacity` bounds what the channel may sell per slot (beyond guaranteed it sells
    from the general pool).
    """

    __tablename__ = "channel_inventory_allotments"
    id_prefix = "chal"

    channel_id: Mapped[str] = mapped_column(
        ForeignKey("channels.id", ondelete="CASCADE"), index=True
    )
    product_id: Mapped[str] = mapped_column(
        ForeignKey("products.id", ondelete="CASCADE"), index=True
    )
    option_id: Mapped[str | None] = mapped_column(
        ForeignKey("product_options.id", ondelete="CASCADE")
    )
    slot_id: Mapped[str | None] = mapped_column(
        ForeignKey("availability_slots.id", ondelete="CASCADE")
    )
    start_time: Mapped[time | None] = mapped_column(Time)
    guaranteed_capacity: Mapped[int] = mapped_column(server_default="0")
    max_capacity: Mapped[int]
    status: Mapped[str] = mapped_column(String(16), server_default="active")

    __table_args__ = (
        CheckConstraint(f"status IN {ALLOTMENT_STATUSES!r}", name="status"),
        CheckConstraint("guaranteed_capacity >= 0", name="guaranteed_non_negative"),
        CheckConstraint("max_capacity >= guaranteed_capacity", name="max_covers_guaranteed"),
    )


class ChannelInventoryAllotmentTarget(TypeIdPk, Timestamps, Base):
    """One slot of an allotment: units carved out (`held`), sold and released.

    Invariant while open: held = min(guaranteed - sold, what could be carved), >= 0.
    """

    __tablename__ = "channel_inventory_allotment_targets"
    id_prefix = "chat"

    allotment_id: Mapped[str] = mapped_column(
        ForeignKey("channel_inventory_allotments.id", ondelete="CASCADE")
    )
    slot_id: Mapped[str] = mapped_column(
        ForeignKey("availability_slots.id", ondelete="CASCADE"), index=True
    )
    channel_id: Mapped[str] = mapped_column(
        ForeignKey("channels.id", ondelete="CASCADE"), index=True
    )
    guaranteed: Mapped[int]
    held: Mapped[int] = mapped_column(server_default="0")
    sold: Mapped[int] = mapped_column(server_default="0")
    released: Mapped[int] = mapped_column(server_default="0")
    status: Mapped[str] = mapped_column(String(16), server_default="open")
    released_at: Mapped[datetime | None]

    __table_args__ = (
        UniqueConstraint("allotment_id", "slot_id"),
        CheckConstraint(f"status IN {TARGET_STATUSES!r}", name="status"),
        CheckConstraint("guaranteed >= 0", name="guaranteed_non_negative"),
        CheckConstraint("held >= 0 AND held <= guaranteed", name="held_range"),
        CheckConstraint("sold >= 0", name="sold_non_negative"),
        CheckConstraint("released >= 0", name="released_non_negative"),
    )


class ChannelBookingLink(TypeIdPk, Timestamps, Base):
    """A local booking (or item) cross-referenced to a channel's booking; push state."""

    __tablename__ = "channel_booking_links"
    id_prefix = "chbl"

    channel_id: Mapped[str] = mapped_column(
        ForeignKey("channels.id", ondelete="CASCADE"), index=True
    )
    booking_id: Mapped[str] = mapped_column(
        ForeignKey("bookings.id", ondelete="CASCADE"), index=True
    )
    booking_item_id: Mapped[str | None] = mapped_column(
        ForeignKey("booking_items.id", ondelete="CASCADE")
    )
    idempotency_key: Mapped[str] = mapped_column(String(300), unique=True)
    direction: Mapped[str] = mapped_column(String(16), server_default="outbound")
    external_booking_id: Mapped[str | None] = mapped_column(String(200), index=True)
    external_reference: Mapped[str | None] = mapped_column(String(200), index=True)
    external_status: Mapped[str | None] = mapped_column(String(40))
    push_status: Mapped[str] = mapped_column(String(16), server_default="pending")
    attempts: Mapped[int] = mapped_column(server_default="0")
    last_error: Mapped[str | None] = mapped_column(Text)
    payload_hash: Mapped[str | None] = mapped_column(String(128))
    last_synced_at: Mapped[datetime | None]
    amount_minor: Mapped[int | None]
    currency: Mapped[str | None] = mapped_column(String(3))

    __table_args__ = (
        UniqueConstraint(
            "channel_id", "booking_id", "booking_item_id", postgresql_nulls_not_distinct=True
        ),
        CheckConstraint(f"direction IN {LINK_DIRECTIONS!r}", name="direction"),
        CheckConstraint(f"push_status IN {PUSH_STATUSES!r}", name="push_status"),
        CheckConstraint("attempts >= 0", name="attempts_non_negative"),
        CheckConstraint("(amount_minor IS NULL) = (currency IS NULL)", name="amount_currency"),
    )


class BookingDistributionDetails(TypeIdPk, Timestamps, Base):
    """The distribution extension of a booking (one per booking): where it was sold.

    Keyed by `booking_id` (unique); `id` exists only because every table has a TypeID key.
    """

    __tablename__ = "booking_distribution_details"
    id_prefix = "bkdd"

    booking_id: Mapped[str] = mapped_column(
        ForeignKey("bookings.id", ondelete="CASCADE"), unique=True
    )
    source_channel_id: Mapped[str | None] = mapped_column(
        ForeignKey("channels.id", ondelete="SET NULL"), index=True
    )
    payment_owner: Mapped[str | None] = mapped_column(String(16))
    market: Mapped[str | None] = mapped_column(String(16))

    __table_args__ = (
        CheckConstraint(
            f"payment_owner IS NULL OR payment_owner IN {PAYMENT_OWNERS!r}", name="payment_owner"
        ),
    )


WEBHOOK_STATUSES = ("pending", "processed", "failed", "ignored")


class ChannelWebhookEvent(TypeIdPk, Timestamps, Base):
    """An inbound, signature-verified event from a channel, kept once per external id."""

    __tablename__ = "channel_webhook_events"
    id_prefix = "chwe"

    channel_id: Mapped[str] = mapped_column(
        ForeignKey("channels.id", ondelete="CASCADE"), index=True
    )
    external_event_id: Mapped[str] = mapped_column(String(200))
    event_type: Mapped[str] = mapped_column(String(80))
    status: Mapped[str] = mapped_column(String(16), server_default="pending")
    payload: Mapped[dict[str, Any]] = mapped_column(JSONB)
    booking_id: Mapped[str | None] = mapped_column(String(90))
    outcome: Mapped[str | None] = mapped_column(String(200))
    error: Mapped[str | None] = mapped_column(Text)
    processed_at: Mapped[datetime | None]

    __table_args__ = (
        UniqueConstraint("channel_id", "external_event_id"),
        CheckConstraint(f"status IN {WEBHOOK_STATUSES!r}", name="status"),
    )
