"""Real OCPI nodes for end-to-end tests: uvicorn serving the real app on 127.0.0.1, each on its own store."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from ocpi.conformance.peer import serve_node as _serve_on
from ocpi.node.config import OwnParty
from ocpi.storage.sources import Sources
from ocpi.testing import LocalNode, listening, serving
from tests.test_docs.samples import DOCS, samples

RunningNode = LocalNode

OWN_DATA = ("sql", "store", "sources")
"""Where a node's objects are kept (`own_data`): its SQL store, the guide's `MemoryStore` (`objects=`), or the
guide's `MemorySource`s (`sources=`)."""


def guide_classes() -> dict[str, Any]:
    """The classes the guide "Bringing your own data" defines (`MemoryStore`, `MemorySource`), from the page itself:
    the tests run nodes on exactly what the documentation shows."""
    namespace: dict[str, Any] = {"__name__": "own_store_guide"}
    for sample in samples(DOCS / "guides" / "own-store.md"):
        if "\nclass " in sample.code:
            exec(compile(sample.code, sample.where, "exec"), namespace)
    return namespace


def own_data(kind: str) -> dict[str, Any]:
    """The options of `get_application` for a node whose objects are kept as `kind` (one of `OWN_DATA`) says; its
    own state is in its SQL store whatever the kind. Give the same options to a node restarted on the same data."""
    guide = guide_classes()
    if kind == "store":
        return {"objects": guide["MemoryStore"]()}
    if kind == "sources":
        source = guide["MemorySource"]
        every = {module: source() for module in ("locations", "sessions", "cdrs", "tariffs")}
        return {"sources": Sources(**every, tokens=source("uid", "type"))}
    assert kind == "sql", kind
    return {}


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
