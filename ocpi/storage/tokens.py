"""Credentials tokens as the built-in store keeps them: random, handed out once, kept only as their hash; and the
cache of who a token belongs to, since every request asks."""

from __future__ import annotations

import asyncio
import functools
import hashlib
import secrets
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime

from ocpi.storage.base import Credential, TokenKind

CREDENTIAL_CACHE_SECONDS = 1.0
_CREDENTIAL_CACHE_SIZE = 10_000


def new_token() -> str:
    """A random token: 256 bits, URL-safe. Never one that starts with `-`: tokens are pasted into command lines
    (`ocpi register URL TOKEN_A`), where it would read as an option (one in 64 did)."""
    while True:
        token = secrets.token_urlsafe(32)
        if not token.startswith("-"):
            return token


@functools.lru_cache(maxsize=1024)
def hash_token(token: str) -> str:
    """Tokens are kept only as SHA-256: they are random, so a fast unsalted hash is enough."""
    return hashlib.sha256(token.encode()).hexdigest()


class CredentialCache:
    """Who each token hash belongs to, kept for `CREDENTIAL_CACHE_SECONDS`: a change made through the store
    (`forget`) clears it at once; one made by another process takes effect within that second. One lookup per
    token at a time: when a kept answer expires under load, the requests that arrive meanwhile wait for the
    lookup under way instead of each starting its own."""

    def __init__(self, look_up: Callable[[str], Awaitable[Credential | None]]):
        self._look_up = look_up
        self._kept: dict[str, tuple[float, Credential | None]] = {}
        self._lookups: dict[str, tuple[int, asyncio.Future[Credential | None]]] = {}
        self._generation = 0

    async def find(self, token_hash: str) -> Credential | None:
        kept = self._kept.get(token_hash)
        if kept is not None and kept[0] > time.monotonic():
            return kept[1]
        return await self._look_up_once(token_hash)

    def forget(self) -> None:
        self._kept.clear()
        self._generation += 1

    async def _look_up_once(self, token_hash: str) -> Credential | None:
        loop = asyncio.get_running_loop()
        generation = self._generation
        pending = self._lookups.get(token_hash)
        # Joined only when started on this loop and since the last change to credentials.
        if pending is not None and pending[0] == generation and pending[1].get_loop() is loop:
            try:
                return await asyncio.shield(pending[1])
            except asyncio.CancelledError:
                task = asyncio.current_task()
                if task is not None and task.cancelling():
                    raise  # this request itself is cancelled
                # The request that was looking up was cancelled (its client left): look up ourselves.
        future: asyncio.Future[Credential | None] = loop.create_future()
        self._lookups[token_hash] = (generation, future)
        try:
            credential = await self._look_up(token_hash)
        except BaseException as error:
            future.set_exception(error)
            future.exception()  # retrieved: the waiters, if any, raise it themselves
            raise
        finally:
            if self._lookups.get(token_hash, (0, None))[1] is future:
                del self._lookups[token_hash]
        future.set_result(credential)
        if generation == self._generation:  # nothing was revoked or changed while we looked
            if len(self._kept) >= _CREDENTIAL_CACHE_SIZE:
                self._kept.clear()
            self._kept[token_hash] = (time.monotonic() + CREDENTIAL_CACHE_SECONDS, credential)
        return credential


@dataclass(frozen=True, slots=True)
class IssuedToken:
    """A credentials token as an operator sees it (`ocpi tokens list`)."""

    token_hash: str
    kind: TokenKind
    party_pk: int | None
    party_name: str | None
    created_at: datetime
    expires_at: datetime | None
    revoked_at: datetime | None
    parties: list[tuple[str, str]] | None = None
    """A token A's parties: the only ones it may register (None: any)."""
