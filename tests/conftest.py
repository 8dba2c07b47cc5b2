"""Session-wide real servers (embedded PostgreSQL, Temporal dev server), per-test isolation.

- `TOURFLOW_TEST_DATABASE_URL` / `TOURFLOW_TEST_TEMPORAL_ADDRESS` point the suite at real
  servers instead (the database user needs CREATEDB).
- Each test gets its own database cloned from a migrated template (ahead of time, by a
  background thread: tests/support/clones.py), and its own task queue.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import psycopg
import pytest
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker
from temporalio.client import Client
from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.testing import WorkflowEnvironment

from domain.db import make_engine, make_session_factory
from tests.support.clones import ClonePool
from tourflow import migrate
from tourflow.embedded import EmbeddedPostgres, TemporalDevServer, find_binary, free_port
from tourflow.settings import Settings
from tourflow.temporal import connect, ensure_search_attributes

TIERS = ("unit", "integration", "workflow", "api", "e2e")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark each test with its tier, taken from its folder (tests/<tier>/...)."""
    for item in items:
        parts = Path(str(item.fspath)).parts
        for tier in TIERS:
            if tier in parts:
                item.add_marker(getattr(pytest.mark, tier))


def _with_db(url: str, name: str) -> str:
    return make_url(url).set(database=name).render_as_string(hide_password=False)


def _admin(url: str) -> psycopg.Connection:
    return psycopg.connect(url.replace("postgresql+psycopg://", "postgresql://"), autocommit=True)


@pytest.fixture(scope="session")
def pg_admin_url() -> Iterator[str]:
    """A maintenance-database URL of the test PostgreSQL server."""
    external = os.environ.get("TOURFLOW_TEST_DATABASE_URL")
    if external:
        yield external
        return
    # Not under pytest's basetemp: pytest re-chmods that to 0700 whenever another run
    # starts, which would lock the server's own system user out of its data directory.
    root = Path(tempfile.mkdtemp(prefix="tourflow-test-pg-"))
    server = EmbeddedPostgres(root / "pgdata")
    server.start()
    with _admin(server.admin_url()) as conn:
        # A throwaway cluster: no crash durability needed, so no waiting on fsync.
        for setting in ("fsync", "synchronous_commit", "full_page_writes"):
            conn.execute(f"ALTER SYSTEM SET {setting} = off")
        conn.execute("SELECT pg_reload_conf()")
    yield server.admin_url()
    server.stop(force=True)
    shutil.rmtree(root, ignore_errors=True)


@pytest.fixture(scope="session")
def template_database(pg_admin_url: str) -> Iterator[str]:
    """A database migrated to head, cloned by every test (CREATE DATABASE ... TEMPLATE)."""
    name = f"tf_template_{uuid.uuid4().hex[:8]}"
    with _admin(pg_admin_url) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    migrate.upgrade(_with_db(pg_admin_url, name))
    yield name
    with _admin(pg_admin_url) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(scope="session")
def clone_pool(pg_admin_url: str, template_database: str) -> Iterator[ClonePool]:
    """Clones of the template, made and dropped by a background thread."""
    pool = ClonePool(lambda: _admin(pg_admin_url), template_database)
    yield pool
    pool.close()


@pytest.fixture
def database_url(pg_admin_url: str, clone_pool: ClonePool) -> Iterator[str]:
    """A fresh, migrated database for this test only (dropped after it)."""
    name = clone_pool.take()
    yield _with_db(pg_admin_url, name)
    clone_pool.give_back(name)


@pytest.fixture
async def engine(database_url: str) -> AsyncIterator[AsyncEngine]:
    """An async engine on this test's database."""
    eng = make_engine(database_url, pool_size=20)
    yield eng
    await eng.dispose()


@pytest.fixture
def session_factory(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    """Sessions on this test's database."""
    return make_session_factory(engine)


@pytest.fixture(scope="session")
def temporal_address() -> Iterator[str]:
    """The address of a real Temporal server for the whole run."""
    external = os.environ.get("TOURFLOW_TEST_TEMPORAL_ADDRESS")
    if external:
        yield external
        return
    server = TemporalDevServer(db_file=None, port=free_port(), ui_port=None)
    server.start()
    yield server.address
    server.stop()


@pytest.fixture(scope="session")
async def temporal_client(temporal_address: str) -> Client:
    """A client with tourflow's data converter; search attributes registered."""
    client = await connect(temporal_address, "default")
    await ensure_search_attributes(client)
    return client


@pytest.fixture
def task_queue() -> str:
    """A task queue of this test's own, so workers of different tests never share work."""
    return f"tq-{uuid.uuid4().hex}"


@pytest.fixture(scope="session")
async def time_skipping_env() -> AsyncIterator[WorkflowEnvironment]:
    """Temporal's time-skipping test server, for workflows with long timers."""
    env = await WorkflowEnvironment.start_time_skipping(
        test_server_existing_path=find_binary("temporal-test-server"),
        data_converter=pydantic_data_converter,
    )
    yield env
    await env.shutdown()


@pytest.fixture
async def fresh_time_skipping_env() -> AsyncIterator[WorkflowEnvironment]:
    """A time-skipping server of this test's own, its clock starting at the wall clock.

    For tests that tie database timestamps (written with the wall clock) to workflow time:
    the shared server's clock has been moved on by every earlier test that skipped time.
    """
    env = await WorkflowEnvironment.start_time_skipping(
        test_server_existing_path=find_binary("temporal-test-server"),
        data_converter=pydantic_data_converter,
    )
    yield env
    await env.shutdown()


@pytest.fixture
def settings(tmp_path: Path, database_url: str, temporal_address: str, task_queue: str) -> Settings:
    """Settings for in-process components of this test (workflows go to its task queue)."""
    return Settings(
        database_url=database_url,
        temporal_address=temporal_address,
        temporal_task_queue=task_queue,
        data_dir=tmp_path / "data",
    )
