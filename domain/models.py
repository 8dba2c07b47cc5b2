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
from domain.channel_push.models import (
    ChannelAvailabilityPushIntent,
    ChannelConnection,
    ChannelContentPushIntent,
    ChannelDelivery,
    ChannelRateBucket,
)
from domain.distribution.models import (
    BookingDistributionDetails,
    Channel,
    ChannelBookingLink,
    ChannelCommissionRule,
    ChannelContact,
    ChannelContract,
    ChannelInventoryAllotment,
    ChannelInventoryAllotmentTarget,
    ChannelProductMapping,
    ChannelWebhookEvent,
)
from domain.distribution.release_models import AllotmentReleaseExecution, AllotmentReleaseRule
from domain.distribution.supplier_models import (
    ExternalRef,
    Supplier,
    SupplierContract,
    SupplierNote,
    SupplierRate,
    SupplierService,
)
from domain.finance.collection_models import (
    PaymentSchedule,
    PaymentScheduleLine,
    PaymentSession,
    ProcessorEvent,
)
from domain.finance.credit_note_models import CreditNote, CreditNoteLine
from domain.finance.fx_models import FxRate
from domain.finance.guarantee_models import Guarantee
from domain.finance.invoice_models import Invoice, InvoiceLine
from domain.finance.payment_models import Payment, Refund
from domain.finance.reminder_models import PaymentReminder, ReceivedTransfer
from domain.finance.rendition_models import InvoiceRendition
from domain.finance.series_models import NumberSeries, NumberSeriesCounter
from domain.finance.supplier_invoice_models import SupplierInvoice, SupplierInvoiceLine
from domain.finance.tax_models import InvoiceLineTax, TaxRegime
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
from domain.octo.models import OctoBooking, OctoProductSettings
from domain.outbox.models import OutboxDelivery, OutboxEvent
from domain.pii.models import PiiAuditEvent, TravellerTravelDetails
from domain.places.models import Place
from domain.quotes.models import Quote, QuoteVersion, QuoteVersionLine
from domain.reconciliation.models import (
    ReconciliationItem,
    ReconciliationPolicy,
    ReconciliationRun,
    ReportLine,
)
from domain.reservations.models import ReservationPlan, ReservationPlanLine
from domain.resources.hold_models import ResourceHold, ResourceHoldDate, ResourceHoldPickup
from domain.resources.models import (
    Resource,
    ResourceCloseout,
    ResourcePool,
    ResourcePoolMember,
    ResourceRequirement,
    ResourceSlotAssignment,
)
from domain.settlement.models import (
    RemittanceException,
    SettlementItem,
    SettlementPolicy,
    SettlementRun,
)

__all__ = [
    "ActionLedgerEntry",
    "ActionRequest",
    "AllotmentReleaseExecution",
    "AllotmentReleaseRule",
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
    "BookingDistributionDetails",
    "BookingItem",
    "BookingNote",
    "BookingOrigin",
    "BookingSupplierStatus",
    "BookingTraveller",
    "Channel",
    "ChannelAvailabilityPushIntent",
    "ChannelBookingLink",
    "ChannelCommissionRule",
    "ChannelConnection",
    "ChannelContact",
    "ChannelContentPushIntent",
    "ChannelContract",
    "ChannelDelivery",
    "ChannelInventoryAllotment",
    "ChannelInventoryAllotmentTarget",
    "ChannelProductMapping",
    "ChannelRateBucket",
    "ChannelWebhookEvent",
    "CreditNote",
    "CreditNoteLine",
    "Dispatch",
    "DispatchCheckpoint",
    "DispatchEvent",
    "DispatchLeg",
    "DispatchPassenger",
    "Driver",
    "ExternalRef",
    "Fulfillment",
    "FxRate",
    "Guarantee",
    "IdempotencyRecord",
    "Invoice",
    "InvoiceLine",
    "InvoiceLineTax",
    "InvoiceRendition",
    "NumberSeries",
    "NumberSeriesCounter",
    "OctoBooking",
    "OctoProductSettings",
    "OptionResourceTemplate",
    "OptionUnit",
    "OutboxDelivery",
    "OutboxEvent",
    "Payment",
    "PaymentReminder",
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
    "Quote",
    "QuoteVersion",
    "QuoteVersionLine",
    "ReceivedTransfer",
    "ReconciliationItem",
    "ReconciliationPolicy",
    "ReconciliationRun",
    "Redemption",
    "Refund",
    "RemittanceException",
    "ReportLine",
    "ReservationPlan",
    "ReservationPlanLine",
    "Resource",
    "ResourceCloseout",
    "ResourceHold",
    "ResourceHoldDate",
    "ResourceHoldPickup",
    "ResourcePool",
    "ResourcePoolMember",
    "ResourceRequirement",
    "ResourceSlotAssignment",
    "SettlementItem",
    "SettlementPolicy",
    "SettlementRun",
    "SlotPickup",
    "SlotResource",
    "SlotResourceAssignment",
    "Supplier",
    "SupplierContract",
    "SupplierInvoice",
    "SupplierInvoiceLine",
    "SupplierNote",
    "SupplierRate",
    "SupplierService",
    "TaxRegime",
    "TravellerTravelDetails",
    "Vehicle",
    "WorkflowIntent",
]
