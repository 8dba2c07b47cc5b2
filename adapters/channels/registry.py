"""The adapter registry, keyed by connection: one adapter instance per connection.

A connection (`channel_connections` row) names its adapter kind, base URL and secret.
The registry builds the adapter once per (connection id, config version) and reuses it,
so an edited connection gets a fresh adapter without a worker restart.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from adapters.channels.base import SourceAdapter
from adapters.channels.http import HttpChannelAdapter
from domain.errors import BadRequest


@dataclass(frozen=True, slots=True)
class ConnectionInfo:
    """What an adapter is built from; `version` changes whenever the row is edited."""

    id: str
    adapter_kind: str
    base_url: str
    secret: str | None
    version: str


AdapterFactory = Callable[[ConnectionInfo], SourceAdapter]


def _http(conn: ConnectionInfo) -> SourceAdapter:
    return HttpChannelAdapter(conn.base_url, conn.secret)


DEFAULT_FACTORIES: dict[str, AdapterFactory] = {"http": _http}
ADAPTER_KINDS = tuple(DEFAULT_FACTORIES)


class AdapterRegistry:
    """Adapters by connection id; `factories` maps an adapter kind to a builder."""

    def __init__(self, factories: dict[str, AdapterFactory] | None = None) -> None:
        self._factories = dict(factories or DEFAULT_FACTORIES)
        self._cache: dict[str, tuple[str, SourceAdapter]] = {}

    def register(self, kind: str, factory: AdapterFactory) -> None:
        """Add (or replace) the builder of one adapter kind."""
        self._factories[kind] = factory

    def for_connection(self, conn: ConnectionInfo) -> SourceAdapter:
        """The connection's adapter, rebuilt when its config version changed."""
        cached = self._cache.get(conn.id)
        if cached is not None and cached[0] == conn.version:
            return cached[1]
        factory = self._factories.get(conn.adapter_kind)
        if factory is None:
            raise BadRequest("unknown_adapter_kind", f"no adapter for kind {conn.adapter_kind!r}")
        adapter = factory(conn)
        self._cache[conn.id] = (conn.version, adapter)
        return adapter
