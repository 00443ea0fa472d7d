"""The built-in store on SQLAlchemy 2 (async): SQLite through aiosqlite by default, PostgreSQL through asyncpg.

Objects are rows of canonical JSON plus indexed key columns and the JSON rendered per version. Creation
order is the primary key, which is also the pagination order the spec asks for.
"""

from __future__ import annotations

import asyncio
import collections
import functools
import hashlib
import logging
import secrets
import time
import weakref
from collections.abc import AsyncIterator, Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, TypeVar

import orjson
import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, create_async_engine

from ocpi.storage.base import (
    Credential,
    ListQuery,
    ObjectKey,
    Page,
    Party,
    PartyClaimed,
    PartyRole,
    PutOutcome,
    StoredObject,
    TokenClaim,
    TokenKind,
)
from ocpi.storage.direct_sql import CREDENTIAL_COLUMN_NAMES, OBJECT_COLUMN_NAMES, distinct_owners, key_values
from ocpi.storage.direct_sql import naive_utc as _naive_utc
from ocpi.storage.postgres_reader import READ_CONNECTIONS, PostgresReader
from ocpi.storage.secrets import PREFIX as ENCRYPTED
from ocpi.storage.secrets import NodeKey
from ocpi.storage.sqlite_reader import OFFSET_ROWS, PAGE_ROWS, SqliteReader

log = logging.getLogger("ocpi.storage")
_T = TypeVar("_T")

VERSIONS = ("2.1.1", "2.2.1", "2.3.0")
_RENDER_COLUMNS = {v: "json_" + v.replace(".", "_") for v in VERSIONS}
_VERSION_BITS = {v: 1 << index for index, v in enumerate(VERSIONS)}
"""`versions` holds one bit per version the object can be expressed in, so that lists filter on a small
indexed number instead of testing a (large) rendered JSON column row by row."""

metadata = sa.MetaData()

