"""A real node on 127.0.0.1, for integration tests, demos and the documentation's examples.

    async with local_node(parties=[OwnParty(RoleEnum.CPO, "NL", "CPO")], store="sqlite:///cpo.db") as cpo:
        cpo.versions_url   # http://127.0.0.1:<port>/ocpi/versions
        cpo.node           # write objects, read partners, send commands

The app is the one `get_application` builds, served by uvicorn on a free port; its `base_url` is that address,
and it may call partners on loopback and plain HTTP (`allow_private_urls`), which production nodes refuse.
"""

from __future__ import annotations

import asyncio
import socket
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any, Literal

import uvicorn
from fastapi import FastAPI

from ocpi.node.config import OwnParty
from ocpi.node.node import Node
from ocpi.server.app import get_application
from ocpi.storage.base import Store
from ocpi.storage.sql import SqlStore


@dataclass(frozen=True)
class LocalNode:
    app: FastAPI
    base_url: str

    @property
    def node(self) -> Node:
        node = self.app.state.node
        assert isinstance(node, Node)
        return node

    @property
    def store(self) -> SqlStore:
        """The node's SQL database: its partners, tokens, change log (and its objects, unless kept elsewhere)."""
        return self.node.store

    @property
    def objects(self) -> Store:
        """Where the node's objects are: its SQL store, or the application's store or sources."""
        return self.node.objects

    @property
    def versions_url(self) -> str:
        """The platform's versions endpoint (2.2.1+); 2.1.1 partners use `role_versions_url`."""
        return f"{self.base_url}{self.node.config.prefix}/versions"

    def role_versions_url(self, role: str) -> str:
        return f"{self.base_url}{self.node.config.prefix}/{role.lower()}/versions"


@asynccontextmanager
async def listening(host: str = "127.0.0.1", port: int = 0) -> AsyncIterator[socket.socket]:
    """A bound socket (`port` 0: any free port), so an app can know its own address before it serves. Protocol
    IPPROTO_TCP, so that asyncio sets TCP_NODELAY on the connections it accepts."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
        yield sock
    finally:
        sock.close()


@asynccontextmanager
async def serving(app: Any, sock: socket.socket, *, lifespan: Literal["on", "off"] = "on") -> AsyncIterator[None]:
    """Serve any ASGI app with uvicorn on `sock` until the block ends."""
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", access_log=False, lifespan=lifespan))
    task = asyncio.create_task(server.serve(sockets=[sock]))
    try:
        while not server.started:
            if task.done():
                task.result()
                raise RuntimeError("the server stopped before it started")
            await asyncio.sleep(0.01)
        yield
    finally:
        server.should_exit = True
        await task


@asynccontextmanager
async def local_node(
    *,
    parties: Sequence[OwnParty],
    store: SqlStore | str,
    host: str = "127.0.0.1",
    port: int = 0,
    public_url: str | None = None,
    **options: Any,
) -> AsyncIterator[LocalNode]:
    """Serve `get_application(parties=..., store=..., **options)` on `host:port` until the block ends;
    `public_url` is where others reach it (default: the address it listens on). A store given as a URL is
    opened at startup and closed at shutdown."""
    options.setdefault("allow_private_urls", True)
    async with listening(host, port) as sock:
        base_url = (public_url or f"http://{host}:{sock.getsockname()[1]}").rstrip("/")
        app = get_application(parties=parties, store=store, base_url=base_url, **options)
        async with serving(app, sock):
            yield LocalNode(app, base_url)
