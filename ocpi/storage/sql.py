"""The built-in store on SQLAlchemy 2 (async): SQLite through aiosqlite by default, PostgreSQL through asyncpg.

Objects are rows of canonical JSON plus indexed key columns and the JSON rendered per version. Creation
order is the primary key, which is also the pagination order the spec asks for. The store is put together
here from its parts: the tables (`tables`), the SQL of objects (`statements`), partners (`parties`), tokens and
the credential cache (`tokens`), the SQLite writer thread (`sqlite_writer`), PostgreSQL's LISTEN for changes
(`postgres_listen`) and the direct readers (`sqlite_reader`, `postgres_reader`).
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Callable, Mapping, Sequence
from contextlib import asynccontextmanager
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any, TypeVar

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, create_async_engine

from ocpi.core.errors import InvalidParameters
from ocpi.storage import statements
from ocpi.storage.base import (
    Credential,
    ListQuery,
    ObjectKey,
    Page,
    Party,
    PartyRole,
    PutOutcome,
    StoredObject,
    TokenClaim,
    TokenKind,
)
from ocpi.storage.parties import (
    check_claims,
    dump_parties,
    dump_roles,
    load_parties,
    lock_claims,
    party_columns,
    party_of,
)
from ocpi.storage.postgres_listen import ObjectsListener
from ocpi.storage.postgres_reader import READ_CONNECTIONS, PostgresReader
from ocpi.storage.secrets import PREFIX as ENCRYPTED
from ocpi.storage.secrets import NodeKey
from ocpi.storage.sqlite_reader import OFFSET_ROWS, PAGE_ROWS, SqliteReader
from ocpi.storage.sqlite_writer import SQLITE_PAGE_SIZE, SqliteWriters, tune_sqlite
from ocpi.storage.statements import key_matches, key_params, object_row, object_values, storable, stored_object
from ocpi.storage.tables import (
    RENDER_COLUMNS,
    VERSION_BITS,
    VERSIONS,
    aware,
    changes,
    credential_tokens,
    metadata,
    naive_utc,
    objects,
    parties,
    party_states,
    stored_utc,
    utcnow,
)
from ocpi.storage.tokens import CREDENTIAL_CACHE_SECONDS, CredentialCache, IssuedToken, hash_token, new_token

__all__ = [
    "CREDENTIAL_CACHE_SECONDS",
    "SQLITE_PAGE_SIZE",
    "VERSIONS",
    "IssuedToken",
    "SqlStore",
    "async_url",
    "changes",
    "hash_token",
    "metadata",
    "new_token",
    "object_row",
    "objects",
    "parties",
    "utcnow",
]

log = logging.getLogger("ocpi.storage")
_T = TypeVar("_T")


def async_url(url: str) -> str:
    """Accept the plain URLs users write (`sqlite:///x.db`, `postgresql://...`) and pick the async driver."""
    if url.startswith("sqlite:///") or url == "sqlite://":
        return "sqlite+aiosqlite" + url.removeprefix("sqlite")
    for prefix in ("postgresql://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql+asyncpg://" + url.removeprefix(prefix)
    return url


def _position(after: str) -> int:
    """A list's `after` parameter as a position of this store (the row number its Link gave)."""
    if not after.isascii() or not after.isdigit() or int(after) > MAX_POSITION:
        raise InvalidParameters(f"after: '{after[:40]}' is not a position this node's Link header gave")
    return int(after)


