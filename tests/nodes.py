"""Real OCPI nodes for end-to-end tests: uvicorn serving the real app on 127.0.0.1, each on its own store."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from ocpi.conformance.peer import serve_node as _serve_on
from ocpi.node.config import OwnParty
from ocpi.testing import LocalNode, listening, serving

RunningNode = LocalNode


async def eventually(check: Callable[[], Awaitable[bool]], what: str, attempts: int = 400) -> None:
    """Poll (bounded: `attempts` x 50 ms, about 20 s by default) until `check` holds."""
    for _ in range(attempts):
        if await check():
            return
        await asyncio.sleep(0.05)
    raise AssertionError(f"never happened: {what}")


@asynccontextmanager
async def serve_app(app: Any, port: int = 0) -> AsyncIterator[str]:
    """Any ASGI app on 127.0.0.1; yields its base URL."""
    async with listening(port=port) as sock, serving(app, sock, lifespan="off"):
        yield f"http://127.0.0.1:{sock.getsockname()[1]}"


@asynccontextmanager
async def serve_node(
    database: Path | str, parties: Sequence[OwnParty], *, port: int = 0, **options: Any
) -> AsyncIterator[LocalNode]:
    """A node listening on 127.0.0.1 (a fixed `port` lets a test restart it at the same address), on a
    SQLite file (a Path) or any database URL."""
    url = database if isinstance(database, str) and "://" in database else f"sqlite:///{database}"
    async with _serve_on(url, parties, port=port, **options) as running:
        yield running
