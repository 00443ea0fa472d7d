"""Writing a SQLite database: one writer at a time per event loop, queued here instead of polling SQLite's file
lock; on a file, each write transaction runs whole on one writer thread of its own."""

from __future__ import annotations

import asyncio
import sqlite3
import threading
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


CHECKPOINT_EVERY = 100
"""Commits of the in-place writer between two checkpoints of the WAL on the writer thread (a write is a few 16 KB
pages: about SQLite's own automatic checkpoint, every 1,000 pages)."""


class _Busy(Exception):
    """Another connection (another process) holds the file's write lock."""


class SqliteWriters:
    """The queue of a SQLite database's writers, and (on a file, once `use_thread` was called) its writer thread."""

    def __init__(self) -> None:
        # One queue of writers per event loop (a lock belongs to its loop; tests share stores across loops).
        self._queues: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, asyncio.Lock] = weakref.WeakKeyDictionary()
        self._file_writer: sa.Engine | None = None
        self._file: str | None = None
        self._direct: sqlite3.Connection | None = None
        self._in_place: sqlite3.Connection | None = None
        self._in_place_lock = threading.Lock()  # the store may be shared by event loops on several threads (tests)
        self._commits = 0
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
        async with self.queue():
            return await self._on_thread(lambda: self._in_file(work))

    async def run_direct(self, work: Callable[[sqlite3.Connection], _T]) -> _T:
        """`work` in one write transaction on a plain `sqlite3` connection, in place: an object's write is a few
        SQLite calls (which let go of the GIL), cheaper to make here than to hand to the writer thread and back
        (measured in-process under 32 concurrent PATCHes: 1.1 -> 0.5-0.8 ms of CPU each). What could hold the
        event loop stays on the thread: the WAL's checkpoints (`CHECKPOINT_EVERY`), and a write that meets another
        process's write lock, which waits for it there."""
        async with self.queue():
            try:
                done = self._in_place_transaction(work)
            except _Busy:
                return await self._on_thread(lambda: self._in_direct(work))
            if self._commits % CHECKPOINT_EVERY == 0:
                # Between writes, as SQLite's own checkpoint is: one that ran beside them would never catch up
                # with the WAL's end, which would then grow without bound.
                await self._on_thread(self._checkpoint)
            return done

    async def _on_thread(self, call: Callable[[], _T]) -> _T:
        """`call` on the writer thread, by a writer holding the queue."""
        written = asyncio.get_running_loop().run_in_executor(self._thread, call)
        try:
            return await asyncio.shield(written)
        except asyncio.CancelledError:
            # A thread cannot be stopped: the transaction ends as it would have, and the queue stays ours
            # until it has, so the next writer does not meet SQLite's lock.
            await asyncio.wait({written})
            raise

    def _in_place_transaction(self, work: Callable[[sqlite3.Connection], _T]) -> _T:
        with self._in_place_lock:
            try:
                if self._in_place is None:
                    # No busy timeout: a lock held elsewhere is waited for on the thread (`_Busy`), not here.
                    self._in_place = self._connect(timeout=0)
                    self._in_place.execute("PRAGMA wal_autocheckpoint = 0")  # checkpoints run on the thread
                self._in_place.execute("BEGIN IMMEDIATE")
            except sqlite3.OperationalError as error:
                raise _Busy from error
            try:
                done = work(self._in_place)
                self._in_place.execute("COMMIT")
            except BaseException:
                if self._in_place.in_transaction:
                    self._in_place.execute("ROLLBACK")
                raise
            self._commits += 1
        return done

    def _connect(self, timeout: float) -> sqlite3.Connection:
        assert self._file is not None
        connection = sqlite3.connect(self._file, isolation_level=None, timeout=timeout, check_same_thread=False)
        for pragma in SQLITE_PRAGMAS:
            connection.execute(pragma)
        return connection

    def _checkpoint(self) -> None:
        if self._direct is None:
            self._direct = self._connect(timeout=30)
        self._direct.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchall()

    def _in_file(self, work: Callable[[sa.Connection], _T]) -> _T:
        assert self._file_writer is not None
        with self._file_writer.begin() as conn:
            return work(conn)

    def _in_direct(self, work: Callable[[sqlite3.Connection], _T]) -> _T:
        if self._direct is None:
            self._direct = self._connect(timeout=30)
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
            for connection in (self._direct, self._in_place):
                if connection is not None:
                    connection.close()
            self._direct = self._in_place = None
            self._file_writer.dispose()
            self._file_writer = self._thread = None
