"""The SQL store on every backend (the `store` fixture: SQLite, and PostgreSQL when configured): objects,
pages and filters, credential tokens (hashed, revoked, expired), and its Alembic migrations."""

from __future__ import annotations

import asyncio
import sqlite3
import threading
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import orjson
import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory

from ocpi.storage import sqlite_writer
from ocpi.storage.base import ListQuery, ObjectKey, PartyRole, PutOutcome, TokenKind
from ocpi.storage.direct_sql import page_statement
from ocpi.storage.migrations import alembic_config
from ocpi.storage.sql import SQLITE_PAGE_SIZE, SqlStore, metadata, objects
from tests.conftest import POSTGRES_URL, open_clean_store

T0 = datetime(2024, 5, 1, 12, 0, tzinfo=UTC)


def at(seconds: int) -> datetime:
    return T0 + timedelta(seconds=seconds)


def key(object_id: str, owner: tuple[str, str] = ("NL", "CPO"), module: str = "locations") -> ObjectKey:
    return ObjectKey.of(module, *owner, object_id)


def rendered(text: str, *, in_211: bool = True) -> dict[str, bytes | None]:
    return {"2.1.1": text.encode() if in_211 else None, "2.2.1": text.encode(), "2.3.0": text.encode()}


async def put(store: SqlStore, object_key: ObjectKey, seconds: int, text: str = "", **options: bool) -> PutOutcome:
    body = text or f'{{"id":"{object_key.object_id}","t":{seconds}}}'
    return await store.put(object_key, at(seconds), body.encode(), rendered(body, **options))


# --- objects -----------------------------------------------------------------------------------------------


async def test_put_get_update_delete(store: SqlStore) -> None:
    assert await store.get(key("LOC1")) is None
    assert await put(store, key("LOC1"), 0, '{"v":1}') is PutOutcome.CREATED
    assert await put(store, key("LOC1"), 10, '{"v":2}') is PutOutcome.UPDATED
    stored = await store.get(key("LOC1"))
    assert stored is not None
    assert (stored.canonical, stored.rendered["2.2.1"], stored.last_updated) == (b'{"v":2}', b'{"v":2}', at(10))
    assert await store.delete(key("LOC1")) is True
    assert await store.delete(key("LOC1")) is False
    assert await store.get(key("LOC1")) is None


async def test_one_version_of_an_object_is_what_get_holds_for_it(store: SqlStore) -> None:
    await put(store, ObjectKey.of("locations", "NL", "CPO", "Loc-1"), 0, in_211=False)
    found = ObjectKey.of("locations", "nl", "cpo", "LOC-1")
    stored = await store.get(found)
    assert stored is not None
    for version in ("2.1.1", "2.2.1", "2.3.0"):
        assert await store.get_rendered(found, version) == stored.rendered[version]
    assert await store.get_rendered(found, "2.2.1") == b'{"id":"Loc-1","t":0}'
    assert await store.get_rendered(found, "2.1.1") is None  # not expressible in 2.1.1
    assert await store.get_rendered(found, "2.0") is None  # no such version
    assert await store.get_rendered(key("LOC-1", ("BE", "BEC")), "2.2.1") is None
    assert await store.get_rendered(key("LOC-1\x00"), "2.2.1") is None


async def test_an_older_write_is_stale_and_changes_nothing(store: SqlStore) -> None:
    await put(store, key("LOC1"), 10, '{"v":"new"}')
    assert await put(store, key("LOC1"), 5, '{"v":"old"}') is PutOutcome.STALE
    stored = await store.get(key("LOC1"))
    assert stored is not None and (stored.canonical, stored.last_updated) == (b'{"v":"new"}', at(10))
    # The same last_updated again is a repeat, not stale.
    assert await put(store, key("LOC1"), 10, '{"v":"again"}') is PutOutcome.UPDATED


async def test_keys_are_case_insensitive_and_scoped(store: SqlStore) -> None:
    await put(store, ObjectKey.of("locations", "nl", "cpo", "Loc-1"), 0, '{"v":1}')
    same = await store.get(ObjectKey.of("locations", "NL", "CPO", "LOC-1"))
    assert same is not None and same.canonical == b'{"v":1}'
    assert same.key.object_id == "Loc-1"  # the id keeps the spelling it was written with
    assert await put(store, ObjectKey.of("locations", "Nl", "cPo", "loc-1"), 1, '{"v":2}') is PutOutcome.UPDATED
    # Another owner, module or variant is another object.
    assert await store.get(key("LOC-1", ("BE", "BEC"))) is None
    assert await store.get(key("LOC-1", module="tariffs")) is None
    rfid = ObjectKey.of("tokens", "NL", "EMS", "TOK", "rfid")
    app_user = ObjectKey.of("tokens", "NL", "EMS", "TOK", "APP_USER")
    assert await put(store, rfid, 0, '{"type":"RFID"}') is PutOutcome.CREATED
    assert await put(store, app_user, 0, '{"type":"APP_USER"}') is PutOutcome.CREATED
    found = await store.get(ObjectKey.of("tokens", "nl", "ems", "tok", "RFID"))
    assert found is not None and found.canonical == b'{"type":"RFID"}'


