"""Import every ORM model so `Base.metadata` is complete (Alembic, schema tests)."""

from domain.auth.models import ApiKey, Principal
from domain.base import Base
from domain.intents.models import WorkflowIntent
from domain.outbox.models import OutboxDelivery, OutboxEvent

__all__ = ["ApiKey", "Base", "OutboxDelivery", "OutboxEvent", "Principal", "WorkflowIntent"]
