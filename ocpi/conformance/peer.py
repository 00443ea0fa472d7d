"""A real node served in-process by uvicorn: the partner the checker plays in the write checks (the peer
under check calls its versions and credentials endpoints during the handshake)."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
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


@asynccontextmanager
async def serve_node(
    database_url: str,
    parties: Sequence[OwnParty],
    *,
    host: str = "127.0.0.1",
    port: int = 0,
    public_url: str | None = None,
    **options: Any,
) -> AsyncIterator[RunningNode]:
    """A node on `database_url`, listening on `host:port` (0: any free port) until the block ends;
    `public_url` is where others reach it (default: the address it listens on)."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, port))
    base_url = (public_url or f"http://{host}:{sock.getsockname()[1]}").rstrip("/")
    store = await SqlStore.open(database_url)
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
