"""A real node served in-process by uvicorn: the partner the checker plays in the write checks (the peer
under check calls its versions and credentials endpoints during the handshake)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from typing import Any

from ocpi.node.config import OwnParty
from ocpi.storage.sql import SqlStore
from ocpi.testing import LocalNode, local_node

RunningNode = LocalNode


@asynccontextmanager
async def serve_node(database_url: str, parties: Sequence[OwnParty], **options: Any) -> AsyncIterator[LocalNode]:
    """A node on its own store at `database_url` (see `ocpi.testing.local_node` for the options)."""
    store = await SqlStore.open(database_url)
    try:
        async with local_node(parties=parties, store=store, **options) as running:
            yield running
    finally:
        await store.close()