MAX_POSITION = 2**63 - 1


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
        self._credentials = CredentialCache(lambda token_hash: self._find_credential(token_hash))
        self._reader: SqliteReader | None = None
        self._sqlite = SqliteWriters()
        self._postgres_reader = (
            PostgresReader(engine, read_connections) if direct_reads and engine.dialect.name == "postgresql" else None
        )
        self._counts: dict[tuple[Any, ...], tuple[int, int]] = {}
        self._listener = ObjectsListener()

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
            tune_sqlite(engine.sync_engine)
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
                store._sqlite.use_thread(engine.url.set(drivername="sqlite"))
            elif engine.dialect.name == "postgresql" and listen:
                await store._listener.listen(engine)
        except BaseException:
            await store.close()
            raise
        return store

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
        async with self._sqlite.queue(), self.engine.begin() as conn:
            yield conn

    async def _write_objects(self, work: Callable[[sa.Connection], _T]) -> _T:
        """`work` in one write transaction; on a SQLite file, on the writer thread (`SqliteWriters.run`)."""
        if not self._sqlite.threaded:
            async with self.transaction() as conn:
                return await conn.run_sync(work)
        return await self._sqlite.run(work)

    async def close(self) -> None:
        if self._reader is not None:
            self._reader.close()
            self._reader = None
        self._sqlite.close()
        if self._postgres_reader is not None:
            await self._postgres_reader.close()
        await self._listener.close()
        await self.engine.dispose()

    # --- objects -------------------------------------------------------------------------------------

    async def get(self, key: ObjectKey) -> StoredObject | None:
        if not storable(key):
            return None
        found: Sequence[Any] | None
        if self._reader is not None:
            found = self._reader.get(key)
        elif self._postgres_reader is not None:
            found = await self._postgres_reader.get(key)
        else:
            async with self._reading.connect() as conn:
                found = (await conn.execute(statements.GET_OBJECT, key_matches(key))).first()
        return None if found is None else stored_object(key, found)

    async def get_rendered(self, key: ObjectKey, version: str) -> bytes | None:
        column = RENDER_COLUMNS.get(version)
        if column is None or not storable(key):
            return None
        if self._reader is not None:
            return self._reader.rendered(key, column)
        if self._postgres_reader is not None:
            return await self._postgres_reader.rendered(key, column)
        async with self._reading.connect() as conn:
            return (await conn.execute(statements.GET_RENDERED[version], key_matches(key))).scalar()

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
        stamp = naive_utc(last_updated)
        values = object_values(key, stamp, canonical, rendered, audience)
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
                conn.execute(statements.LOG_CHANGE, change)
            return pk, outcome

        pk, outcome = await self._write_objects(write)
        if pk is not None:
            self._listener.changed()
        return outcome

    @staticmethod
    def _write(
        conn: sa.Connection, key: ObjectKey, stamp: datetime, values: dict[str, Any], expected: bytes | None
    ) -> tuple[int | None, PutOutcome]:
        """The row written and how (CREATED, UPDATED), or no row and why nothing was written."""
        matches = key_matches(key)
        update, update_params = statements.UPDATE_IF_NOT_OLDER, {**matches, "key_stamp": stamp, **values}
        if expected is not None:
            update, update_params["key_expected"] = statements.UPDATE_IF_UNCHANGED, expected
        for _ in range(3):
            pk = conn.execute(update, update_params).scalar()
            if pk is not None:
                return int(pk), PutOutcome.UPDATED
            found = conn.execute(statements.STAMP_OF, matches).first()
            if found is not None:
                if found.last_updated > stamp:
                    return None, PutOutcome.STALE
                if expected is not None:
                    return None, PutOutcome.CONFLICT
                # An older version was committed between our UPDATE and this read (READ COMMITTED): update it.
                continue
            if expected is not None:
                return None, PutOutcome.CONFLICT  # it was read, and is gone now
            inserted = conn.execute(statements.INSERT_OBJECT, {**key_params(key), **values})
            return int(inserted.scalar_one()), PutOutcome.CREATED
        return None, PutOutcome.CONFLICT

    async def delete(self, key: ObjectKey) -> bool:
        if not storable(key):
            return False
        matches = key_matches(key)
        deleted = await self._write_objects(
            lambda conn: conn.execute(statements.DELETE_OBJECT, matches).first() is not None
        )
        self._listener.changed()
        return deleted

    async def page(self, query: ListQuery) -> Page:
        if isinstance(query.after, str):
            query = replace(query, after=_position(query.after))
        column, bit = RENDER_COLUMNS[query.version], VERSION_BITS[query.version]
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
                rows = (await conn.execute(statements.page_select(query, column))).all()
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
            total = int((await conn.execute(statements.count(query))).scalar_one())
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
        return self._listener.mark()

    # --- parties and credentials --------------------------------------------------------------------

    async def create_party(
        self, name: str, roles: Sequence[PartyRole], *, state: str = "invited", **fields: Any
    ) -> Party:
        """A new partner. Raises `PartyClaimed` when another live partner holds one of its `roles`' parties."""
        now = utcnow()
        async with self.transaction() as conn:
            if roles:
                await lock_claims(conn)
            result = await conn.execute(
                sa.insert(parties)
                .values(
                    name=name,
                    roles=dump_roles(roles),
                    state=state,
                    created_at=now,
                    updated_at=now,
                    **party_columns(fields, self.node_key),
                )
                .returning(parties.c.pk)
            )
            pk = result.scalar_one()
            await check_claims(conn, pk, roles)
            await conn.execute(sa.insert(party_states).values(party_pk=pk, state=state, at=now))
        party = await self.get_party(pk)
        assert party is not None
        return party

    async def update_party(self, pk: int, **fields: Any) -> Party:
        """Change a partner's fields. Raises `PartyClaimed` (and changes nothing) when new `roles` name a party
        another live partner holds."""
        self._credentials.forget()
        now = utcnow()
        values = party_columns(fields, self.node_key)
        if "roles" in fields:
            values["roles"] = dump_roles(fields["roles"])
        async with self.transaction() as conn:
            if "roles" in fields:
                await lock_claims(conn)
            await conn.execute(sa.update(parties).where(parties.c.pk == pk).values(updated_at=now, **values))
            if "roles" in fields:
                await check_claims(conn, pk, fields["roles"])
            if "state" in fields:
                await conn.execute(sa.insert(party_states).values(party_pk=pk, state=fields["state"], at=now))
        party = await self.get_party(pk)
        assert party is not None
        return party

    async def get_party(self, pk: int) -> Party | None:
        async with self.engine.connect() as conn:
            row = (await conn.execute(sa.select(parties).where(parties.c.pk == pk))).first()
        return None if row is None else party_of(row, self.node_key)

    async def list_parties(self) -> list[Party]:
        async with self.engine.connect() as conn:
            rows = (await conn.execute(sa.select(parties).order_by(parties.c.pk))).all()
        return [party_of(row, self.node_key) for row in rows]

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
        self._credentials.forget()
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
        self._credentials.forget()
        token = token or new_token()
        async with self.transaction() as conn:
            await conn.execute(
                sa.insert(credential_tokens).values(
                    token_hash=hash_token(token),
                    kind=kind.value,
                    party_pk=party_pk,
                    expires_at=None if expires_at is None else naive_utc(expires_at),
                    created_at=utcnow(),
                    parties=dump_parties(parties),
                )
            )
        return token

    async def claim_token_a(self, token: str) -> TokenClaim | None:
        """Take a live token A for one registration, atomically: of concurrent claims one wins, the others get
        None (so do an unknown, used, revoked or expired token). The token stops working at once; the
        registration gives it back with `release_token_a` if it fails, else it stays used."""
        self._credentials.forget()
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
        return None if row is None else TokenClaim(row.pk, now, load_parties(row.parties))

    async def release_token_a(self, claim: TokenClaim) -> None:
        """Give back a token A whose registration failed (unless it was revoked since, by hand)."""
        self._credentials.forget()
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
        credential = await self._credentials.find(hash_token(token))
        if credential is not None and credential.expires_at is not None and credential.expires_at <= datetime.now(UTC):
            return None
        return credential

    async def _find_credential(self, token_hash: str) -> Credential | None:
        found: Sequence[Any] | None
        if self._reader is not None:
            found = self._reader.credential(token_hash)
        elif self._postgres_reader is not None:
            found = await self._postgres_reader.credential(token_hash)
        else:
            async with self._reading.connect() as conn:
                found = (await conn.execute(statements.FIND_CREDENTIAL, {"token_hash": token_hash})).first()
        if found is None:
            return None
        row: Any = statements.CredentialRow(*found)
        expires_at = None if row.token_expires_at is None else stored_utc(row.token_expires_at)
        if expires_at is not None and expires_at <= datetime.now(UTC):
            return None
        party = party_of(row, self.node_key) if row.party_pk is not None else None
        if party is not None and party.state == "unregistered":
            return None
        return Credential(TokenKind(row.kind), party, expires_at)

    async def revoke_tokens(
        self, *, party_pk: int | None = None, token: str | None = None, token_hash: str | None = None
    ) -> int:
        """Revoke every token of a party, or one token (given in clear or by its hash). Returns how many were
        revoked."""
        self._credentials.forget()
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
                created_at=aware(row.created_at),
                expires_at=None if row.expires_at is None else aware(row.expires_at),
                revoked_at=None if row.revoked_at is None else aware(row.revoked_at),
                parties=load_parties(row.parties),
            )
            for row in rows
        ]
