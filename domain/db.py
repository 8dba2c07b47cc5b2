"""Engine, sessions and the unit of work: the single place a transaction is committed."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import asynccontextmanager

from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)

# Set by domain.intents.service.write_intent; read after commit by the owner of the transaction.
PENDING_INTENTS_KEY = "tourflow.pending_intents"
# Best-effort callbacks (e.g. waking a workflow) to run once the transaction has committed.
AFTER_COMMIT_KEY = "tourflow.after_commit"
log = logging.getLogger(__name__)

AfterCommit = Callable[[Sequence[str]], Awaitable[object]]


def to_sqlalchemy_url(url: str) -> str:
    """Force the psycopg 3 driver on a plain `postgresql://` or `postgres://` URL."""
    for prefix in ("postgresql+psycopg://", "postgresql://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def make_engine(url: str, *, pool_size: int = 10) -> AsyncEngine:
    """An async engine on psycopg 3 with pre-ping, so a restarted database is survived."""
    return create_async_engine(
        to_sqlalchemy_url(url), pool_size=pool_size, max_overflow=10, pool_pre_ping=True
    )


def make_session_factory(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    """Sessions that keep loaded attributes after commit (responses read them)."""
    return async_sessionmaker(engine, expire_on_commit=False)


def defer_after_commit(session: AsyncSession, callback: Callable[[], Awaitable[object]]) -> None:
    """Run `callback` after this session's transaction commits (never if it rolls back).

    For best-effort nudges only; anything that must happen goes through an intent.
    """
    session.info.setdefault(AFTER_COMMIT_KEY, []).append(callback)


def take_pending_intents(session: AsyncSession) -> list[str]:
    """Pop the intent ids written in this session's transaction."""
    ids: list[str] = session.info.pop(PENDING_INTENTS_KEY, [])
    return ids


@asynccontextmanager
async def unit_of_work(
    factory: async_sessionmaker[AsyncSession], *, after_commit: AfterCommit | None = None
) -> AsyncIterator[AsyncSession]:
    """Open a transaction; commit on success, roll back on error, then dispatch intents.

    `after_commit` receives the ids of workflow intents written in the transaction. It
    runs only once the commit succeeded, so a workflow never starts for rolled-back work.
    """
    async with factory() as session:
        try:
            yield session
            await session.commit()
        except BaseException:
            await session.rollback()
            session.info.pop(PENDING_INTENTS_KEY, None)
            session.info.pop(AFTER_COMMIT_KEY, None)
            raise
        intents = take_pending_intents(session)
        callbacks = session.info.pop(AFTER_COMMIT_KEY, [])
    if intents and after_commit is not None:
        await after_commit(intents)
    for callback in callbacks:
        try:
            await callback()
        except Exception:  # best effort by contract
            log.warning("after-commit callback failed", exc_info=True)