objects = sa.Table(
    "ocpi_objects",
    metadata,
    sa.Column("pk", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("module", sa.String(32), nullable=False),
    sa.Column("country_code", sa.String(2), nullable=False),
    sa.Column("party_id", sa.String(3), nullable=False),
    sa.Column("object_id", sa.String(64), nullable=False),
    sa.Column("object_key", sa.String(64), nullable=False),
    sa.Column("variant", sa.String(32), nullable=False, server_default=""),
    sa.Column("last_updated", sa.DateTime(), nullable=False),
    sa.Column("versions", sa.Integer, nullable=False, server_default="7"),
    sa.Column("audience", sa.String(8), nullable=True),
    sa.Column("canonical", sa.LargeBinary, nullable=False),
    *(sa.Column(column, sa.LargeBinary, nullable=True) for column in _RENDER_COLUMNS.values()),
    sa.UniqueConstraint("module", "country_code", "party_id", "object_key", "variant", name="uq_ocpi_objects_key"),
    # Lists read in creation order per owner; the index also answers the version and date filters and counts.
    sa.Index("ix_ocpi_objects_listing", "module", "country_code", "party_id", "pk", "versions", "last_updated"),
    sa.Index("ix_ocpi_objects_module_updated", "module", "last_updated"),
    # A partner's Sessions and CDRs: the listing index's ranges, per audience. Partial: other objects have none.
    sa.Index(
        "ix_ocpi_objects_audience",
        "module",
        "country_code",
        "party_id",
        "audience",
        "pk",
        "versions",
        "last_updated",
        sqlite_where=sa.text("audience IS NOT NULL"),
        postgresql_where=sa.text("audience IS NOT NULL"),
    ),
)

changes = sa.Table(
    "ocpi_changes",
    metadata,
    sa.Column("seq", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("object_pk", sa.Integer, nullable=False),
    sa.Column("module", sa.String(32), nullable=False),
    sa.Column("changed_at", sa.DateTime(), nullable=False),
    # What the write changed, per version (`ocpi.storage.changes`); NULL: the whole object.
    sa.Column("scope", sa.LargeBinary, nullable=True),
)

parties = sa.Table(
    "ocpi_parties",
    metadata,
    sa.Column("pk", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("name", sa.String(100), nullable=False),
    sa.Column("roles", sa.Text, nullable=False),
    sa.Column("state", sa.String(16), nullable=False),
    sa.Column("version", sa.String(8), nullable=True),
    sa.Column("versions_url", sa.String(255), nullable=True),
    sa.Column("endpoints", sa.Text, nullable=False, server_default="[]"),
    # Encrypted (`ocpi.storage.secrets`), so longer than a token: text. SQLite keeps any length in VARCHAR, whose
    # column would be rebuilt to change its type (and it is referenced by other tables' foreign keys).
    sa.Column("outbound_token", sa.Text().with_variant(sa.String(255), "sqlite"), nullable=True),
    sa.Column("settings", sa.Text, nullable=False, server_default="{}"),
    sa.Column("allowed_parties", sa.Text, nullable=True),
    sa.Column("created_at", sa.DateTime(), nullable=False),
    sa.Column("updated_at", sa.DateTime(), nullable=False),
)

party_states = sa.Table(
    "ocpi_party_states",
    metadata,
    sa.Column("pk", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("party_pk", sa.Integer, sa.ForeignKey("ocpi_parties.pk"), nullable=False),
    sa.Column("state", sa.String(16), nullable=False),
    sa.Column("at", sa.DateTime(), nullable=False),
)

credential_tokens = sa.Table(
    "ocpi_credential_tokens",
    metadata,
    sa.Column("pk", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("token_hash", sa.String(64), nullable=False, unique=True),
    sa.Column("kind", sa.String(1), nullable=False),
    sa.Column("party_pk", sa.Integer, sa.ForeignKey("ocpi_parties.pk"), nullable=True),
    sa.Column("expires_at", sa.DateTime(), nullable=True),
    sa.Column("revoked_at", sa.DateTime(), nullable=True),
    sa.Column("created_at", sa.DateTime(), nullable=False),
    sa.Column("parties", sa.Text, nullable=True),
)


_KEY_COLUMNS = ("module", "country_code", "party_id", "object_key", "variant")


def _key_params(key: ObjectKey) -> dict[str, str]:
    """The key's columns, as a row has them."""
    return dict(zip(_KEY_COLUMNS, key_values(key), strict=True))


def _key_matches(key: ObjectKey) -> dict[str, str]:
    """The parameters of `_KEY_MATCHES` (not named as the columns: an UPDATE keeps those for its SET)."""
    return {"key_" + name: value for name, value in _key_params(key).items()}


# The statements on every request's path and of every object write are built once, with bound parameters:
# building and cache-keying one per call costs more than the SQLite work it runs (measured in benchmarks/).
# The UPDATEs' conditions are bound by `key_stamp` (and `key_expected`); they set the columns their other
# parameters name.
_KEY_MATCHES = sa.and_(*(objects.c[name] == sa.bindparam("key_" + name) for name in _KEY_COLUMNS))
_GET_OBJECT = sa.select(*(objects.c[name] for name in OBJECT_COLUMN_NAMES)).where(_KEY_MATCHES)
_GET_RENDERED = {
    version: sa.select(objects.c[column]).where(_KEY_MATCHES) for version, column in _RENDER_COLUMNS.items()
}
_UPDATE_IF_NOT_OLDER = (
    sa.update(objects).where(_KEY_MATCHES, objects.c.last_updated <= sa.bindparam("key_stamp")).returning(objects.c.pk)
)
_UPDATE_IF_UNCHANGED = _UPDATE_IF_NOT_OLDER.where(objects.c.canonical == sa.bindparam("key_expected"))
_STAMP_OF = sa.select(objects.c.last_updated).where(_KEY_MATCHES)
_INSERT_OBJECT = sa.insert(objects).returning(objects.c.pk)
_DELETE_OBJECT = sa.delete(objects).where(_KEY_MATCHES).returning(objects.c.pk)
_LOG_CHANGE = sa.insert(changes)
_FIND_CREDENTIAL = (
    sa.select(
        credential_tokens.c.kind,
        credential_tokens.c.expires_at,
        credential_tokens.c.party_pk,
        *(parties.c[name] for name in CREDENTIAL_COLUMN_NAMES[3:]),
    )
    .select_from(credential_tokens.outerjoin(parties, credential_tokens.c.party_pk == parties.c.pk))
    .where(credential_tokens.c.token_hash == sa.bindparam("token_hash"), credential_tokens.c.revoked_at.is_(None))
)
"""What `direct_sql.credential_statement` reads, for a store without direct reads: the same columns."""
_CredentialRow = collections.namedtuple("_CredentialRow", CREDENTIAL_COLUMN_NAMES)  # type: ignore[misc]


def _object_values(
    key: ObjectKey, stamp: datetime, canonical: bytes, rendered: Mapping[str, bytes | None], audience: str | None
) -> dict[str, Any]:
    """The columns a write sets besides the key: the rendering per version and the bitmask of those present."""
    return {
        "object_id": key.object_id,
        "last_updated": stamp,
        "audience": audience,
        "canonical": canonical,
        "versions": sum(bit for v, bit in _VERSION_BITS.items() if rendered.get(v) is not None),
        **{c: rendered.get(v) for v, c in _RENDER_COLUMNS.items()},
    }


def object_row(
    key: ObjectKey,
    last_updated: datetime,
    canonical: bytes,
    rendered: Mapping[str, bytes | None],
    audience: str | None = None,
) -> dict[str, Any]:
    """A whole ocpi_objects row, as `SqlStore.put` would insert it (for bulk loads)."""
    return {**_key_params(key), **_object_values(key, _naive_utc(last_updated), canonical, rendered, audience)}


def _storable(key: ObjectKey) -> bool:
    """PostgreSQL text cannot hold NUL: a key with one names no object (and must not reach the database,
    where it is an error, not a miss). Objects themselves are stored as JSON bytes, where NUL is escaped."""
    return "\x00" not in f"{key.object_id}{key.variant}{key.country_code}{key.party_id}"


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


def _aware(value: datetime) -> datetime:
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value


def _utc(value: datetime | str) -> datetime:
    """A stored time (UTC: a datetime with or without its zone, or the text SQLite keeps) as an aware datetime."""
    if isinstance(value, str):
        return datetime.fromisoformat(value + "+00:00")
    return _aware(value)


def utcnow() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


def async_url(url: str) -> str:
    """Accept the plain URLs users write (`sqlite:///x.db`, `postgresql://...`) and pick the async driver."""
    if url.startswith("sqlite:///") or url == "sqlite://":
        return "sqlite+aiosqlite" + url.removeprefix("sqlite")
    for prefix in ("postgresql://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql+asyncpg://" + url.removeprefix(prefix)
    return url


class SqlStore:
    """`Store` on SQLAlchemy Core. Use `await SqlStore.open(url)`."""

    keeps_scopes = True
    """`put` takes the `scope` of a change (what the push worker needs to send the smallest request)."""

    def __init__(
        self,
        engine: AsyncEngine,
        *,
        direct_reads: bool = True,
        read_connections: int = READ_CONNECTIONS,
        node_key: NodeKey | None = None,
    ):
        """`direct_reads`: on PostgreSQL, read objects and pages with asyncpg on up to `read_connections` of the
        reader's own (`PostgresReader`) rather than through SQLAlchemy's execution and pool, at a quarter of
        the CPU; SQLite's in-place reader comes with `open`, which knows the file. `node_key` encrypts the
        partner tokens the store keeps (`ocpi.storage.secrets`; by default from the environment, or the key
        file beside a SQLite database)."""
        self.engine = engine
        self.node_key = node_key or NodeKey.for_database(engine.url.database, engine.dialect.name)
        # PostgreSQL reads need no transaction: without one, a lookup is one round trip instead of BEGIN, the
        # query and ROLLBACK (same pool). SQLite's driver begins no transaction for a SELECT anyway.
        self._reading = (
            engine.execution_options(isolation_level="AUTOCOMMIT") if engine.dialect.name == "postgresql" else engine
        )
        self._credentials: dict[str, tuple[float, Credential | None]] = {}
        self._credential_lookups: dict[str, tuple[int, asyncio.Future[Credential | None]]] = {}
        self._credentials_generation = 0
        self._reader: SqliteReader | None = None
        self._file_writer: sa.Engine | None = None
        self._write_thread: ThreadPoolExecutor | None = None
        self._postgres_reader = (
            PostgresReader(engine, read_connections) if direct_reads and engine.dialect.name == "postgresql" else None
        )
        # One queue of writers per event loop (a lock belongs to its loop; tests share stores across loops).
        self._writers: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, asyncio.Lock] = weakref.WeakKeyDictionary()
        self._counts: dict[tuple[Any, ...], tuple[int, int]] = {}
        self._listener: Any = None  # PostgreSQL: an asyncpg connection listening on channel ocpi_objects
        self._listener_loop: asyncio.AbstractEventLoop | None = None
        self._objects_changes = 0

    @classmethod
    async def open(
        cls,
        url: str = "sqlite:///./ocpi.db",
        *,
        create: bool = True,
        listen: bool = True,
        read_connections: int = READ_CONNECTIONS,
        node_key: NodeKey | None = None,
        **engine_options: Any,
    ) -> SqlStore:
        """The store at `url`, migrated to the latest schema unless `create=False`; `engine_options` go to
        SQLAlchemy's `create_async_engine` (pool_size, max_overflow, pool_pre_ping, ...). On PostgreSQL the
        store reads objects and pages on up to `read_connections` of its own, and keeps one more connection that
        LISTENs for changes to the objects, so list totals are counted only after a change; `listen=False` for
        a connection pooler in transaction mode (PgBouncer), which cannot deliver notifications: totals are
        then counted on every list request. `node_key`: see `SqlStore`."""
        url = async_url(url)
        if url.startswith("sqlite"):
            engine_options.setdefault("connect_args", {"timeout": 30})
        else:
            # No overflow: an overflow connection is closed when given back, so under more requests in flight
            # than the pool holds, a connection was opened per query (a connect costs more than ten queries).
            # Beyond the pool, requests wait their turn for a kept connection instead.
            engine_options.setdefault("pool_size", 20)
            engine_options.setdefault("max_overflow", 0)
        engine = create_async_engine(url, **engine_options)
        if url.startswith("sqlite"):
            _tune_sqlite(engine.sync_engine)
        store = cls(engine, read_connections=read_connections, node_key=node_key)
        try:
            if create:
                await store.migrate()
            database = engine.url.database
            if (
                engine.dialect.name == "sqlite"
                and database
                and database != ":memory:"
                and "mode=memory" not in database
            ):
                store._reader = SqliteReader(database)
                store._file_writer = sa.create_engine(engine.url.set(drivername="sqlite"), connect_args={"timeout": 30})
                _tune_sqlite(store._file_writer)
                store._write_thread = ThreadPoolExecutor(1, thread_name_prefix="ocpi-sqlite-writer")
            elif engine.dialect.name == "postgresql" and listen:
                await store._listen()
        except BaseException:
            await store.close()
            raise
        return store

    async def _listen(self) -> None:
        import asyncpg

        dsn = self.engine.url.set(drivername="postgresql").render_as_string(hide_password=False)
        try:
            self._listener = await asyncpg.connect(dsn)
            await self._listener.add_listener("ocpi_objects", self._objects_changed)
        except (OSError, asyncpg.PostgresError) as error:
            log.warning("not listening for changes (list totals will be counted each time): %s", error)
            self._listener = None
            return
        self._listener_loop = asyncio.get_running_loop()

    def _objects_changed(self, *_notification: Any) -> None:
        self._objects_changes += 1

    async def migrate(self) -> None:
        """Bring the database to the latest schema; then check that the node key reads its partner tokens."""
        from ocpi.storage.migrations import upgrade

        await upgrade(self.engine)
        await self.verify_node_key()

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[AsyncConnection]:
        """A write transaction. SQLite takes one writer at a time: this process's writers wait here, in turn,
        instead of polling SQLite's file lock, whose growing sleeps left some writers waiting over a second
        under 32 concurrent writes (measured in benchmarks/)."""
        if self.engine.dialect.name != "sqlite":
            async with self.engine.begin() as conn:
                yield conn
            return
        async with self._sqlite_writers(), self.engine.begin() as conn:
            yield conn

    def _sqlite_writers(self) -> asyncio.Lock:
        """This event loop's queue of SQLite writers (a lock belongs to its loop; tests share stores across
        loops)."""
        loop = asyncio.get_running_loop()
        lock = self._writers.get(loop)
        if lock is None:
            lock = self._writers[loop] = asyncio.Lock()
        return lock

    async def _write_objects(self, work: Callable[[sa.Connection], _T]) -> _T:
        """`work` in one write transaction. On a SQLite file it runs whole on the writer thread: through
        aiosqlite each of its statements, BEGIN and COMMIT would be a trip to a thread and back, each waiting
        for the busy event loop while the other writers queue behind it (a PUT held the queue ~4 ms)."""
        if self._file_writer is None:
            async with self.transaction() as conn:
                return await conn.run_sync(work)
        async with self._sqlite_writers():
            written = asyncio.get_running_loop().run_in_executor(self._write_thread, self._in_file, work)
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

    async def close(self) -> None:
        if self._reader is not None:
            self._reader.close()
            self._reader = None
        if self._file_writer is not None and self._write_thread is not None:
            self._write_thread.shutdown()
            self._file_writer.dispose()
            self._file_writer = self._write_thread = None
        if self._postgres_reader is not None:
            await self._postgres_reader.close()
        if self._listener is not None:
            listener, self._listener = self._listener, None
            if self._listener_loop is asyncio.get_running_loop():
                await listener.close()
            else:
                listener.terminate()
        await self.engine.dispose()

    # --- objects -------------------------------------------------------------------------------------

    async def get(self, key: ObjectKey) -> StoredObject | None:
        if not _storable(key):
            return None
        found: Sequence[Any] | None
        if self._reader is not None:
            found = self._reader.get(key)
        elif self._postgres_reader is not None:
            found = await self._postgres_reader.get(key)
        else:
            async with self._reading.connect() as conn:
                found = (await conn.execute(_GET_OBJECT, _key_matches(key))).first()
        return None if found is None else self._stored(key, found)

    async def get_rendered(self, key: ObjectKey, version: str) -> bytes | None:
        column = _RENDER_COLUMNS.get(version)
        if column is None or not _storable(key):
            return None
        if self._reader is not None:
            return self._reader.rendered(key, column)
        if self._postgres_reader is not None:
            return await self._postgres_reader.rendered(key, column)
        async with self._reading.connect() as conn:
            return (await conn.execute(_GET_RENDERED[version], _key_matches(key))).scalar()

    @staticmethod
    def _stored(key: ObjectKey, row: Sequence[Any]) -> StoredObject:
        """A row of `direct_sql.OBJECT_COLUMN_NAMES`, from any reader, as the object. `last_updated` is UTC: a
        datetime with or without its zone, or the text SQLite keeps."""
        pk, country_code, party_id, object_id, variant, last_updated, audience, canonical, *rendered = row
        if (country_code, party_id, object_id, variant) != (key.country_code, key.party_id, key.object_id, key.variant):
            key = ObjectKey(key.module, country_code, party_id, object_id, variant)  # as stored: the id's own case
        return StoredObject(
            key=key,
            last_updated=_utc(last_updated),
            canonical=canonical,
            rendered=dict(zip(VERSIONS, rendered, strict=True)),
            pk=pk,
            audience=audience,
        )

    async def put(
        self,
        key: ObjectKey,
        last_updated: datetime,
        canonical: bytes,
        rendered: Mapping[str, bytes | None],
        *,
        expected: bytes | None = None,
        audience: str | None = None,
        scope: bytes | None = None,
    ) -> PutOutcome:
        """`Store.put`; `scope`: what changed since `expected` (`ocpi.storage.changes`), kept with the change
        record the write appends in its transaction (a new object's is always the whole object)."""
        stamp = _naive_utc(last_updated)
        values = _object_values(key, stamp, canonical, rendered, audience)
        if expected is None:
            scope = None
        try:
            return await self._put(key, stamp, values, expected, scope)
        except IntegrityError:
            # Created by a concurrent writer between our UPDATE and our INSERT (PostgreSQL, READ COMMITTED):
            # the object exists now, so the same write is an update (or stale) on a second attempt.
            return await self._put(key, stamp, values, expected, scope)

    async def _put(
        self, key: ObjectKey, stamp: datetime, values: dict[str, Any], expected: bytes | None, scope: bytes | None
    ) -> PutOutcome:
        def write(conn: sa.Connection) -> tuple[int | None, PutOutcome]:
            pk, outcome = self._write(conn, key, stamp, values, expected)
            if pk is not None:
                change = {"object_pk": pk, "module": key.module, "changed_at": utcnow(), "scope": scope}
                if outcome is PutOutcome.CREATED:
                    change["scope"] = None
                conn.execute(_LOG_CHANGE, change)
            return pk, outcome

        pk, outcome = await self._write_objects(write)
        if pk is not None:
            self._objects_changes += 1
        return outcome

    @staticmethod
    def _write(
        conn: sa.Connection, key: ObjectKey, stamp: datetime, values: dict[str, Any], expected: bytes | None
    ) -> tuple[int | None, PutOutcome]:
        """The row written and how (CREATED, UPDATED), or no row and why nothing was written."""
        matches = _key_matches(key)
        update, update_params = _UPDATE_IF_NOT_OLDER, {**matches, "key_stamp": stamp, **values}
        if expected is not None:
            update, update_params["key_expected"] = _UPDATE_IF_UNCHANGED, expected
        for _ in range(3):
            pk = conn.execute(update, update_params).scalar()
            if pk is not None:
                return int(pk), PutOutcome.UPDATED
            found = conn.execute(_STAMP_OF, matches).first()
            if found is not None:
                if found.last_updated > stamp:
                    return None, PutOutcome.STALE
                if expected is not None:
                    return None, PutOutcome.CONFLICT
                # An older version was committed between our UPDATE and this read (READ COMMITTED): update it.
                continue
            if expected is not None:
                return None, PutOutcome.CONFLICT  # it was read, and is gone now
            inserted = conn.execute(_INSERT_OBJECT, {**_key_params(key), **values})
            return int(inserted.scalar_one()), PutOutcome.CREATED
        return None, PutOutcome.CONFLICT

    async def delete(self, key: ObjectKey) -> bool:
        if not _storable(key):
            return False
        matches = _key_matches(key)
        deleted = await self._write_objects(lambda conn: conn.execute(_DELETE_OBJECT, matches).first() is not None)
        self._objects_changes += 1
        return deleted

    async def page(self, query: ListQuery) -> Page:
        column, bit = _RENDER_COLUMNS[query.version], _VERSION_BITS[query.version]
        rows: Sequence[Any]
        if (
            self._reader is not None
            and query.date_from is None
            and query.date_to is None
            and query.limit <= PAGE_ROWS
            and (query.after is not None or query.offset <= OFFSET_ROWS)
        ):
            rows = self._reader.page(query, column, bit)
        elif self._postgres_reader is not None:
            rows = await self._postgres_reader.page(query, column, bit)
        else:
            async with self._reading.connect() as conn:
                rows = (await conn.execute(self._page_select(query, column))).all()
        total = await self._total(query)
        return Page(items=[row[1] for row in rows], total=total, last_position=rows[-1][0] if rows else None)

    async def _total(self, query: ListQuery) -> int:
        """The list's X-Total-Count. Counting scans every matching index entry, so a count without date filters
        is kept until the objects change (`_change_mark`)."""
        mark = self._change_mark() if query.date_from is None and query.date_to is None else None
        key = (
            query.module,
            query.version,
            None if query.owners is None else tuple(query.owners),
            None if query.audiences is None else tuple(query.audiences),
        )
        if mark is not None:
            kept = self._counts.get(key)
            if kept is not None and kept[0] == mark:
                return kept[1]
        async with self._reading.connect() as conn:
            total = int((await conn.execute(self._count(query))).scalar_one())
        if mark is not None:  # read before counting: a change in between only makes the next request count again
            if len(self._counts) >= 1024:
                self._counts.clear()
            self._counts[key] = (mark, total)
        return total

    def _change_mark(self) -> int | None:
        """A number that moves whenever ocpi_objects may have changed, from any process; None when there is no
        such number (counts are then always taken afresh). SQLite: PRAGMA data_version on the reader's
        connection. PostgreSQL: notifications of channel `ocpi_objects` (migration 0005) counted by a listening
        connection, plus this store's own writes at once; another process's write is seen when its
        notification arrives, a few milliseconds after its commit."""
        if self._reader is not None:
            return self._reader.data_version()
        listener = self._listener
        if listener is None or listener.is_closed() or self._listener_loop is not asyncio.get_running_loop():
            return None
        return self._objects_changes

    @staticmethod
    def _listing(query: ListQuery) -> list[sa.ColumnElement[bool]]:
        """The conditions of the list besides its owners and audiences (`_arms`)."""
        bit = _VERSION_BITS[query.version]
        conditions: list[sa.ColumnElement[bool]] = [
            objects.c.module == query.module,
            objects.c.versions.op("&")(bit) != 0,  # not `== bit`: see direct_sql.page_statement
        ]
        if query.date_from is not None:
            conditions.append(objects.c.last_updated >= _naive_utc(query.date_from))
        if query.date_to is not None:
            conditions.append(objects.c.last_updated < _naive_utc(query.date_to))
        return conditions

    @staticmethod
    def _arms(query: ListQuery) -> list[sa.ColumnElement[bool]] | None:
        """`direct_sql.listing_arms`: one condition per index range the list is read from; None: every object."""
        if query.owners is None and query.audiences is None:
            return None
        arms: list[sa.ColumnElement[bool]] = [sa.true()]
        if query.owners is not None:
            arms = [
                sa.and_(objects.c.country_code == cc, objects.c.party_id == pid)
                for cc, pid in distinct_owners(query.owners)
            ]
        if query.audiences is not None:
            audiences = list(dict.fromkeys(query.audiences))
            arms = [sa.and_(arm, objects.c.audience == audience) for arm in arms for audience in audiences]
        return arms

    @classmethod
    def _page_select(cls, query: ListQuery, column: str) -> sa.Select[Any]:
        """The page as `direct_sql.page_statement` reads it: several owners' (or audiences') from each one's index
        range, every owner's by its positions first."""
        offset = 0 if query.after is not None else query.offset
        arms = cls._arms(query)

        def positions(arm: sa.ColumnElement[bool] | None, *columns: sa.ColumnElement[Any]) -> sa.Select[Any]:
            selected = sa.select(*columns).where(*cls._listing(query)).order_by(objects.c.pk)
            if arm is not None:
                selected = selected.where(arm)
            if query.after is not None:  # keyset: where the previous page ended, whatever its offset
                selected = selected.where(objects.c.pk > query.after)
            return selected

        picked: sa.Select[Any] | sa.CompoundSelect[Any]
        if arms is None:
            picked = positions(None, objects.c.pk)
        elif len(arms) > 1:
            reach = offset + query.limit
            picked = sa.union_all(
                *(sa.select(positions(arm, objects.c.pk).limit(reach).subquery().c.pk) for arm in arms)
            ).order_by(sa.literal_column("pk"))
        else:
            arm = arms[0] if arms else sa.false()
            return positions(arm, objects.c.pk, objects.c[column]).limit(query.limit).offset(offset)
        page = picked.limit(query.limit).offset(offset)
        return sa.select(objects.c.pk, objects.c[column]).where(objects.c.pk.in_(page)).order_by(objects.c.pk)

    @classmethod
    def _count(cls, query: ListQuery) -> sa.Select[Any]:
        counted = sa.select(sa.func.count()).select_from(objects).where(*cls._listing(query))
        arms = cls._arms(query)
        return counted if arms is None else counted.where(sa.or_(*arms) if arms else sa.false())

    # --- parties and credentials --------------------------------------------------------------------

    async def create_party(
        self, name: str, roles: Sequence[PartyRole], *, state: str = "invited", **fields: Any
    ) -> Party:
        """A new partner. Raises `PartyClaimed` when another live partner holds one of its `roles`' parties."""
        now = utcnow()
        async with self.transaction() as conn:
            if roles:
                await self._lock_claims(conn)
            result = await conn.execute(
                sa.insert(parties)
                .values(
                    name=name,
                    roles=_dump_roles(roles),
                    state=state,
                    created_at=now,
                    updated_at=now,
                    **self._party_fields(fields),
                )
                .returning(parties.c.pk)
            )
            pk = result.scalar_one()
            await self._check_claims(conn, pk, roles)
            await conn.execute(sa.insert(party_states).values(party_pk=pk, state=state, at=now))
        party = await self.get_party(pk)
        assert party is not None
        return party

    async def update_party(self, pk: int, **fields: Any) -> Party:
        """Change a partner's fields. Raises `PartyClaimed` (and changes nothing) when new `roles` name a party
        another live partner holds."""
        self._forget_credentials()
        now = utcnow()
        values = self._party_fields(fields)
        if "roles" in fields:
            values["roles"] = _dump_roles(fields["roles"])
        async with self.transaction() as conn:
            if "roles" in fields:
                await self._lock_claims(conn)
            await conn.execute(sa.update(parties).where(parties.c.pk == pk).values(updated_at=now, **values))
            if "roles" in fields:
                await self._check_claims(conn, pk, fields["roles"])
            if "state" in fields:
                await conn.execute(sa.insert(party_states).values(party_pk=pk, state=fields["state"], at=now))
        party = await self.get_party(pk)
        assert party is not None
        return party

    @staticmethod
    async def _lock_claims(conn: AsyncConnection) -> None:
        """Claims are checked one transaction at a time: on PostgreSQL under a transaction-level advisory lock;
        SQLite takes one writer at a time anyway (the check follows the transaction's first write)."""
        if conn.dialect.name == "postgresql":
            await conn.execute(sa.select(sa.func.pg_advisory_xact_lock(_CLAIMS_LOCK, 0)))

    async def _check_claims(self, conn: AsyncConnection, pk: int, roles: Sequence[PartyRole]) -> None:
        """A (country_code, party_id) belongs to at most one live partner (spec, credentials: "The combination
        of country_code and party_id should always be unique"); objects are filed under it, whatever the role."""
        if not roles:
            return
        live = await conn.execute(
            sa.select(parties.c.name, parties.c.roles).where(parties.c.pk != pk, parties.c.state != "unregistered")
        )
        for row in live:
            held = {(r["country_code"].upper(), r["party_id"].upper()) for r in orjson.loads(row.roles)}
            for role in roles:
                if (role.country_code.upper(), role.party_id.upper()) in held:
                    raise PartyClaimed(role, row.name)

    async def get_party(self, pk: int) -> Party | None:
        async with self.engine.connect() as conn:
            row = (await conn.execute(sa.select(parties).where(parties.c.pk == pk))).first()
        return None if row is None else self._party(row)

    async def list_parties(self) -> list[Party]:
        async with self.engine.connect() as conn:
            rows = (await conn.execute(sa.select(parties).order_by(parties.c.pk))).all()
        return [self._party(row) for row in rows]

    def _party_fields(self, fields: Mapping[str, Any]) -> dict[str, Any]:
        """The columns of a partner's `fields`; its outbound token encrypted with the node key."""
        unknown = set(fields) - set(_PARTY_FIELDS) - {"endpoints", "roles", "settings", "allowed_parties"}
        if unknown:
            raise TypeError(f"unknown party fields: {sorted(unknown)}")
        values = {k: v for k, v in fields.items() if k in _PARTY_FIELDS}
        if values.get("outbound_token") is not None:
            values["outbound_token"] = self.node_key.encrypt(values["outbound_token"])
        if "endpoints" in fields:
            values["endpoints"] = orjson.dumps(fields["endpoints"]).decode()
        if "settings" in fields:
            values["settings"] = orjson.dumps(fields["settings"]).decode()
        if "allowed_parties" in fields:
            values["allowed_parties"] = _dump_parties(fields["allowed_parties"])
        return values

    def _party(self, row: Any) -> Party:
        return Party(
            pk=row.pk,
            name=row.name,
            roles=[PartyRole(**r) for r in orjson.loads(row.roles)],
            state=row.state,
            version=row.version,
            versions_url=row.versions_url,
            endpoints=orjson.loads(row.endpoints),
            outbound_token=None if row.outbound_token is None else self.node_key.decrypt(row.outbound_token),
            settings=orjson.loads(row.settings or "{}"),
            allowed_parties=_load_parties(row.allowed_parties),
        )

    async def verify_node_key(self) -> None:
        """Raise `SecretKeyError`, naming what to set, when partner tokens are stored encrypted and the node key
        cannot read them (so a node fails at start, not at its first call to a partner)."""
        query = sa.select(parties.c.outbound_token).where(parties.c.outbound_token.startswith(ENCRYPTED)).limit(1)
        async with self.engine.connect() as conn:
            stored = (await conn.execute(query)).scalar()
        if stored is not None:
            self.node_key.decrypt(stored)

    async def reencrypt_partner_tokens(self) -> int:
        """Encrypt with the node key's first key every stored partner token that is not yet (one kept in clear
        included), decrypting with any of its keys. Each is replaced only if unchanged since it was read, and
        the store is read again until none is left: a node writing a token meanwhile is not overwritten.
        Returns how many were written."""
        written = 0
        for _ in range(10):
            async with self.engine.connect() as conn:
                rows = (await conn.execute(sa.select(parties.c.pk, parties.c.outbound_token))).all()
            stale = [row for row in rows if row.outbound_token and not self.node_key.is_current(row.outbound_token)]
            if not stale:
                break
            for row in stale:
                fresh = self.node_key.encrypt(self.node_key.decrypt(row.outbound_token))
                async with self.transaction() as conn:
                    swapped = await conn.execute(
                        sa.update(parties)
                        .where(parties.c.pk == row.pk, parties.c.outbound_token == row.outbound_token)
                        .values(outbound_token=fresh)
                    )
                written += swapped.rowcount
        self._forget_credentials()
        return written

    async def issue_token(
        self,
        kind: TokenKind,
        party_pk: int | None = None,
        *,
        expires_at: datetime | None = None,
        token: str | None = None,
        parties: Sequence[tuple[str, str]] | None = None,
    ) -> str:
        """Create a credentials token and keep only its hash. Returns the token, to be handed out once. A token A
        with `parties` ((country_code, party_id), ...) registers only a partner that claims no other party."""
        if parties is not None and kind is not TokenKind.A:
            raise ValueError("only a token A is bound to the parties it may register")
        self._forget_credentials()
        token = token or new_token()
        async with self.transaction() as conn:
            await conn.execute(
                sa.insert(credential_tokens).values(
                    token_hash=hash_token(token),
                    kind=kind.value,
                    party_pk=party_pk,
                    expires_at=None if expires_at is None else _naive_utc(expires_at),
                    created_at=utcnow(),
                    parties=_dump_parties(parties),
                )
            )
        return token

    async def claim_token_a(self, token: str) -> TokenClaim | None:
        """Take a live token A for one registration, atomically: of concurrent claims one wins, the others get
        None (so do an unknown, used, revoked or expired token). The token stops working at once; the
        registration gives it back with `release_token_a` if it fails, else it stays used."""
        self._forget_credentials()
        now = utcnow()
        claim = (
            sa.update(credential_tokens)
            .where(
                credential_tokens.c.token_hash == hash_token(token),
                credential_tokens.c.kind == TokenKind.A.value,
                credential_tokens.c.revoked_at.is_(None),
                sa.or_(credential_tokens.c.expires_at.is_(None), credential_tokens.c.expires_at > now),
            )
            .values(revoked_at=now)
            .returning(credential_tokens.c.pk, credential_tokens.c.parties)
        )
        async with self.transaction() as conn:
            row = (await conn.execute(claim)).first()
        return None if row is None else TokenClaim(row.pk, now, _load_parties(row.parties))

    async def release_token_a(self, claim: TokenClaim) -> None:
        """Give back a token A whose registration failed (unless it was revoked since, by hand)."""
        self._forget_credentials()
        async with self.transaction() as conn:
            await conn.execute(
                sa.update(credential_tokens)
                .where(credential_tokens.c.pk == claim.token_pk, credential_tokens.c.revoked_at == claim.claimed_at)
                .values(revoked_at=None)
            )

    async def find_credential(self, token: str) -> Credential | None:
        """The live credential behind `token`: not revoked, not expired.

        Answers are kept for `CREDENTIAL_CACHE_SECONDS`, since every request asks: a change made through this
        store (issue, revoke, a partner's update or unregistering) clears them at once; one made by another
        process (`ocpi tokens revoke` beside `ocpi serve`) takes effect within that second."""
        token_hash = hash_token(token)
        cached = self._credentials.get(token_hash)
        if cached is not None and cached[0] > time.monotonic():
            credential = cached[1]
        else:
            credential = await self._look_up_once(token_hash)
        if credential is not None and credential.expires_at is not None and credential.expires_at <= datetime.now(UTC):
            return None
        return credential

    async def _look_up_once(self, token_hash: str) -> Credential | None:
        """One lookup per token at a time: when the cached answer expires under load, the requests that
        arrive meanwhile wait for the lookup under way instead of each starting its own."""
        loop = asyncio.get_running_loop()
        generation = self._credentials_generation
        pending = self._credential_lookups.get(token_hash)
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
        self._credential_lookups[token_hash] = (generation, future)
        try:
            credential = await self._find_credential(token_hash)
        except BaseException as error:
            future.set_exception(error)
            future.exception()  # retrieved: the waiters, if any, raise it themselves
            raise
        finally:
            if self._credential_lookups.get(token_hash, (0, None))[1] is future:
                del self._credential_lookups[token_hash]
        future.set_result(credential)
        if generation == self._credentials_generation:  # nothing was revoked or changed while we looked
            if len(self._credentials) >= _CREDENTIAL_CACHE_SIZE:
                self._credentials.clear()
            self._credentials[token_hash] = (time.monotonic() + CREDENTIAL_CACHE_SECONDS, credential)
        return credential

    def _forget_credentials(self) -> None:
        self._credentials.clear()
        self._credentials_generation += 1

    async def _find_credential(self, token_hash: str) -> Credential | None:
        found: Sequence[Any] | None
        if self._reader is not None:
            found = self._reader.credential(token_hash)
        elif self._postgres_reader is not None:
            found = await self._postgres_reader.credential(token_hash)
        else:
            async with self._reading.connect() as conn:
                found = (await conn.execute(_FIND_CREDENTIAL, {"token_hash": token_hash})).first()
        if found is None:
            return None
        row: Any = _CredentialRow(*found)
        expires_at = None if row.token_expires_at is None else _utc(row.token_expires_at)
        if expires_at is not None and expires_at <= datetime.now(UTC):
            return None
        party = self._party(row) if row.party_pk is not None else None
        if party is not None and party.state == "unregistered":
            return None
        return Credential(TokenKind(row.kind), party, expires_at)

    async def revoke_tokens(
        self, *, party_pk: int | None = None, token: str | None = None, token_hash: str | None = None
    ) -> int:
        """Revoke every token of a party, or one token (given in clear or by its hash). Returns how many were
        revoked."""
        self._forget_credentials()
        condition: sa.ColumnElement[bool] = credential_tokens.c.revoked_at.is_(None)
        if token is not None:
            condition = sa.and_(condition, credential_tokens.c.token_hash == hash_token(token))
        elif token_hash is not None:
            condition = sa.and_(condition, credential_tokens.c.token_hash == token_hash)
        elif party_pk is not None:
            condition = sa.and_(condition, credential_tokens.c.party_pk == party_pk)
        else:
            raise ValueError("name a party or a token")
        async with self.transaction() as conn:
            result = await conn.execute(sa.update(credential_tokens).where(condition).values(revoked_at=utcnow()))
        return result.rowcount

    async def list_tokens(self) -> list[IssuedToken]:
        """Every token issued, newest first: its hash, never the token."""
        query = (
            sa.select(credential_tokens, parties.c.name.label("party_name"))
            .select_from(credential_tokens.outerjoin(parties, credential_tokens.c.party_pk == parties.c.pk))
            .order_by(credential_tokens.c.pk.desc())
        )
        async with self.engine.connect() as conn:
            rows = (await conn.execute(query)).all()
        return [
            IssuedToken(
                token_hash=row.token_hash,
                kind=TokenKind(row.kind),
                party_pk=row.party_pk,
                party_name=row.party_name,
                created_at=_aware(row.created_at),
                expires_at=None if row.expires_at is None else _aware(row.expires_at),
                revoked_at=None if row.revoked_at is None else _aware(row.revoked_at),
                parties=_load_parties(row.parties),
            )
            for row in rows
        ]


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


def _dump_roles(roles: Sequence[PartyRole]) -> str:
    data = [{"role": r.role, "country_code": r.country_code, "party_id": r.party_id} for r in roles]
    return orjson.dumps(data).decode()


_PARTY_FIELDS = ("name", "state", "version", "versions_url", "outbound_token")
_CLAIMS_LOCK = 0x0C92
"""The advisory lock (namespace, 0) under which PostgreSQL checks partners' claims of parties."""


def _dump_parties(found: Sequence[tuple[str, str]] | None) -> str | None:
    return None if found is None else orjson.dumps([[cc.upper(), pid.upper()] for cc, pid in found]).decode()


def _load_parties(text: str | None) -> list[tuple[str, str]] | None:
    return None if text is None else [(cc, pid) for cc, pid in orjson.loads(text)]


SQLITE_PAGE_SIZE = 16384
"""A stored object keeps every version's JSON in its row (about 5 KB for a location): on SQLite's default 4 KB
pages most of it sits on overflow pages, which SQLite copies out piece by piece on every read. On 16 KB pages
such rows are read in place: the SQL of a list page of 50 locations 49 -> 43 us, the whole request 147 -> 140 us
(in-process). Writes log 16 KB pages to the WAL instead of 4 KB ones: a PUT measured the same."""


def _tune_sqlite(engine: sa.Engine) -> None:
    @sa.event.listens_for(engine, "connect")
    def _pragmas(dbapi_connection: Any, _record: Any) -> None:
        cursor = dbapi_connection.cursor()
        cursor.execute(f"PRAGMA page_size={SQLITE_PAGE_SIZE}")  # takes effect only in a new, empty file
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()