async def test_page_in_creation_order_with_owners_and_total(store: SqlStore) -> None:
    for n in range(7):
        await put(store, key(f"L{n}", ("NL", "CPO") if n % 2 == 0 else ("BE", "BEC")), 100 - n)
    await put(store, key("L0"), 200)  # an update keeps the creation order
    everything = await store.page(ListQuery("locations", "2.2.1", None, offset=0, limit=50))
    assert everything.items[0].decode() == '{"id":"L0","t":200}'
    assert everything.total == 7
    ours = await store.page(ListQuery("locations", "2.2.1", [("nl", "cpo")], offset=1, limit=2))
    assert [item.decode() for item in ours.items] == ['{"id":"L2","t":98}', '{"id":"L4","t":96}']
    assert ours.total == 4
    assert (await store.page(ListQuery("locations", "2.2.1", []))).total == 0
    assert (await store.page(ListQuery("tariffs", "2.2.1"))).total == 0


async def test_page_filters_dates_from_inclusive_to_exclusive(store: SqlStore) -> None:
    for n in range(6):
        await put(store, key(f"L{n}"), n)
    page = await store.page(ListQuery("locations", "2.3.0", date_from=at(2), date_to=at(4)))
    assert [item.decode() for item in page.items] == ['{"id":"L2","t":2}', '{"id":"L3","t":3}']
    assert page.total == 2
    # An aware DateTime in another zone is the same instant.
    plus_two = at(4).astimezone(timezone(timedelta(hours=2)))
    assert (await store.page(ListQuery("locations", "2.3.0", date_from=plus_two))).total == 2


async def test_page_leaves_out_objects_a_version_cannot_express(store: SqlStore) -> None:
    await put(store, key("OLD"), 0, in_211=True)
    await put(store, key("NEW"), 1, in_211=False)
    assert (await store.page(ListQuery("locations", "2.1.1"))).total == 1
    assert (await store.page(ListQuery("locations", "2.2.1"))).total == 2


async def test_page_totals_follow_every_write_and_delete_from_any_connection(store: SqlStore) -> None:
    """Totals may be kept between requests (SQLite's in-place reader): a write or delete through this store or
    through another one on the same database (another process) shows in the next page's total."""
    for n in range(3):
        await put(store, key(f"L{n}"), n)
    query = ListQuery("locations", "2.2.1", [("NL", "CPO")], limit=2)
    assert (await store.page(query)).total == 3
    await put(store, key("L3"), 3)
    assert (await store.page(query)).total == 4
    assert await store.delete(key("L0"))
    assert (await store.page(query)).total == 3
    other = await SqlStore.open(store.engine.url.render_as_string(hide_password=False))
    try:
        await put(other, key("L4"), 4)
        # PostgreSQL: another process's write reaches this store's kept totals by notification, just after commit.
        assert await total_becomes(store, query, 4)
        page = await store.page(query)
        assert [item.decode()[:11] for item in page.items] == ['{"id":"L1",', '{"id":"L2",']
        assert await other.delete(key("L1"))
        assert await total_becomes(store, query, 3)
        assert (await store.get(key("L4"))) is not None and (await store.get(key("L1"))) is None
    finally:
        await other.close()


async def test_concurrent_writers_of_objects_and_credentials_all_land(store: SqlStore) -> None:
    """Object writes (on a SQLite file: whole transactions on the writer thread) and the store's other writes
    (credentials, on the engine) queue behind each other: under many at once, each one lands and none fails on
    the database's write lock."""
    await asyncio.gather(*(put(store, key(f"C{n}"), 0) for n in range(0, 40, 2)))
    party = await store.create_party("writer", [PartyRole("EMSP", "DE", "WRT")], state="registered")
    results = await asyncio.gather(
        *(put(store, key(f"C{n}"), 1) for n in range(40)),  # even: updates; odd: new
        *(store.issue_token(TokenKind.C, party.pk) for _ in range(10)),
        *(store.delete(key(f"C{n}")) for n in range(0, 40, 4)),
    )
    outcomes, tokens = results[:40], results[40:50]
    assert all(outcome is PutOutcome.CREATED for outcome in outcomes[1::2])
    assert all(outcome in (PutOutcome.CREATED, PutOutcome.UPDATED) for outcome in outcomes[::2])
    for token in tokens:
        credential = await store.find_credential(str(token))
        assert credential is not None and credential.party is not None and credential.party.pk == party.pk
    query = ListQuery("locations", "2.2.1", [("NL", "CPO")], limit=100)
    page = await store.page(query)
    # A delete ran before or after its object's update: gone, or there again with t=1.
    assert page.total == len(page.items) and 30 <= page.total <= 40
    assert all(item.endswith(b',"t":1}') for item in page.items)


