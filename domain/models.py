"""Import every ORM model so `Base.metadata` is complete (Alembic, schema tests)."""

from domain.approvals.models import ActionLedgerEntry, ActionRequest, Approval
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
from domain.finance.collection_models import (
    PaymentSchedule,
    PaymentScheduleLine,
    PaymentSession,
    ProcessorEvent,
)
from domain.finance.credit_note_models import CreditNote, CreditNoteLine
from domain.finance.invoice_models import Invoice, InvoiceLine
from domain.finance.payment_models import Payment, Refund
from domain.finance.series_models import NumberSeries, NumberSeriesCounter
from domain.ground.models import (
    Dispatch,
    DispatchCheckpoint,
    DispatchEvent,
    DispatchLeg,
    DispatchPassenger,
    Driver,
    Vehicle,
)
from domain.idempotency.models import IdempotencyRecord
from domain.intents.models import WorkflowIntent
from domain.outbox.models import OutboxDelivery, OutboxEvent
from domain.pii.models import PiiAuditEvent, TravellerTravelDetails
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
    "ActionLedgerEntry",
    "ActionRequest",
    "ApiKey",
    "Approval",
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
    "CreditNote",
    "CreditNoteLine",
    "Dispatch",
    "DispatchCheckpoint",
    "DispatchEvent",
    "DispatchLeg",
    "DispatchPassenger",
    "Driver",
    "Fulfillment",
    "IdempotencyRecord",
    "Invoice",
    "InvoiceLine",
    "NumberSeries",
    "NumberSeriesCounter",
    "OptionResourceTemplate",
    "OptionUnit",
    "OutboxDelivery",
    "OutboxEvent",
    "Payment",
    "PaymentSchedule",
    "PaymentScheduleLine",
    "PaymentSession",
    "PickupGroup",
    "PickupGroupMember",
    "PickupPoint",
    "PiiAuditEvent",
    "Place",
    "Principal",
    "ProcessorEvent",
    "Product",
    "ProductOption",
    "Redemption",
    "Refund",
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
    "TravellerTravelDetails",
    "Vehicle",
    "WorkflowIntent",
]
