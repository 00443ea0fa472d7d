"""Real OCPI nodes for end-to-end tests: uvicorn serving the real app on 127.0.0.1, each on its own store."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import uvicorn
from fastapi import FastAPI

from ocpi.server.app import get_application
from ocpi.server.config import OwnParty
from ocpi.server.node import Node
from ocpi.storage.sql import SqlStore


@dataclass
class RunningNode:
    app: FastAPI
    store: SqlStore
    base_url: str

    @property
    def node(self) -> Node:
        node = self.app.state.node
        assert isinstance(node, Node)
        return node

    @property
    def versions_url(self) -> str:
        return f"{self.base_url}/ocpi/versions"


@asynccontextmanager
async def serve_app(app: Any, port: int = 0) -> AsyncIterator[str]:
    """Any ASGI app on 127.0.0.1; yields its base URL."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", port))
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", access_log=False, lifespan="off"))
    task = asyncio.create_task(server.serve(sockets=[sock]))
    try:
        while not server.started:
            if task.done():
                task.result()
            await asyncio.sleep(0.01)
        yield f"http://127.0.0.1:{sock.getsockname()[1]}"
    finally:
        server.should_exit = True
        await task
        sock.close()


@asynccontextmanager
async def serve_node(
    database: Path | str, parties: Sequence[OwnParty], *, port: int = 0, **options: Any
) -> AsyncIterator[RunningNode]:
    """A node listening on 127.0.0.1 (a fixed `port` lets a test restart it at the same address)."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", port))
    base_url = f"http://127.0.0.1:{sock.getsockname()[1]}"
    url = database if isinstance(database, str) and "://" in database else f"sqlite:///{database}"
    store = await SqlStore.open(url)
    options.setdefault("allow_private_urls", True)
    app = get_application(parties=parties, store=store, base_url=base_url, **options)
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", access_log=False, lifespan="on"))
    task = asyncio.create_task(server.serve(sockets=[sock]))
    try:
        while not server.started:
            if task.done():
                task.result()
            await asyncio.sleep(0.01)
        yield RunningNode(app, store, base_url)
    finally:
        server.should_exit = True
        await task
        sock.close()
        await store.close()
