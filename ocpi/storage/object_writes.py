"""The statements of an object's write (`SqlStore.put`, `delete`), on SQLAlchemy's connection or on the SQLite
writer thread's own plain `sqlite3` connection.

On a SQLite file every write runs on one writer thread (`sqlite_writer`); through SQLAlchemy a write's UPDATE,
change record and COMMIT cost about three times SQLite's own work (pool checkout, transaction bookkeeping,
parameter processing, result set-up: measured in-process, an EVSE status PATCH spent ~0.45 ms of the writer
thread's CPU on it), so there they run on the driver's connection, as the hot reads do (`sqlite_reader`)."""

from __future__ import annotations

import sqlite3
from datetime import datetime
from functools import cache
from typing import Any, Protocol

import sqlalchemy as sa

from ocpi.storage import statements
from ocpi.storage.base import ObjectKey
from ocpi.storage.direct_sql import key_values
from ocpi.storage.statements import key_matches, key_params


class ObjectWrites(Protocol):
    """One write transaction's statements on the objects and their change records."""

    def update(self, key: ObjectKey, stamp: datetime, values: dict[str, Any], expected: bytes | None) -> int | None:
        """Set `values` on the object unless it is newer than `stamp` (or, with `expected`, no longer holds that
        canonical JSON): the row's pk, None when nothing was updated."""
        ...

    def stamp_of(self, key: ObjectKey) -> datetime | None:
        """The object's `last_updated` (UTC, without its zone), None when there is no such object."""
        ...

    def insert(self, key: ObjectKey, values: dict[str, Any]) -> int: ...

    def log_change(self, change: dict[str, Any]) -> None: ...

    def delete(self, key: ObjectKey) -> bool: ...


class EngineWrites:
    """On a SQLAlchemy connection (PostgreSQL, SQLite in memory)."""

    def __init__(self, connection: sa.Connection):
        self.connection = connection

    def update(self, key: ObjectKey, stamp: datetime, values: dict[str, Any], expected: bytes | None) -> int | None:
        params = {**key_matches(key), "key_stamp": stamp, **values}
        update = statements.UPDATE_IF_NOT_OLDER
        if expected is not None:
            update, params["key_expected"] = statements.UPDATE_IF_UNCHANGED, expected
        pk = self.connection.execute(update, params).scalar()
        return None if pk is None else int(pk)

    def stamp_of(self, key: ObjectKey) -> datetime | None:
        found = self.connection.execute(statements.STAMP_OF, key_matches(key)).first()
        return None if found is None else found.last_updated

    def insert(self, key: ObjectKey, values: dict[str, Any]) -> int:
        return int(self.connection.execute(statements.INSERT_OBJECT, {**key_params(key), **values}).scalar_one())

    def log_change(self, change: dict[str, Any]) -> None:
        self.connection.execute(statements.LOG_CHANGE, change)

    def delete(self, key: ObjectKey) -> bool:
        return self.connection.execute(statements.DELETE_OBJECT, key_matches(key)).first() is not None


_KEY = "module = ? AND country_code = ? AND party_id = ? AND object_key = ? AND variant = ?"


def _text(value: Any) -> Any:
    """A time as SQLAlchemy keeps it in SQLite (text, so that comparisons and its own reads agree)."""
    return value.isoformat(" ", "microseconds") if isinstance(value, datetime) else value


@cache
def _update_sql(columns: tuple[str, ...], expected: bool) -> str:
    assignments = ", ".join(f"{column} = ?" for column in columns)
    unchanged = " AND canonical = ?" if expected else ""
    return f"UPDATE ocpi_objects SET {assignments} WHERE {_KEY} AND last_updated <= ?{unchanged} RETURNING pk"


@cache
def _insert_sql(table: str, columns: tuple[str, ...], returning: bool) -> str:
    places = ", ".join("?" for _ in columns)
    return f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({places})" + (" RETURNING pk" if returning else "")


class SqliteFileWrites:
    """On a plain `sqlite3` connection (the SQLite writer thread's)."""

    def __init__(self, connection: sqlite3.Connection):
        self.connection = connection

    def update(self, key: ObjectKey, stamp: datetime, values: dict[str, Any], expected: bytes | None) -> int | None:
        params = [*map(_text, values.values()), *key_values(key), _text(stamp)]
        if expected is not None:
            params.append(expected)
        found = self.connection.execute(_update_sql(tuple(values), expected is not None), params).fetchall()
        return int(found[0][0]) if found else None

    def stamp_of(self, key: ObjectKey) -> datetime | None:
        found = self.connection.execute(f"SELECT last_updated FROM ocpi_objects WHERE {_KEY}", key_values(key))
        row = found.fetchone()
        return None if row is None else datetime.fromisoformat(row[0])

    def insert(self, key: ObjectKey, values: dict[str, Any]) -> int:
        row = {**key_params(key), **values}
        found = self.connection.execute(_insert_sql("ocpi_objects", tuple(row), True), [*map(_text, row.values())])
        return int(found.fetchall()[0][0])

    def log_change(self, change: dict[str, Any]) -> None:
        self.connection.execute(_insert_sql("ocpi_changes", tuple(change), False), [*map(_text, change.values())])

    def delete(self, key: ObjectKey) -> bool:
        found = self.connection.execute(f"DELETE FROM ocpi_objects WHERE {_KEY} RETURNING pk", key_values(key))
        return bool(found.fetchall())
