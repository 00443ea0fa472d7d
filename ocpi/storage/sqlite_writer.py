"""Writing a SQLite database: one writer at a time per event loop, queued here instead of polling SQLite's file
lock; on a file, each write transaction runs whole on one writer thread of its own."""

from __future__ import annotations

import asyncio
import sqlite3
import weakref
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

import sqlalchemy as sa

_T = TypeVar("_T")

SQLITE_PAGE_SIZE = 16384
"""A stored object keeps every version's JSON in its row (about 5 KB for a location): on SQLite's default 4 KB
pages most of it sits on overflow pages, which SQLite copies out piece by piece on every read. On 16 KB pages
such rows are read in place: the SQL of a list page of 50 locations 49 -> 43 us, the whole request 147 -> 140 us
(in-process). Writes log 16 KB pages to the WAL instead of 4 KB ones: a PUT measured the same."""


SQLITE_PRAGMAS = (
    f"PRAGMA page_size={SQLITE_PAGE_SIZE}",  # takes effect only in a new, empty file
    "PRAGMA journal_mode=WAL",
    "PRAGMA synchronous=NORMAL",
    "PRAGMA foreign_keys=ON",
)
"""Run on every connection to a SQLite file (the write benchmark's ceiling uses them too)."""


def tune_sqlite(engine: sa.Engine) -> None:
    @sa.event.listens_for(engine, "connect")
    def _pragmas(dbapi_connection: Any, _record: Any) -> None:
        cursor = dbapi_connection.cursor()
        for pragma in SQLITE_PRAGMAS:
            cursor.execute(pragma)


class SqliteWriters:
    """The queue of a SQLite database's writers, and (on a file, once `use_thread` was called) its writer thread."""

    def __init__(self) -> None:
        # One queue of writers per event loop (a lock belongs to its loop; tests share stores across loops).
        self._queues: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, asyncio.Lock] = weakref.WeakKeyDictionary()
        self._file_writer: sa.Engine | None = None
        self._file: str | None = None
        self._direct: sqlite3.Connection | None = None
        self._thread: ThreadPoolExecutor | None = None

    def queue(self) -> asyncio.Lock:
        """This event loop's queue of SQLite writers."""
        loop = asyncio.get_running_loop()
        lock = self._queues.get(loop)
        if lock is None:
            lock = self._queues[loop] = asyncio.Lock()
        return lock

    def use_thread(self, url: sa.URL) -> None:
        """Write the file at `url` (a plain `sqlite` URL) on a thread of its own."""
        self._file_writer = sa.create_engine(url, connect_args={"timeout": 30})
        tune_sqlite(self._file_writer)
        self._file = url.database
        self._thread = ThreadPoolExecutor(1, thread_name_prefix="ocpi-sqlite-writer")

    @property
    def threaded(self) -> bool:
        return self._file_writer is not None

    async def run(self, work: Callable[[sa.Connection], _T]) -> _T:
        """`work` in one write transaction, whole on the writer thread: through aiosqlite each of its statements,
        BEGIN and COMMIT would be a trip to a thread and back, each waiting for the busy event loop while the
        other writers queue behind it (a PUT held the queue ~4 ms)."""
        return await self._on_thread(self._in_file, work)

    async def run_direct(self, work: Callable[[sqlite3.Connection], _T]) -> _T:
        """As `run`, on the writer thread's plain `sqlite3` connection instead of SQLAlchemy's."""
        return await self._on_thread(self._in_direct, work)

    async def _on_thread(self, transaction: Callable[[Callable[[Any], _T]], _T], work: Callable[[Any], _T]) -> _T:
        async with self.queue():
            written = asyncio.get_running_loop().run_in_executor(self._thread, transaction, work)
            try:
                return await asyncio.shield(written)
            except asyncio.CancelledError:
                # A thread cannot be stopped: the transaction ends as it would have, and the queue stays ours
                # until it has, so the next writer does not meet SQLite's lock.
                await asyncio.wait({written})
                raise

    def _in_file(self, work: Callable[[sa.Connection], _T]) -> _T:
        assert self._file_writer is not None
        with self._file_writer.begin() as conn:
            return work(conn)

    def _in_direct(self, work: Callable[[sqlite3.Connection], _T]) -> _T:
        if self._direct is None:
            assert self._file is not None
            self._direct = sqlite3.connect(self._file, isolation_level=None, timeout=30, check_same_thread=False)
            for pragma in SQLITE_PRAGMAS:
                self._direct.execute(pragma)
        self._direct.execute("BEGIN IMMEDIATE")
        try:
            done = work(self._direct)
        except BaseException:
            self._direct.execute("ROLLBACK")
            raise
        self._direct.execute("COMMIT")
        return done

    def close(self) -> None:
        if self._file_writer is not None and self._thread is not None:
            self._thread.shutdown()
            if self._direct is not None:
                self._direct.close()
                self._direct = None
            self._file_writer.dispose()
            self._file_writer = self._thread = None
