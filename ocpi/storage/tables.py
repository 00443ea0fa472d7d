"""The built-in store's tables (the schema the migrations in `ocpi.storage.migrations` build) and how times are
kept in them (UTC, without a zone)."""

from __future__ import annotations

from datetime import UTC, datetime

import sqlalchemy as sa

from ocpi.core.versions import SUPPORTED_VERSIONS
from ocpi.storage.direct_sql import naive_utc

__all__ = [
    "RENDER_COLUMNS",
    "VERSIONS",
    "VERSION_BITS",
    "aware",
    "changes",
    "credential_tokens",
    "metadata",
    "naive_utc",
    "object_refs",
    "objects",
    "parties",
    "party_states",
    "stored_utc",
    "utcnow",
]

VERSIONS = SUPPORTED_VERSIONS
RENDER_COLUMNS = {v: "json_" + v.replace(".", "_") for v in VERSIONS}
VERSION_BITS = {v: 1 << index for index, v in enumerate(VERSIONS)}
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
    *(sa.Column(column, sa.LargeBinary, nullable=True) for column in RENDER_COLUMNS.values()),
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

object_refs = sa.Table(
    "ocpi_object_refs",
    metadata,
    # The change log and the retry sets name an object kept outside `ocpi_objects` (in a store or a source of the
    # application's) by its row here, negated: one sequence of numbers for both kinds (`PushLedger.changed`).
    sa.Column("pk", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("module", sa.String(32), nullable=False),
    sa.Column("country_code", sa.String(2), nullable=False),
    sa.Column("party_id", sa.String(3), nullable=False),
    sa.Column("object_id", sa.String(64), nullable=False),
    sa.Column("object_key", sa.String(64), nullable=False),
    sa.Column("variant", sa.String(32), nullable=False, server_default=""),
    sa.UniqueConstraint("module", "country_code", "party_id", "object_key", "variant", name="uq_ocpi_object_refs_key"),
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


def aware(value: datetime) -> datetime:
    """A stored time (UTC, kept without its zone) as an aware datetime."""
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value


def stored_utc(value: datetime | str) -> datetime:
    """A stored time (UTC: a datetime with or without its zone, or the text SQLite keeps) as an aware datetime."""
    if isinstance(value, str):
        return datetime.fromisoformat(value + "+00:00")
    return aware(value)


def utcnow() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)
