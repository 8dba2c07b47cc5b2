"""Temporal client factory, search attributes and a lazily-connecting client provider."""

from __future__ import annotations

import asyncio
import logging

from temporalio.api.enums.v1 import IndexedValueType
from temporalio.api.operatorservice.v1 import (
    AddSearchAttributesRequest,
    ListSearchAttributesRequest,
)
from temporalio.client import Client
from temporalio.common import SearchAttributeKey
from temporalio.contrib.pydantic import pydantic_data_converter

from domain.errors import Unavailable

log = logging.getLogger(__name__)

# Keyword search attributes operators filter on in the Temporal UI.
SEARCH_ATTRIBUTE_NAMES = (
    "BookingId",
    "ChannelId",
    "ProductId",
    "SlotId",
    "InvoiceId",
    "QuoteVersionId",
)
SEARCH_ATTRIBUTES = {name: SearchAttributeKey.for_keyword(name) for name in SEARCH_ATTRIBUTE_NAMES}

CONNECT_TIMEOUT_SECONDS = 5.0


async def connect(address: str, namespace: str) -> Client:
    """Connect with the pydantic data converter; raise `Unavailable` with one clear sentence."""
    from tourflow.observability.tracing import temporal_interceptors

    try:
        return await asyncio.wait_for(
            Client.connect(
                address,
                namespace=namespace,
                data_converter=pydantic_data_converter,
                interceptors=temporal_interceptors(),  # tracing, when configured
            ),
            timeout=CONNECT_TIMEOUT_SECONDS,
        )
    except (RuntimeError, OSError, TimeoutError) as exc:
        raise Unavailable(
            "temporal_unavailable", f"Temporal is not reachable at {address} ({namespace})"
        ) from exc


async def ensure_search_attributes(client: Client) -> None:
    """Register tourflow's keyword search attributes if missing (idempotent)."""
    svc = client.operator_service
    existing = await svc.list_search_attributes(
        ListSearchAttributesRequest(namespace=client.namespace)
    )
    missing = {
        name: IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD
        for name in SEARCH_ATTRIBUTE_NAMES
        if name not in existing.custom_attributes
    }
    if missing:
        await svc.add_search_attributes(
            AddSearchAttributesRequest(namespace=client.namespace, search_attributes=missing)
        )
        log.info("registered search attributes", extra={"names": sorted(missing)})


class TemporalClientProvider:
    """Connects on first use and reconnects after a failure, so callers survive outages."""

    def __init__(self, address: str, namespace: str) -> None:
        self.address = address
        self.namespace = namespace
        self._client: Client | None = None
        self._lock = asyncio.Lock()

    async def get(self) -> Client:
        """The connected client; raises `Unavailable` when Temporal cannot be reached."""
        if self._client is not None:
            return self._client
        async with self._lock:
            if self._client is None:
                self._client = await connect(self.address, self.namespace)
            return self._client

    @classmethod
    def of(cls, client: Client) -> TemporalClientProvider:
        """A provider around an already-connected client (worker, tests)."""
        provider = cls(client.service_client.config.target_host, client.namespace)
        provider._client = client
        return provider

    async def check(self) -> None:
        """Raise `Unavailable` unless the server answers a health check now."""
        client = await self.get()
        try:
            await asyncio.wait_for(client.service_client.check_health(), CONNECT_TIMEOUT_SECONDS)
        except Exception as exc:
            raise Unavailable(
                "temporal_unavailable", f"Temporal at {self.address} did not answer"
            ) from exc
