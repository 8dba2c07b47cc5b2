"""Import every ORM model so `Base.metadata` is complete (Alembic, schema tests)."""

from domain.auth.models import ApiKey, Principal
from domain.availability.allocation_models import SlotResource, SlotResourceAssignment
from domain.availability.models import (
    AvailabilityCloseout,
    AvailabilityHold,
    AvailabilityRule,
    AvailabilitySlot,
)
from domain.availability.pickup_models import (
    PickupGroup,
    PickupGroupMember,
    PickupPoint,
    SlotPickup,
)
from domain.base import Base
from domain.catalog.models import OptionResourceTemplate, OptionUnit, Product, ProductOption
from domain.intents.models import WorkflowIntent
from domain.outbox.models import OutboxDelivery, OutboxEvent

__all__ = [
    "ApiKey",
    "AvailabilityCloseout",
    "AvailabilityHold",
    "AvailabilityRule",
    "AvailabilitySlot",
    "Base",
    "OptionResourceTemplate",
    "OptionUnit",
    "OutboxDelivery",
    "OutboxEvent",
    "PickupGroup",
    "PickupGroupMember",
    "PickupPoint",
    "Principal",
    "Product",
    "ProductOption",
    "SlotPickup",
    "SlotResource",
    "SlotResourceAssignment",
    "WorkflowIntent",
]
