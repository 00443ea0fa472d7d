"""The change log over objects kept outside the node's SQL store (an application's `Store`, its sources): each write
appends a change naming the object by its key's row in `ocpi_object_refs` (negated), and push reads the object back
from where it is kept. On every backend of the `store` fixture."""

from __future__ import annotations

from typing import Any

from ocpi.modules.locations.interfaces import LOCATION
from ocpi.storage.base import ObjectKey
from ocpi.storage.push import LoggedChanges, PushLedger
from ocpi.storage.repository import Repository
from ocpi.storage.sql import SqlStore
from tests.nodes import guide_classes
from tests.test_server.samples import sample, stamp


async def test_writes_to_another_store_are_logged_and_read_back_from_it(store: SqlStore) -> None:
    memory: Any = guide_classes()["MemoryStore"]()
    ledger = PushLedger(store, objects=memory)
    repository = Repository(LoggedChanges(memory, ledger))
    start = await ledger.head()
    for object_id in ("LOC1", "LOC2"):
        await repository.put(
            LOCATION, "2.2.1", sample("location", "2.2.1", object_id, ("NL", "CPO"), stamp()), owner=("NL", "CPO")
        )
    evse = sample("location", "2.2.1", "LOC1", ("NL", "CPO"))["evses"][0]["uid"]
    changed = {"status": "CHARGING", "last_updated": stamp(5)}
    await repository.patch(LOCATION, "2.2.1", changed, owner=("NL", "CPO"), object_id="LOC1", path=(evse,))

    backlog = await ledger.backlog(start)
    pks = [pk for _, pk in backlog.entries]
    assert len(pks) == 2 and all(pk < 0 for pk in pks), backlog  # refs, apart from the store's own objects
    found = await ledger.objects(pks)
    assert [found[pk].key.object_id for pk in pks] == ["LOC2", "LOC1"]  # in the order of their latest change
    assert all(found[pk].pk == pk for pk in pks)  # what the retry set keeps them by
    assert backlog.scopes[pks[1]] is None  # created after the partner's cursor: the whole object
    assert await store.get(ObjectKey.of("locations", "NL", "CPO", "LOC1")) is None  # nothing copied into SQL

    again = await ledger.backlog(backlog.head)
    await repository.patch(
        LOCATION, "2.2.1", {**changed, "last_updated": stamp(9)}, owner=("NL", "CPO"), object_id="LOC1", path=(evse,)
    )
    [(_, pk)] = (await ledger.backlog(again.head)).entries
    assert pk == pks[1]  # the same ref: one row per key
    [scope] = (await ledger.backlog(again.head)).scopes[pk] or [None]
    assert scope is not None and evse.encode() in scope  # what the write changed: push sends a PATCH of the EVSE

    party = await store.create_party("a partner", [], state="registered")
    assert await ledger.owe(party.pk, "locations") == 2  # (a hub's directory) every object ever logged
    await memory.delete(ObjectKey.of("locations", "NL", "CPO", "LOC2"))
    assert list(await ledger.objects(pks)) == [pks[1]]  # gone from the store: nothing left to send
