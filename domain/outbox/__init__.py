"""Transactional outbox: events recorded with the change, delivered after commit."""

from domain.outbox.models import OutboxDelivery, OutboxEvent
from domain.outbox.record import record_event
from domain.outbox.subscribers import Event, Subscriber

__all__ = ["Event", "OutboxDelivery", "OutboxEvent", "Subscriber", "record_event"]
