"""The SQL of the built-in store's objects and credentials: keys as columns, the statements on every request's
path (built once), a list page and its count as one query reads them, and a row as the object it holds."""

from __future__ import annotations

import collections
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from ocpi.storage.base import ListQuery, ObjectKey, StoredObject
from ocpi.storage.direct_sql import CREDENTIAL_COLUMN_NAMES, OBJECT_COLUMN_NAMES, distinct_owners, key_values
from ocpi.storage.tables import (
    RENDER_COLUMNS,
    VERSION_BITS,
    VERSIONS,
    changes,
    credential_tokens,
    naive_utc,
    objects,
    parties,
    stored_utc,
)

_KEY_COLUMNS = ("module", "country_code", "party_id", "object_key", "variant")


def key_params(key: ObjectKey) -> dict[str, str]:
    """The key's columns, as a row has them."""
    return dict(zip(_KEY_COLUMNS, key_values(key), strict=True))


def key_matches(key: ObjectKey) -> dict[str, str]:
    """The parameters of `KEY_MATCHES` (not named as the columns: an UPDATE keeps those for its SET)."""
    return {"key_" + name: value for name, value in key_params(key).items()}


# The statements on every request's path and of every object write are built once, with bound parameters:
# building and cache-keying one per call costs more than the SQLite work it runs (measured in benchmarks/).
# The UPDATEs' conditions are bound by `key_stamp` (and `key_expected`); they set the columns their other
# parameters name.
KEY_MATCHES = sa.and_(*(objects.c[name] == sa.bindparam("key_" + name) for name in _KEY_COLUMNS))
GET_OBJECT = sa.select(*(objects.c[name] for name in OBJECT_COLUMN_NAMES)).where(KEY_MATCHES)
GET_RENDERED = {version: sa.select(objects.c[column]).where(KEY_MATCHES) for version, column in RENDER_COLUMNS.items()}
UPDATE_IF_NOT_OLDER = (
    sa.update(objects).where(KEY_MATCHES, objects.c.last_updated <= sa.bindparam("key_stamp")).returning(objects.c.pk)
)
UPDATE_IF_UNCHANGED = UPDATE_IF_NOT_OLDER.where(objects.c.canonical == sa.bindparam("key_expected"))
STAMP_OF = sa.select(objects.c.last_updated).where(KEY_MATCHES)
INSERT_OBJECT = sa.insert(objects).returning(objects.c.pk)
DELETE_OBJECT = sa.delete(objects).where(KEY_MATCHES).returning(objects.c.pk)
LOG_CHANGE = sa.insert(changes)
FIND_CREDENTIAL = (
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
CredentialRow = collections.namedtuple("CredentialRow", CREDENTIAL_COLUMN_NAMES)  # type: ignore[misc]


def object_values(
    key: ObjectKey, stamp: datetime, canonical: bytes, rendered: Mapping[str, bytes | None], audience: str | None
) -> dict[str, Any]:
    """The columns a write sets besides the key: the rendering per version and the bitmask of those present."""
    return {
        "object_id": key.object_id,
        "last_updated": stamp,
        "audience": audience,
        "canonical": canonical,
        "versions": sum(bit for v, bit in VERSION_BITS.items() if rendered.get(v) is not None),
        **{c: rendered.get(v) for v, c in RENDER_COLUMNS.items()},
    }


def object_row(
    key: ObjectKey,
    last_updated: datetime,
    canonical: bytes,
    rendered: Mapping[str, bytes | None],
    audience: str | None = None,
) -> dict[str, Any]:
    """A whole ocpi_objects row, as `SqlStore.put` would insert it (for bulk loads)."""
    return {**key_params(key), **object_values(key, naive_utc(last_updated), canonical, rendered, audience)}


def storable(key: ObjectKey) -> bool:
    """PostgreSQL text cannot hold NUL: a key with one names no object (and must not reach the database,
    where it is an error, not a miss). Objects themselves are stored as JSON bytes, where NUL is escaped."""
    return "\x00" not in f"{key.object_id}{key.variant}{key.country_code}{key.party_id}"


def stored_object(key: ObjectKey, row: Sequence[Any]) -> StoredObject:
    """A row of `direct_sql.OBJECT_COLUMN_NAMES`, from any reader, as the object. `last_updated` is UTC: a
    datetime with or without its zone, or the text SQLite keeps."""
    pk, country_code, party_id, object_id, variant, last_updated, audience, canonical, *rendered = row
    if (country_code, party_id, object_id, variant) != (key.country_code, key.party_id, key.object_id, key.variant):
        key = ObjectKey(key.module, country_code, party_id, object_id, variant)  # as stored: the id's own case
    return StoredObject(
        key=key,
        last_updated=stored_utc(last_updated),
        canonical=canonical,
        rendered=dict(zip(VERSIONS, rendered, strict=True)),
        pk=pk,
        audience=audience,
    )


def listing(query: ListQuery) -> list[sa.ColumnElement[bool]]:
    """The conditions of the list besides its owners and audiences (`listing_ranges`)."""
    bit = VERSION_BITS[query.version]
    conditions: list[sa.ColumnElement[bool]] = [
        objects.c.module == query.module,
        objects.c.versions.op("&")(bit) != 0,  # not `== bit`: see direct_sql.page_statement
    ]
    if query.date_from is not None:
        conditions.append(objects.c.last_updated >= naive_utc(query.date_from))
    if query.date_to is not None:
        conditions.append(objects.c.last_updated < naive_utc(query.date_to))
    return conditions


def listing_ranges(query: ListQuery) -> list[sa.ColumnElement[bool]] | None:
    """As `direct_sql.listing_arms`: one condition per index range the list is read from; None: every object."""
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


def page_select(query: ListQuery, column: str) -> sa.Select[Any]:
    """The page as `direct_sql.page_statement` reads it: several owners' (or audiences') from each one's index
    range, every owner's by its positions first."""
    offset = 0 if query.after is not None else query.offset
    arms = listing_ranges(query)

    def positions(arm: sa.ColumnElement[bool] | None, *columns: sa.ColumnElement[Any]) -> sa.Select[Any]:
        selected = sa.select(*columns).where(*listing(query)).order_by(objects.c.pk)
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


def count(query: ListQuery) -> sa.Select[Any]:
    counted = sa.select(sa.func.count()).select_from(objects).where(*listing(query))
    arms = listing_ranges(query)
    return counted if arms is None else counted.where(sa.or_(*arms) if arms else sa.false())
