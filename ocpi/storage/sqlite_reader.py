"""The hot reads of a SQLite file store, through one plain `sqlite3` connection on the caller's own thread.

Through SQLAlchemy's async layer and aiosqlite every statement hops to a worker thread and back (with greenlet
switches on the way): about 0.6 ms of CPU per statement, where the indexed lookups below take 5-50 µs. In WAL
mode a reader never waits for a writer, so these lookups are cheaper to run in place than to hand off. Only
statements an index bounds run here (one object by key; a page reached by position or a small offset, without
date filters); `SqlStore` sends anything that may scan to the engine, off the event loop. `data_version` tells
`SqlStore` whether another connection committed since it last asked (its kept list totals are still right)."""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Sequence
from typing import Any

from ocpi.storage.base import ListQuery, ObjectKey
from ocpi.storage.direct_sql import credential_statement, get_statement, page_statement

PAGE_ROWS = 200
"""Pages up to this many rows are read in place (a page of 1,000 full locations copies ~1.5 MB: a thread's job)."""
OFFSET_ROWS = 1000
"""Offsets up to this many rows are stepped over in place (about 0.15 ms per 1,000 index entries)."""
CACHE_KIB = 65536
"""The connection's page cache (SQLite's default is 2 MB): 10,000 stored locations fit in it."""


class SqliteReader:
    def __init__(self, path: str):
        # Not `mode=ro`: a read-only connection cannot keep the WAL index alive once the engine's connections
        # close. `query_only` gives the same guarantee that this connection never writes.
        self._connection = sqlite3.connect(path, check_same_thread=False, isolation_level=None, timeout=30)
        try:
            self._connection.execute("PRAGMA query_only = ON")
            self._connection.execute(f"PRAGMA cache_size = -{CACHE_KIB}")  # reads the file: fails on a non-database
        except sqlite3.Error:
            self._connection.close()
            raise
        self._lock = threading.Lock()  # the store may be shared by event loops on several threads (tests)

    def close(self) -> None:
        with self._lock:
            self._connection.close()

    def _all(self, sql: str, params: Sequence[Any]) -> list[Any]:
        # fetchall() steps each statement to its end, so no read snapshot outlives the call.
        with self._lock:
            return self._connection.execute(sql, params).fetchall()

    def data_version(self) -> int:
        return int(self._all("PRAGMA data_version", ())[0][0])

    def get(self, key: ObjectKey) -> tuple[Any, ...] | None:
        """The object's row: pk, country_code, party_id, object_id, variant, last_updated (as SQLite keeps it:
        UTC as text without a zone), canonical, then the JSON of each version."""
        rows = self._all(*get_statement(key))
        return rows[0] if rows else None

    def rendered(self, key: ObjectKey, column: str) -> bytes | None:
        """The object's JSON in one version's `column` (None when absent or not expressible in it)."""
        rows = self._all(*get_statement(key, column))
        return rows[0][0] if rows else None

    def credential(self, token_hash: str) -> tuple[Any, ...] | None:
        """The live credential's row, as `direct_sql.CREDENTIAL_COLUMN_NAMES` (times as SQLite keeps them)."""
        rows = self._all(*credential_statement(token_hash))
        return rows[0] if rows else None

    def page(self, query: ListQuery, column: str, bit: int) -> list[tuple[int, bytes]]:
        """The page's positions and JSON in `column`; without date filters (SQLite keeps times as text, which
        only the engine's own statements compare rightly)."""
        if query.date_from is not None or query.date_to is not None:
            raise ValueError("the in-place reader takes no date filters")
        return self._all(*page_statement(query, column, bit))
