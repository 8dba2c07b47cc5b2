from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable

import httpx
import pytest

from api.app import create_app
from domain.auth.service import create_principal_with_key
from domain.db import unit_of_work
from tourflow.runtime import Runtime
from tourflow.temporal import TemporalClientProvider


@pytest.fixture
def runtime(settings, database_url, engine, session_factory, temporal_client) -> Runtime:
    return Runtime(
        settings=settings,
        database_url=database_url,
        engine=engine,
        session_factory=session_factory,
        temporal=TemporalClientProvider.of(temporal_client),
    )


@pytest.fixture
async def http(runtime) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=create_app(runtime), raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://tourflow.test") as client:
        yield client


MakeKey = Callable[..., Awaitable[str]]


@pytest.fixture
def make_key(session_factory) -> MakeKey:
    async def make(*scopes: str, kind: str = "staff", name: str = "tester") -> str:
        async with unit_of_work(session_factory) as session:
            _, key = await create_principal_with_key(
                session, kind=kind, name=name, scopes=list(scopes) or ["*:*"]
            )
        return key

    return make


def bearer(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}
