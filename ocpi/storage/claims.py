"""Which partner a push worker is bringing up to date: one sync per partner at a time, across the workers of a
process and, on PostgreSQL, across processes (a session advisory lock per partner)."""

from __future__ import annotations

import asyncio
import logging
import weakref
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

log = logging.getLogger("ocpi.push")

_ADVISORY_NAMESPACE = 0x0C91


class PartnerClaims:
    """The partners being synced through one engine, one sync at a time each: in this process a set shared by
    its workers, and on PostgreSQL across processes a session advisory lock per partner. All those locks are
    held on one connection of their own, open while any is held: a partner being synced, however slowly, holds
    no pooled connection (one per claim, as before, let sixteen slow partners take the pool from every other)."""

    _by_engine: weakref.WeakKeyDictionary[AsyncEngine, PartnerClaims] = weakref.WeakKeyDictionary()

    @classmethod
    def of(cls, engine: AsyncEngine) -> PartnerClaims:
        claims = cls._by_engine.get(engine)
        if claims is None:
            claims = cls._by_engine[engine] = cls(engine)
        return claims

    def __init__(self, engine: AsyncEngine):
        self.engine = engine
        self.advisory = engine.dialect.name == "postgresql"
        self._held: set[int] = set()
        self._connection: AsyncConnection | None = None
        self._statements = asyncio.Lock()

    @asynccontextmanager
    async def claim(self, party_pk: int) -> AsyncIterator[bool]:
        if party_pk in self._held:
            yield False
            return
        self._held.add(party_pk)
        try:
            if self.advisory and not await self._execute(sa.func.pg_try_advisory_lock, party_pk):
                yield False
                return
            try:
                yield True
            finally:
                if self.advisory:  # shielded: a worker stopping mid-sync still lets the partner go
                    await asyncio.shield(self._execute(sa.func.pg_advisory_unlock, party_pk))
        finally:
            self._held.discard(party_pk)
            if self.advisory and not self._held:
                async with self._statements:
                    if not self._held and self._connection is not None:
                        await self._drop()

    async def _execute(self, function: Any, party_pk: int) -> bool:
        async with self._statements:
            try:
                if self._connection is None:
                    self._connection = await self.engine.connect()
                    await self._connection.execution_options(isolation_level="AUTOCOMMIT")
                statement = sa.select(function(_ADVISORY_NAMESPACE, party_pk))
                return bool((await self._connection.execute(statement)).scalar())
            except Exception:
                # A broken connection took its locks with it: the next claim opens another.
                await self._drop()
                raise

    async def _drop(self) -> None:
        connection, self._connection = self._connection, None
        if connection is not None:
            try:
                await connection.close()
            except Exception:  # already broken: nothing to release
                log.debug("closing the claims connection failed", exc_info=True)
