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
from domain.bookings.fulfillment_models import Fulfillment, Redemption
from domain.bookings.models import (
    Booking,
    BookingActivity,
    BookingAllocation,
    BookingItem,
    BookingNote,
    BookingOrigin,
    BookingSupplierStatus,
    BookingTraveller,
)
from domain.catalog.models import OptionResourceTemplate, OptionUnit, Product, ProductOption
from domain.ground.models import (
    Dispatch,
    DispatchCheckpoint,
    DispatchEvent,
    DispatchLeg,
    DispatchPassenger,
    Driver,
    Vehicle,
)
from domain.intents.models import WorkflowIntent
from domain.outbox.models import OutboxDelivery, OutboxEvent
from domain.places.models import Place
from domain.resources.hold_models import ResourceHold, ResourceHoldDate, ResourceHoldPickup
from domain.resources.models import (
    Resource,
    ResourceCloseout,
    ResourcePool,
    ResourcePoolMember,
    ResourceRequirement,
    ResourceSlotAssignment,
)

__all__ = [
    "ApiKey",
    "AvailabilityCloseout",
    "AvailabilityHold",
    "AvailabilityRule",
    "AvailabilitySlot",
    "Base",
    "Booking",
    "BookingActivity",
    "BookingAllocation",
    "BookingItem",
    "BookingNote",
    "BookingOrigin",
    "BookingSupplierStatus",
    "BookingTraveller",
    "Dispatch",
    "DispatchCheckpoint",
    "DispatchEvent",
    "DispatchLeg",
    "DispatchPassenger",
    "Driver",
    "Fulfillment",
    "OptionResourceTemplate",
    "OptionUnit",
    "OutboxDelivery",
    "OutboxEvent",
    "PickupGroup",
    "PickupGroupMember",
    "PickupPoint",
    "Place",
    "Principal",
    "Product",
    "ProductOption",
    "Redemption",
    "Resource",
    "ResourceCloseout",
    "ResourceHold",
    "ResourceHoldDate",
    "ResourceHoldPickup",
    "ResourcePool",
    "ResourcePoolMember",
    "ResourceRequirement",
    "ResourceSlotAssignment",
    "SlotPickup",
    "SlotResource",
    "SlotResourceAssignment",
    "Vehicle",
    "WorkflowIntent",
]
