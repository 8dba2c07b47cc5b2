"""tourflow's API in-process for benchmarks: the real app over a scratch database (and a
Temporal server when the benchmark starts workflows), an API key, an httpx client."""

from __future__ import annotations

import tempfile
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx

from api.app import create_app
from domain.auth.service import create_principal_with_key
from domain.db import make_engine, make_session_factory, unit_of_work
from tourflow.runtime import Runtime
from tourflow.settings import Settings
from tourflow.temporal import TemporalClientProvider


@dataclass
class ApiStack:
    """The runtime, an httpx client on the app (no network hop), and auth headers."""

    runtime: Runtime
    client: httpx.AsyncClient
    headers: dict[str, str]


@asynccontextmanager
async def api_stack(
    database_url: str,
    *,
    scopes: Sequence[str],
    temporal_address: str | None = None,
    task_queue: str = "bench",
    pool_size: int = 20,
) -> AsyncIterator[ApiStack]:
    """The app served in-process through ASGI, with a key holding `scopes`."""
    settings = Settings(
        database_url=database_url,
        temporal_address=temporal_address or "127.0.0.1:1",
        temporal_task_queue=task_queue,
        data_dir=Path(tempfile.mkdtemp(prefix="tourflow-bench-data-")),
    )
    engine = make_engine(database_url, pool_size=pool_size)
    factory = make_session_factory(engine)
    runtime = Runtime(
        settings=settings,
        database_url=database_url,
        engine=engine,
        session_factory=factory,
        temporal=TemporalClientProvider(
            settings.temporal_address or "", settings.temporal_namespace
        ),
    )
    async with unit_of_work(factory) as session:
        _, key = await create_principal_with_key(
            session, kind="staff", name="bench", scopes=list(scopes)
        )
    transport = httpx.ASGITransport(app=create_app(runtime))
    try:
        async with httpx.AsyncClient(
            transport=transport, base_url="http://tourflow.bench", timeout=60
        ) as client:
            yield ApiStack(runtime, client, {"Authorization": f"Bearer {key}"})
    finally:
        await engine.dispose()
