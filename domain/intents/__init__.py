"""Durable workflow intents: written with the change, started after commit, re-driven."""

from domain.intents.models import WorkflowIntent
from domain.intents.service import IntentSpec, write_intent

__all__ = ["IntentSpec", "WorkflowIntent", "write_intent"]