async def test_a_cancelled_object_write_keeps_the_writers_queue_until_its_transaction_ends(
    tmp_path: Path, monkeypatch: Any
) -> None:
    """On a SQLite file an object write that meets another's lock runs on the writer thread, which cannot be
    stopped: a request cancelled meanwhile (its client left) gives up its place in the writers' queue only when
    that transaction is over."""
    store = await SqlStore.open(f"sqlite:///{tmp_path / 'ocpi.db'}")
    entered, release = threading.Event(), threading.Event()
    in_file = store._sqlite._in_direct

    def held(work: Any) -> Any:
        entered.set()
        release.wait(10)
        return in_file(work)

    def busy(work: Any) -> Any:
        raise sqlite_writer._Busy

    monkeypatch.setattr(store._sqlite, "_in_place_transaction", busy)
    monkeypatch.setattr(store._sqlite, "_in_direct", held)
    try:
        writing = asyncio.create_task(put(store, key("LOC1"), 0))
        await asyncio.to_thread(entered.wait, 10)
        writing.cancel()
        next_writer = asyncio.create_task(store.create_party("next", [PartyRole("EMSP", "DE", "NXT")]))
        await asyncio.sleep(0.2)
        assert not next_writer.done()  # still queued behind the cancelled write
        release.set()
        with pytest.raises(asyncio.CancelledError):
            await writing
        await next_writer
        assert await store.get(key("LOC1")) is not None  # the transaction ran to its end
    finally:
        release.set()
        await store.close()


async def test_an_object_write_meeting_another_process_lock_waits_for_it_off_the_event_loop(tmp_path: Path) -> None:
    """Object writes on a SQLite file run in place; one that meets the write lock of another connection (another
    process: `ocpi load`, a second node) waits for it on the writer thread, while the event loop goes on."""
    store = await SqlStore.open(f"sqlite:///{tmp_path / 'ocpi.db'}")
    other = sqlite3.connect(tmp_path / "ocpi.db", isolation_level=None)
    try:
        assert await put(store, key("LOC1"), 0) is PutOutcome.CREATED
        other.execute("BEGIN IMMEDIATE")
        writing = asyncio.create_task(put(store, key("LOC1"), 1))
        ticks = 0
        for _ in range(20):
            await asyncio.sleep(0.01)
            ticks += 1
        assert (ticks, writing.done()) == (20, False)
        other.execute("COMMIT")
        assert await writing is PutOutcome.UPDATED
        found = await store.get(key("LOC1"))
        assert found is not None and found.last_updated == at(1)
    finally:
        other.close()
        await store.close()


async def test_in_place_object_writes_keep_the_wal_checkpointed(tmp_path: Path) -> None:
    """The in-place writer leaves checkpoints to the writer thread: the WAL does not grow with the writes."""
    store = await SqlStore.open(f"sqlite:///{tmp_path / 'ocpi.db'}")
    try:
        body = "x" * 20_000  # two 16 KB pages per version
        for rounds in range(6):
            for n in range(sqlite_writer.CHECKPOINT_EVERY):
                await store.put(key(f"L{n}"), at(rounds), body.encode(), rendered(body))
        await asyncio.sleep(0)
        store._sqlite.close()  # waits for the thread's last checkpoint
        wal = tmp_path / "ocpi.db-wal"
        # Six rounds write ~6 x 100 x 8 pages of 16 KB (~75 MB); checkpointed every 100 commits, the WAL is reused.
        assert wal.stat().st_size < 40 * 1024 * 1024, wal.stat().st_size
    finally:
        await store.close()


async def total_becomes(store: SqlStore, query: ListQuery, expected: int) -> bool:
    for _ in range(200):  # bounded: about 2 s
        if (await store.page(query)).total == expected:
            return True
        await asyncio.sleep(0.01)
    return False


