"""Partners' quirks in the store: counted in memory, written by flushes that add up (several processes too), on
SQLite and PostgreSQL."""

from __future__ import annotations

from ocpi.core import rules
from ocpi.core.rules import Deviation
from ocpi.storage.base import PartyRole
from ocpi.storage.quirks import QuirkRecorder, party_quirks
from ocpi.storage.sql import SqlStore
from tests.nodes import eventually

NO_SECONDS = Deviation(rules.DATETIME_FORMAT, "$.last_updated", "'2015-06-29T20:39Z' has no seconds")
DATE_ONLY = Deviation(rules.DATETIME_FORMAT, "$.evses[0].last_updated", "'2015-06-29' is a date without a time")
AS_STRING = Deviation(rules.JSON_NUMBER, "$.total_energy", "'41.12' is a string")


async def test_counts_are_per_partner_and_kind_and_add_up_across_flushes(store: SqlStore) -> None:
    one = await store.create_party("one", [PartyRole("CPO", "BE", "ONE")], state="registered")
    two = await store.create_party("two", [PartyRole("CPO", "BE", "TWO")], state="registered")
    recorder = QuirkRecorder(store, flush_seconds=3600)
    recorder.note(one.pk, [NO_SECONDS, DATE_ONLY, AS_STRING], "PUT /ocpi/emsp/2.2.1/locations/BE/ONE/L1")
    recorder.note(one.pk, [DATE_ONLY], "PATCH /ocpi/emsp/2.2.1/locations/BE/ONE/L1/E1")
    recorder.note(two.pk, [AS_STRING], "GET /cdrs")
    recorder.note(None, [AS_STRING])  # not a registered partner: nothing kept
    assert await party_quirks(store, one.pk) == []  # nothing written before a flush

    first = await recorder.of(one.pk)
    assert [(q.kind, q.count) for q in first] == [("datetime-format", 2), ("json-number", 1)]
    assert first[0].example == "PATCH /ocpi/emsp/2.2.1/locations/BE/ONE/L1/E1 $.evses[0].last_updated: " + (
        "'2015-06-29' is a date without a time"
    )
    assert first[0].rule is rules.DATETIME_FORMAT
    assert first[0].first_seen_at <= first[0].last_seen_at
    assert [(q.kind, q.count) for q in await party_quirks(store, two.pk)] == [("json-number", 1)]

    # another process noting the same kinds: the stored counts grow, the example is the latest
    other = QuirkRecorder(store)
    other.note(one.pk, [AS_STRING], "POST /cdrs")
    await other.flush()
    recorder.note(one.pk, [AS_STRING], "POST /cdrs again")
    again = {q.kind: q for q in await recorder.of(one.pk)}
    assert again["json-number"].count == 3
    assert again["json-number"].example.startswith("POST /cdrs again ")
    assert again["json-number"].first_seen_at == first[1].first_seen_at


async def test_a_note_is_written_by_itself_after_the_interval(store: SqlStore) -> None:
    party = await store.create_party("one", [PartyRole("CPO", "BE", "ONE")], state="registered")
    recorder = QuirkRecorder(store, flush_seconds=0.01)
    recorder.note(party.pk, [NO_SECONDS])

    async def written() -> bool:
        return bool(await party_quirks(store, party.pk))

    await eventually(written, "the quirk written without an explicit flush")
    assert [(q.kind, q.count) for q in await party_quirks(store, party.pk)] == [("datetime-format", 1)]
    await recorder.close()
