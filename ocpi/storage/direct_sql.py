"""The SQL of the hot reads (one object by key, a page of a list, a credential by its token), written once for
the readers that run it on the driver's own connection: `SqliteReader` (`?` placeholders) and `PostgresReader`
(`$n`)."""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from ocpi.storage.base import ListQuery, ObjectKey

OBJECT_COLUMN_NAMES = (
    "pk",
    "country_code",
    "party_id",
    "object_id",
    "variant",
    "last_updated",
    "audience",
    "canonical",
    "json_2_1_1",
    "json_2_2_1",
    "json_2_3_0",
)
"""The columns an object is read with, in the order of a `StoredObject`'s parts."""
OBJECT_COLUMNS = ", ".join(OBJECT_COLUMN_NAMES)


KeyValues = tuple[str, str, str, str, str]


def key_values(key: ObjectKey) -> KeyValues:
    """The key as the unique key's columns hold it: module, country_code, party_id, object_key, variant."""
    return (key.module, key.country_code, key.party_id, key.lookup_id, key.variant)


def get_statement(key: ObjectKey, columns: str = OBJECT_COLUMNS) -> tuple[str, tuple[Any, ...]]:
    """`columns` (all of `OBJECT_COLUMN_NAMES` unless told) of the object under `key`."""
    return (
        f"SELECT {columns} FROM ocpi_objects "
        "WHERE module = ? AND country_code = ? AND party_id = ? AND object_key = ? AND variant = ?",
        key_values(key),
    )


CREDENTIAL_COLUMN_NAMES = (
    "kind",
    "token_expires_at",
    "party_pk",
    "pk",
    "name",
    "roles",
    "state",
    "version",
    "versions_url",
    "endpoints",
    "outbound_token",
    "settings",
    "allowed_parties",
)
"""The columns a live (not revoked) credential is read with: its token's, then its party's (None without one)."""


def credential_statement(token_hash: str) -> tuple[str, tuple[Any, ...]]:
    return (
        "SELECT t.kind, t.expires_at, t.party_pk, p.pk, p.name, p.roles, p.state, p.version, p.versions_url, "
        "p.endpoints, p.outbound_token, p.settings, p.allowed_parties "
        "FROM ocpi_credential_tokens AS t LEFT OUTER JOIN ocpi_parties AS p ON t.party_pk = p.pk "
        "WHERE t.token_hash = ? AND t.revoked_at IS NULL",
        (token_hash,),
    )


def page_statement(query: ListQuery, column: str, bit: int) -> tuple[str, tuple[Any, ...]]:
    """`pk, <column>` of the page `query` asks for, in creation order: after position `after`, else past
    `offset` objects; `bit` is the query's version's in the `versions` column.

    The objects of several owners (a platform's parties of one role), or of several audiences (a partner's
    parties, for Sessions and CDRs), are no one range of the listing index
    (module, owner, pk): as one list ordered by pk, they were all read and sorted for each page (a page of 50
    of 10,000 locations: SQLite 4.9 ms, PostgreSQL 8.9 ms). So each owner's first positions are read from its
    own range, and the page is cut from their merge: at most offset + limit index entries per owner (0.07 ms
    and 0.9 ms). A page of every owner's (the CLI's export, the AFIR report) sorts the positions of the list,
    from the index alone, not its rows (a page of 500 of 10,000 on SQLite: 6.5 -> 1.9 ms).

    The version is tested as `(versions & bit) <> 0`, not `= bit`: PostgreSQL guesses that half a percent of
    rows pass an equality on an expression, and with that guess it read and sorted every object of an owner
    for a page of 50 (its first plans of each statement: 20 ms at 10,000 locations; every plan of a merged
    page); it takes an inequality to hold for nearly all rows, as an object's versions mostly do."""
    where = "module = ? AND (versions & ?) <> 0"
    params: list[Any] = [query.module, bit]
    if query.date_from is not None:
        where += " AND last_updated >= ?"
        params.append(naive_utc(query.date_from))
    if query.date_to is not None:
        where += " AND last_updated < ?"
        params.append(naive_utc(query.date_to))
    if query.after is not None:
        where += " AND pk > ?"
        params.append(query.after)
    offset = 0 if query.after is not None else query.offset
    arms = listing_arms(query)
    if arms is None:  # every owner: the positions from the index alone, then only the page's rows
        positions, position_params = f"SELECT pk FROM ocpi_objects WHERE {where}", params
    elif len(arms) > 1:
        positions = " UNION ALL ".join(
            f"SELECT pk FROM (SELECT pk FROM ocpi_objects WHERE {where}{arm} ORDER BY pk LIMIT ?) AS arm_{n}"
            for n, (arm, _) in enumerate(arms)
        )
        position_params = [value for _, arm_params in arms for value in (*params, *arm_params, offset + query.limit)]
    else:
        arm, arm_params = arms[0] if arms else (" AND 1 = 0", [])
        return f"SELECT pk, {column} FROM ocpi_objects WHERE {where}{arm} ORDER BY pk LIMIT ? OFFSET ?", (
            *params,
            *arm_params,
            query.limit,
            offset,
        )
    return (
        f"SELECT pk, {column} FROM ocpi_objects WHERE pk IN ({positions} ORDER BY pk LIMIT ? OFFSET ?) ORDER BY pk",
        (*position_params, query.limit, offset),
    )


def listing_arms(query: ListQuery) -> list[tuple[str, list[Any]]] | None:
    """The index ranges a list is read from, each as its extra condition and parameters: one per owner, and
    per audience (a partner's Sessions and CDRs); None: every object of the module (no owner, no audience).
    An empty list: no object can match."""
    if query.owners is None and query.audiences is None:
        return None
    arms: list[tuple[str, list[Any]]] = [("", [])]
    if query.owners is not None:
        arms = [(" AND country_code = ? AND party_id = ?", [cc, pid]) for cc, pid in distinct_owners(query.owners)]
    if query.audiences is not None:
        audiences = list(dict.fromkeys(query.audiences))
        arms = [(f"{arm} AND audience = ?", [*arm_params, a]) for arm, arm_params in arms for a in audiences]
    return arms


def distinct_owners(owners: Sequence[tuple[str, str]]) -> list[tuple[str, str]]:
    """The owners as the table keeps them (upper case), each once, in the order given."""
    return list(dict.fromkeys((country_code.upper(), party_id.upper()) for country_code, party_id in owners))


def naive_utc(value: datetime) -> datetime:
    """As the tables keep time: UTC without a zone."""
    if value.tzinfo is not None:
        value = value.astimezone(UTC).replace(tzinfo=None)
    return value


def numbered(sql: str) -> str:
    """`?` placeholders as PostgreSQL's `$1`, `$2`, ... (the statements above hold no other `?`)."""
    count = iter(range(1, sql.count("?") + 1))
    return re.sub(r"\?", lambda _: f"${next(count)}", sql)
