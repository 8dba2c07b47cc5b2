"""A relay process whose handler writes its effect, says so, then hangs until killed.

Usage: python -m tests.support.crashing_relay DATABASE_URL READY_FILE
"""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

from domain.db import make_engine, make_session_factory
from domain.outbox.relay import OutboxRelay
from domain.outbox.subscribers import Subscriber
from tests.support.outbox import write_effect


async def main(url: str, ready: Path) -> None:
    engine = make_engine(url)

    async def hang_mid_delivery(session, event):
        await write_effect(session, "audit", event)
        await session.flush()
        ready.write_text(event.id)
        await asyncio.sleep(3600)

    relay = OutboxRelay(
        make_session_factory(engine), [Subscriber("audit", ("*",), hang_mid_delivery)]
    )
    await relay.drain()


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1], Path(sys.argv[2])))