async def test_a_total_is_counted_again_only_after_a_change(store: SqlStore) -> None:
    counted: list[str] = []

    def on_execute(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        if "count(" in statement.lower():
            counted.append(statement)

    for n in range(3):
        await put(store, key(f"L{n}"), n)
    sa.event.listen(store.engine.sync_engine, "before_cursor_execute", on_execute)
    try:
        query = ListQuery("locations", "2.2.1", limit=2)
        assert (await store.page(query)).total == 3
        assert (await store.page(query)).total == 3
        assert (await store.page(ListQuery("locations", "2.2.1", offset=1, limit=1))).total == 3
        assert len(counted) == 1  # the same list, nothing changed: counted once
        await put(store, key("L0"), 10)  # an update: the store cannot tell it kept the totals as they were
        assert (await store.page(query)).total == 3
        await put(store, key("L3"), 11)
        assert (await store.page(query)).total == 4
        assert len(counted) == 3
        dated = ListQuery("locations", "2.2.1", date_from=at(2), limit=2)
        assert (await store.page(dated)).total == 3 and (await store.page(dated)).total == 3
        assert len(counted) == 5  # date filters are counted each time
    finally:
        sa.event.remove(store.engine.sync_engine, "before_cursor_execute", on_execute)


async def test_small_pages_and_large_pages_agree(store: SqlStore) -> None:
    """Small pages are read in place on SQLite and large ones through the engine: the same rows either way."""
    for n in range(260):
        await put(store, key(f"L{n:03}", ("NL", "CPO") if n % 3 else ("BE", "BEC")), n, in_211=n % 5 != 0)
    for version in ("2.1.1", "2.2.1"):
        for owners in (None, [("NL", "CPO")], [("be", "bec"), ("NL", "CPO")], []):
            large = await store.page(ListQuery("locations", version, owners, limit=250))
            for offset in (0, 7, 150):
                small = await store.page(ListQuery("locations", version, owners, offset=offset, limit=20))
                assert small.items == large.items[offset : offset + 20], (version, owners, offset)
                assert small.total == large.total
            if large.items:
                middle = (await store.page(ListQuery("locations", version, owners, limit=10))).last_position
                after = await store.page(ListQuery("locations", version, owners, limit=10, after=middle))
                assert after.items == large.items[10:20]


async def _seed_two_owners(store: SqlStore, count: int) -> None:
    rows = [
        {
            "module": "locations",
            "country_code": owner[0],
            "party_id": owner[1],
            "object_id": f"L{n:04}",
            "object_key": f"L{n:04}",
            "variant": "",
            "last_updated": at(n).replace(tzinfo=None),
            "canonical": b"{}",
            "json_2_1_1": b"{}",
            "json_2_2_1": b"{}",
            "json_2_3_0": b"{}",
            "versions": 7,
        }
        for n in range(count)
        for owner in [("NL", "CPO") if n % 2 else ("BE", "BEC")]
    ]
    async with store.transaction() as conn:
        await conn.execute(objects.insert(), rows)


async def test_a_page_of_several_owners_reads_the_page_not_the_list(tmp_path: Path) -> None:
    """Several owners' objects are no one range of the listing index: each owner's first positions are read
    from its own range and merged, so a page costs about the same whatever the list's length. Counted in
    SQLite's virtual machine steps (PostgreSQL's plan for the same statement depends on the table's size)."""
    store = await SqlStore.open(f"sqlite:///{tmp_path / 'ocpi.db'}")
    try:
        await _seed_two_owners(store, 2000)
        both = [("NL", "CPO"), ("BE", "BEC")]
        shapes = [
            ListQuery("locations", "2.2.1", both, limit=10),
            ListQuery("locations", "2.2.1", both, limit=10, after=900),
            ListQuery("locations", "2.2.1", [("NL", "CPO")], limit=10),
        ]
        costs = []
        for query in shapes:
            steps = 0

            def count() -> int:
                nonlocal steps
                steps += 1
                return 0

            with sqlite3.connect(store.engine.url.database or "") as connection:
                connection.set_progress_handler(count, 100)  # every 100 instructions of SQLite's machine
                connection.execute(*page_statement(query, "json_2_2_1", 2)).fetchall()
            costs.append(steps)
        one_owner = costs[-1]
        assert costs[0] < 4 * one_owner and costs[1] < 4 * one_owner, costs  # reading 2,000 objects: over 40 times
        engine_only = SqlStore(store.engine, direct_reads=False)
        for query in shapes:
            page = await store.page(query)
            assert page == await engine_only.page(query) and len(page.items) == 10
    finally:
        await store.close()


# --- parties and credential tokens ------------------------------------------------------------------------


async def all_text(store: SqlStore) -> str:
    """Every value of every table of the store, as one text."""
    parts: list[str] = []
    async with store.engine.connect() as conn:
        for table in metadata.sorted_tables:
            for row in (await conn.execute(sa.select(table))).all():
                parts.extend(v.decode(errors="replace") if isinstance(v, bytes) else str(v) for v in row)
    return "\n".join(parts)


async def test_issued_tokens_never_start_with_a_dash(store: SqlStore, monkeypatch: Any) -> None:
    """A token starting with `-` reads as an option where it is pasted (`ocpi register URL TOKEN_A`): CI
    once drew one and the README's quickstart failed."""
    drawn = iter(["-cFirstDrawStartsWithADash", "second-draw-is-fine"])
    monkeypatch.setattr("ocpi.storage.tokens.secrets.token_urlsafe", lambda _size: next(drawn))
    assert await store.issue_token(TokenKind.A) == "second-draw-is-fine"


async def test_credential_tokens_are_kept_hashed(store: SqlStore) -> None:
    party = await store.create_party("BE/BEC", [PartyRole("CPO", "BE", "BEC")], state="registered")
    token_c = await store.issue_token(TokenKind.C, party.pk)
    token_a = await store.issue_token(TokenKind.A, token="a-token-chosen-by-hand-0123456789")
    text = await all_text(store)
    assert token_c not in text and token_a not in text
    async with store.engine.connect() as conn:
        hashes = (await conn.execute(sa.text("SELECT token_hash FROM ocpi_credential_tokens"))).scalars().all()
    assert len(hashes) == 2 and all(len(h) == 64 for h in hashes)
    found = await store.find_credential(token_c)
    assert found is not None and found.kind is TokenKind.C and found.party is not None
    assert found.party.roles == [PartyRole("CPO", "BE", "BEC")]
    registration = await store.find_credential(token_a)
    assert registration is not None and registration.kind is TokenKind.A and registration.party is None
    assert await store.find_credential(token_c + "x") is None


async def test_revoked_tokens_no_longer_open(store: SqlStore) -> None:
    party = await store.create_party("BE/BEC", [PartyRole("CPO", "BE", "BEC")], state="registered")
    first, second, third = [await store.issue_token(TokenKind.C, party.pk) for _ in range(3)]
    assert await store.revoke_tokens(token=first) == 1
    assert await store.find_credential(first) is None
    assert await store.find_credential(second) is not None
    assert await store.revoke_tokens(party_pk=party.pk) == 2
    assert await store.find_credential(second) is None and await store.find_credential(third) is None
    assert await store.revoke_tokens(party_pk=party.pk) == 0


async def registered_token(store: SqlStore) -> str:
    party = await store.create_party("BE/BEC", [PartyRole("CPO", "BE", "BEC")], state="registered")
    return await store.issue_token(TokenKind.C, party.pk)


async def test_concurrent_requests_share_one_credential_lookup(store: SqlStore, monkeypatch: Any) -> None:
    token = await registered_token(store)
    lookups = 0
    release = asyncio.Event()
    find = store._find_credential

    async def slow_find(token_hash: str) -> Any:
        nonlocal lookups
        lookups += 1
        await release.wait()
        return await find(token_hash)

    monkeypatch.setattr(store, "_find_credential", slow_find)
    waiting = [asyncio.create_task(store.find_credential(token)) for _ in range(50)]
    await asyncio.sleep(0.01)
    release.set()
    found = await asyncio.gather(*waiting)
    assert lookups == 1 and all(f is not None and f.party is not None for f in found)


async def test_a_request_waiting_on_a_cancelled_lookup_looks_up_itself(store: SqlStore, monkeypatch: Any) -> None:
    token = await registered_token(store)
    first_call = asyncio.Event()
    find = store._find_credential

    async def find_hanging_once(token_hash: str) -> Any:
        if not first_call.is_set():
            first_call.set()
            await asyncio.Event().wait()  # the first lookup never finishes: its client leaves
        return await find(token_hash)

    monkeypatch.setattr(store, "_find_credential", find_hanging_once)
    owner = asyncio.create_task(store.find_credential(token))
    await first_call.wait()
    waiter = asyncio.create_task(store.find_credential(token))
    await asyncio.sleep(0.01)
    owner.cancel()
    found = await waiter
    assert found is not None and found.party is not None and owner.cancelled()


async def test_a_lookup_under_way_when_a_token_is_revoked_is_not_trusted(store: SqlStore, monkeypatch: Any) -> None:
    token = await registered_token(store)
    release = asyncio.Event()
    find = store._find_credential

    async def late_find(token_hash: str) -> Any:
        found = await find(token_hash)
        await release.wait()  # the answer is on its way back while the token is revoked
        return found

    monkeypatch.setattr(store, "_find_credential", late_find)
    before = asyncio.create_task(store.find_credential(token))  # read before the revocation
    await asyncio.sleep(0.01)
    await store.revoke_tokens(token=token)
    after = asyncio.create_task(store.find_credential(token))  # must not join the lookup started before
    await asyncio.sleep(0.01)
    release.set()
    assert await before is not None  # a request that arrived before the revocation
    assert await after is None
    assert await store.find_credential(token) is None  # nor was the earlier answer kept


async def test_expired_tokens_and_unregistered_parties_no_longer_open(store: SqlStore) -> None:
    now = datetime.now(UTC)
    expired = await store.issue_token(TokenKind.A, expires_at=now - timedelta(seconds=1))
    alive = await store.issue_token(TokenKind.A, expires_at=now + timedelta(hours=1))
    assert await store.find_credential(expired) is None
    found = await store.find_credential(alive)
    assert found is not None and found.expires_at is not None and found.expires_at > now
    party = await store.create_party("BE/BEC", [PartyRole("CPO", "BE", "BEC")], state="registered")
    token = await store.issue_token(TokenKind.C, party.pk)
    await store.update_party(party.pk, state="unregistered")
    assert await store.find_credential(token) is None


async def test_parties_keep_their_fields(store: SqlStore) -> None:
    roles = [PartyRole("CPO", "BE", "BEC"), PartyRole("EMSP", "BE", "BEM")]
    party = await store.create_party("Bec", roles, versions_url="https://bec.example.com/versions")
    updated = await store.update_party(
        party.pk, state="registered", version="2.2.1", endpoints=[{"identifier": "locations", "url": "u"}]
    )
    assert (updated.state, updated.version, updated.roles) == ("registered", "2.2.1", roles)
    assert updated.endpoints == [{"identifier": "locations", "url": "u"}]
    assert updated.owns("be", "bem") and not updated.owns("NL", "BEM")
    assert [p.pk for p in await store.list_parties()] == [party.pk]


# --- migrations --------------------------------------------------------------------------------------------


def head_revision() -> str | None:
    return ScriptDirectory.from_config(alembic_config()).get_current_head()


async def current_revision(store: SqlStore) -> str | None:
    async with store.engine.connect() as conn:
        return await conn.run_sync(lambda sync: MigrationContext.configure(sync).get_current_revision())


async def test_an_empty_database_is_migrated_to_head_matching_the_tables(store: SqlStore) -> None:
    # The fixture opened an empty database (SQLite: a new file; PostgreSQL: every table dropped first).
    assert await current_revision(store) == head_revision()

    def differences(sync: sa.Connection) -> list[object]:
        return list(compare_metadata(MigrationContext.configure(sync), metadata))

    async with store.engine.connect() as conn:
        assert await conn.run_sync(differences) == []


async def test_opening_an_existing_database_again_is_idempotent(store: SqlStore) -> None:
    await put(store, key("LOC1"), 0, '{"v":1}')
    party = await store.create_party("BE/BEC", [PartyRole("CPO", "BE", "BEC")], state="registered")
    token = await store.issue_token(TokenKind.C, party.pk)
    await store.migrate()
    again = await SqlStore.open(store.engine.url.render_as_string(hide_password=False))
    try:
        assert await current_revision(again) == head_revision()
        stored = await again.get(key("LOC1"))
        assert stored is not None and stored.canonical == b'{"v":1}'
        assert await again.find_credential(token) is not None
    finally:
        await again.close()


async def test_migration_0009_gives_stored_sessions_and_cdrs_their_audience(store: SqlStore) -> None:
    """Objects stored before audiences existed: a Session's and a CDR's come from their canonical `cdr_token`."""
    from alembic import command

    async with store.engine.begin() as conn:
        await conn.run_sync(lambda sync: command.downgrade(alembic_config(sync), "0008"))
    rows = [
        ("sessions", "S1", {"id": "S1", "cdr_token": {"country_code": "de", "party_id": "aaa", "uid": "1"}}),
        ("cdrs", "C1", {"id": "C1", "cdr_token": {"country_code": "DE", "party_id": "BBB", "uid": "2"}}),
        ("locations", "L1", {"id": "L1"}),
    ]
    try:
        async with store.engine.begin() as conn:
            for module, object_id, document in rows:
                await conn.execute(
                    sa.text(
                        "INSERT INTO ocpi_objects (module, country_code, party_id, object_id, object_key, variant, "
                        "last_updated, versions, canonical) VALUES (:m, 'NL', 'CPO', :i, :k, '', :t, 7, :c)"
                    ),
                    {
                        "m": module,
                        "i": object_id,
                        "k": object_id.lower(),
                        "t": T0.replace(tzinfo=None),
                        "c": orjson.dumps(document),
                    },
                )
    finally:
        await store.migrate()  # back at the head whatever happened: the next tests share this database
    assert await current_revision(store) == head_revision()
    audiences = {}
    for module, object_id, _ in rows:
        stored = await store.get(key(object_id, ("NL", "CPO"), module))
        assert stored is not None
        audiences[object_id] = stored.audience
    assert audiences == {"S1": "DE/AAA", "C1": "DE/BBB", "L1": None}


async def test_a_new_sqlite_file_keeps_an_object_of_a_few_kilobytes_in_its_row(tmp_path: Path) -> None:
    """Its JSON is then read in place, not copied out of overflow pages; a file made with smaller pages keeps
    them and works as before."""
    url = f"sqlite:///{tmp_path / 'new.db'}"
    store = await SqlStore.open(url)
    document = '{"id":"LOC1","text":"' + "repeated " * 140 + '"}'  # ~1.3 KB, like a location, x 4 in the row
    try:
        await put(store, key("LOC1"), 0, document)
        async with store.engine.connect() as conn:
            page_size = (await conn.execute(sa.text("PRAGMA page_size"))).scalar_one()
            by_type = sa.text("SELECT pagetype, count(*) FROM dbstat WHERE name = 'ocpi_objects' GROUP BY pagetype")
            pages = {pagetype: count for pagetype, count in (await conn.execute(by_type)).all()}
    finally:
        await store.close()
    assert page_size == SQLITE_PAGE_SIZE
    assert pages == {"leaf": 1}

    old_file = tmp_path / "old.db"
    with sqlite3.connect(old_file) as old:
        old.execute("PRAGMA page_size = 4096")
        old.execute("PRAGMA journal_mode = WAL")
    old_store = await SqlStore.open(f"sqlite:///{old_file}")
    try:
        await put(old_store, key("LOC1"), 0, document)
        stored = await old_store.get(key("LOC1"))
        async with old_store.engine.connect() as conn:
            old_page_size = (await conn.execute(sa.text("PRAGMA page_size"))).scalar_one()
    finally:
        await old_store.close()
    assert stored is not None and stored.rendered["2.2.1"] == document.encode()
    assert old_page_size == 4096


async def test_direct_reads_agree_with_the_engine(store: SqlStore) -> None:
    """Objects and pages are read on the driver's own connection (SQLite in place, asyncpg on the reader's own);
    without direct reads, through SQLAlchemy: both must find the same."""
    for n in range(40):
        await put(store, key(f"L{n:03}", ("NL", "CPO") if n % 3 else ("BE", "BEC")), n, in_211=n % 5 != 0)
    engine_only = SqlStore(store.engine, direct_reads=False)
    for object_id in ("L001", "l001", "L003", "L005", "NOPE"):
        for owner in (("NL", "CPO"), ("BE", "BEC")):
            assert await store.get(key(object_id, owner)) == await engine_only.get(key(object_id, owner))
            for version in ("2.1.1", "2.3.0"):
                one = await store.get_rendered(key(object_id, owner), version)
                assert one == await engine_only.get_rendered(key(object_id, owner), version)
    for version in ("2.1.1", "2.3.0"):
        for owners in (None, [("NL", "CPO")], [("be", "bec"), ("NL", "CPO")], []):
            for shape in (
                {"limit": 7},
                {"limit": 7, "offset": 30},
                {"limit": 5, "after": 12},
                {"date_from": at(10), "date_to": at(25), "limit": 50},
            ):
                query = ListQuery("locations", version, owners, **shape)  # type: ignore[arg-type]
                assert await store.page(query) == await engine_only.page(query), (version, owners, shape)


async def test_pages_filtered_by_audience_agree_between_readers_and_count_only_theirs(store: SqlStore) -> None:
    """A partner's Sessions (`ListQuery.audiences`): one audience or several, one owner or several, by offset
    or after a position, through the direct readers and through the engine alike."""
    audiences = ("DE/AAA", "DE/BBB", "DE/CCC")

    def owner_of(n: int) -> tuple[str, str]:
        return ("NL", "CPO") if n % 4 else ("BE", "BEC")

    positions = {}
    for n in range(30):
        session, body = key(f"S{n:03}", owner_of(n), "sessions"), f'{{"id":"S{n:03}"}}'
        await store.put(session, at(n), body.encode(), rendered(body), audience=audiences[n % 3])
        stored = await store.get(session)
        assert stored is not None and stored.audience == audiences[n % 3]
        positions[n] = stored.pk
    engine_only = SqlStore(store.engine, direct_reads=False)
    for owners in ([("NL", "CPO")], [("NL", "CPO"), ("BE", "BEC")]):
        for wanted in (["DE/AAA"], ["DE/AAA", "DE/CCC"], [], ["DE/ZZZ"]):
            expected = [n for n in range(30) if audiences[n % 3] in wanted and owner_of(n) in owners]
            for offset, after in ((0, None), (3, None), (0, positions[10])):
                query = ListQuery("sessions", "2.2.1", owners, offset=offset, limit=4, after=after, audiences=wanted)
                page = await store.page(query)
                assert page == await engine_only.page(query), (owners, wanted, offset, after)
                rest = expected[offset:] if after is None else [n for n in expected if positions[n] > after]
                assert page.total == len(expected)
                assert [orjson.loads(item)["id"] for item in page.items] == [f"S{n:03}" for n in rest[:4]]


@pytest.mark.skipif(not POSTGRES_URL, reason="OCPI_TEST_POSTGRES_URL is not set")
async def test_postgres_keeps_an_object_of_a_few_kilobytes_uncompressed() -> None:
    """Reads of such an object then cost no decompression (migration 0006); a larger one is still compressed."""
    assert POSTGRES_URL
    store = await open_clean_store(POSTGRES_URL)
    try:
        await put(store, key("SMALL"), 0, '{"id":"SMALL","text":"' + "repeated " * 150 + '"}')  # ~1.4 KB x 4
        await put(store, key("LARGE"), 0, '{"id":"LARGE","text":"' + "repeated " * 1000 + '"}')  # ~9 KB x 4
        saved = sa.text("SELECT object_id, pg_column_size(json_2_2_1) - octet_length(json_2_2_1) FROM ocpi_objects")
        async with store.engine.connect() as conn:
            sizes = {object_id: size for object_id, size in (await conn.execute(saved)).all()}
    finally:
        await store.close()
    assert sizes["SMALL"] >= 0  # stored as is (plus its length header)
    assert sizes["LARGE"] < -1000  # compressed


@pytest.mark.skipif(not POSTGRES_URL, reason="OCPI_TEST_POSTGRES_URL is not set")
async def test_postgres_reads_keep_a_few_connections_until_the_store_closes() -> None:
    assert POSTGRES_URL
    await (await open_clean_store(POSTGRES_URL)).close()
    store = await SqlStore.open(POSTGRES_URL, listen=False, read_connections=3)
    observer = await SqlStore.open(POSTGRES_URL, create=False, listen=False)
    backends = sa.text("SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()")

    async def connections() -> int:
        async with observer.engine.connect() as conn:
            return int((await conn.execute(backends)).scalar_one())

    try:
        await put(store, key("L1"), 0)
        before = await connections()
        for _ in range(3):
            found = await asyncio.gather(*(store.get(key("L1")) for _ in range(40)))
            assert all(item is not None for item in found)
        during = await connections()
        await store.close()
        after = await connections()
    finally:
        await observer.close()
    assert 1 <= during - before <= 3
    assert after == before - 1  # the reader's are closed, and so is the pooled one the write used


@pytest.mark.skipif(not POSTGRES_URL, reason="OCPI_TEST_POSTGRES_URL is not set")
async def test_postgres_reads_of_one_object_asked_at_once_share_one_statement_per_version(monkeypatch: Any) -> None:
    assert POSTGRES_URL
    store = await open_clean_store(POSTGRES_URL)
    try:
        for n in range(5):
            await put(store, key(f"L{n}"), n, in_211=n != 3)
        await put(store, key("L1", ("BE", "BEC")), 9)
        asked = [
            (key("L0"), "2.2.1"),
            (key("l0"), "2.2.1"),  # the same object twice, in another case
            (key("L1"), "2.2.1"),
            (key("L1", ("BE", "BEC")), "2.2.1"),  # the same id under another owner
            (key("L3"), "2.1.1"),  # not expressible in 2.1.1
            (key("L2"), "2.1.1"),
            (key("NOPE"), "2.2.1"),
            (key("L4"), "2.3.0"),
        ]
        engine_only = SqlStore(store.engine, direct_reads=False)
        expected = [await engine_only.get_rendered(object_key, version) for object_key, version in asked]
        assert expected[0] == expected[1] == b'{"id":"L0","t":0}' and expected[3] == b'{"id":"L1","t":9}'
        assert expected[4] is None and expected[6] is None
        reader = store._postgres_reader
        assert reader is not None
        statements: list[str] = []
        fetch = reader._fetch

        async def counted(sql: str, params: Any) -> list[Any]:
            statements.append(sql)
            return await fetch(sql, params)

        monkeypatch.setattr(reader, "_fetch", counted)
        found = await asyncio.gather(*(store.get_rendered(object_key, version) for object_key, version in asked))
        assert found == expected
        assert len(statements) == 3  # one per version asked for

        async def failing(sql: str, params: Any) -> list[Any]:
            raise ConnectionError("the database went away")

        monkeypatch.setattr(reader, "_fetch", failing)
        failed = await asyncio.gather(
            *(store.get_rendered(key(f"L{n}"), "2.2.1") for n in range(3)), return_exceptions=True
        )
        assert [type(error) for error in failed] == [ConnectionError] * 3

        monkeypatch.setattr(reader, "_fetch", fetch)
        leaving = asyncio.ensure_future(store.get_rendered(key("L2"), "2.2.1"))
        staying = asyncio.ensure_future(store.get_rendered(key("L2"), "2.2.1"))
        await asyncio.sleep(0)  # both asked, the read scheduled
        leaving.cancel()
        assert await staying == b'{"id":"L2","t":2}'  # one caller leaving does not take the answer from the other
        assert leaving.cancelled()
    finally:
        await store.close()


@pytest.mark.skipif(not POSTGRES_URL, reason="OCPI_TEST_POSTGRES_URL is not set")
async def test_reads_go_on_through_a_postgres_restart() -> None:
    """A read on a connection the server dropped is tried again on a new one; the reader's and the pool's other
    connections, dropped with it, are not tried in turn."""
    assert POSTGRES_URL
    store = await open_clean_store(POSTGRES_URL)
    try:
        await _read_through_a_restart(store)
    finally:
        await store.close()


async def _read_through_a_restart(store: SqlStore) -> None:
    await put(store, key("L1"), 0)
    held = [await store.engine.connect() for _ in range(3)]  # several pooled connections, all dropped below
    for conn in held:
        await conn.close()
    await asyncio.gather(*(store.get(key("L1")) for _ in range(3)))  # and several of the reader's own
    async with store.engine.connect() as conn:
        await conn.execute(
            sa.text(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                "WHERE datname = current_database() AND pid <> pg_backend_pid()"
            )
        )
    for _ in range(3):
        assert await store.get(key("L1")) is not None
        assert await store.get_rendered(key("L1"), "2.2.1") is not None
