"""What a process needs at run time: settings, database engine, Temporal client provider."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from domain.db import make_engine, make_session_factory
from domain.intents.dispatcher import IntentDispatcher
from tourflow.settings import Settings, get_settings
from tourflow.temporal import TemporalClientProvider


@dataclass
class Runtime:
    """Shared handles for one process."""

    settings: Settings
    database_url: str
    engine: AsyncEngine
    session_factory: async_sessionmaker[AsyncSession]
    temporal: TemporalClientProvider

    @property
    def dispatcher(self) -> IntentDispatcher:
        """An intent dispatcher over this runtime's database and Temporal."""
        return IntentDispatcher(self.session_factory, self.temporal)


def database_url(settings: Settings) -> str:
    """The configured URL, or the embedded server's (started or attached to on demand)."""
    if settings.database_url:
        return settings.database_url
    from tourflow.embedded import EmbeddedPostgres

    return EmbeddedPostgres(settings.resolved_data_dir / "pgdata").start()


def temporal_address(settings: Settings) -> str:
    """The configured address, or the embedded dev server's port on localhost."""
    return settings.temporal_address or f"127.0.0.1:{settings.embedded_temporal_port}"


@asynccontextmanager
async def resolve_runtime(settings: Settings | None = None) -> AsyncIterator[Runtime]:
    """Build a Runtime from settings and dispose of the engine afterwards."""
    settings = settings or get_settings()
    url = database_url(settings)
    engine = make_engine(url)
    try:
        yield Runtime(
            settings=settings,
            database_url=url,
            engine=engine,
            session_factory=make_session_factory(engine),
            temporal=TemporalClientProvider(
                temporal_address(settings), settings.temporal_namespace
            ),
        )
    finally:
        await engine.dispose()
