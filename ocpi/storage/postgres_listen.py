"""Whether PostgreSQL's objects changed, from any process: a connection of its own LISTENs on channel
`ocpi_objects` (notified by the trigger of migration 0005) and counts the notifications."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from sqlalchemy.ext.asyncio import AsyncEngine

log = logging.getLogger("ocpi.storage")


class ObjectsListener:
    def __init__(self) -> None:
        self._connection: Any = None  # an asyncpg connection listening on channel ocpi_objects
        self._loop: asyncio.AbstractEventLoop | None = None
        self.changes = 0
        """Notifications received, plus this process's own writes (`changed`), counted at once."""

    async def listen(self, engine: AsyncEngine) -> None:
        import asyncpg

        dsn = engine.url.set(drivername="postgresql").render_as_string(hide_password=False)
        try:
            self._connection = await asyncpg.connect(dsn)
            await self._connection.add_listener("ocpi_objects", self._notified)
        except (OSError, asyncpg.PostgresError) as error:
            log.warning("not listening for changes (list totals will be counted each time): %s", error)
            self._connection = None
            return
        self._loop = asyncio.get_running_loop()

    def _notified(self, *_notification: Any) -> None:
        self.changes += 1

    def changed(self) -> None:
        self.changes += 1

    def mark(self) -> int | None:
        """The number of changes seen, when they can be seen (listening, on this event loop); else None."""
        connection = self._connection
        if connection is None or connection.is_closed() or self._loop is not asyncio.get_running_loop():
            return None
        return self.changes

    async def close(self) -> None:
        if self._connection is not None:
            connection, self._connection = self._connection, None
            if self._loop is asyncio.get_running_loop():
                await connection.close()
            else:
                connection.terminate()
