"""What an operator reads about a node (metrics, health, the console), in few queries: every partner's delivery
state at once, the node's objects by module with a search, the schema's revision, and the last conformance
report of each partner (`ocpi check`, kept in `ocpi_check_reports`)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import orjson
import sqlalchemy as sa

from ocpi.storage.base import ObjectKey, Party
from ocpi.storage.push import pull_state, push_cursors, push_failures
from ocpi.storage.sql import SqlStore
from ocpi.storage.tables import aware, changes, metadata, naive_utc, objects, parties

check_reports = sa.Table(
    "ocpi_check_reports",
    metadata,
    sa.Column("pk", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("party_pk", sa.Integer, sa.ForeignKey("ocpi_parties.pk"), nullable=False),
    sa.Column("generated_at", sa.DateTime(), nullable=False),
    sa.Column("report", sa.Text, nullable=False),
    sa.Index("ix_ocpi_check_reports_party", "party_pk", "pk"),
)


@dataclass(slots=True)
class PartnerStatus:
    """A partner and how delivery to and from it goes. `behind` is None until its push cursor exists (it is
    placed at registration)."""

    party: Party
    behind: int | None = None
    failing: int = 0
    last_success_at: datetime | None = None
    last_error: str | None = None
    last_error_at: datetime | None = None
    pulls: dict[str, datetime] = field(default_factory=dict)
    """Module -> when its list was last pulled whole."""


async def partner_statuses(store: SqlStore, *, registered_only: bool = False) -> list[PartnerStatus]:
    """Every partner with its delivery state, in five queries whatever their number."""
    found = await store.list_parties()
    if registered_only:
        found = [p for p in found if p.state == "registered"]
    statuses = {p.pk: PartnerStatus(p) for p in found}
    async with store.engine.connect() as conn:
        head = int((await conn.execute(sa.select(sa.func.coalesce(sa.func.max(changes.c.seq), 0)))).scalar_one())
        for row in await conn.execute(sa.select(push_cursors)):
            status = statuses.get(row.party_pk)
            if status is not None:
                status.behind = max(0, head - row.last_seq)
                status.last_success_at = None if row.last_success_at is None else aware(row.last_success_at)
                status.last_error = row.last_error
                status.last_error_at = None if row.last_error_at is None else aware(row.last_error_at)
        counted = sa.select(push_failures.c.party_pk, sa.func.count()).group_by(push_failures.c.party_pk)
        for party_pk, count in await conn.execute(counted):
            if party_pk in statuses:
                statuses[party_pk].failing = int(count)
        for row in await conn.execute(sa.select(pull_state)):
            if row.party_pk in statuses:
                statuses[row.party_pk].pulls[row.module] = aware(row.last_sync_at)
    return list(statuses.values())


@dataclass(frozen=True, slots=True)
class ObjectRow:
    pk: int
    key: ObjectKey
    last_updated: datetime


async def find_objects(
    store: SqlStore,
    module: str,
    search: str = "",
    *,
    owners: Sequence[tuple[str, str]] | None = None,
    limit: int = 50,
    offset: int = 0,
) -> tuple[list[ObjectRow], int]:
    """Objects of `module` whose id contains `search` (any case) or whose owner is `search` (`NL/CPO`), of
    `owners` only when given; newest first. Returns a page and the number of matches."""
    condition = objects.c.module == module
    if owners is not None:
        condition &= sa.or_(
            sa.false(), *(sa.and_(objects.c.country_code == cc, objects.c.party_id == pid) for cc, pid in owners)
        )
    text = search.strip()
    if text:
        matches = objects.c.object_key.contains(text.casefold(), autoescape=True)
        country_code, slash, party_id = text.upper().partition("/")
        if slash:
            matches |= sa.and_(objects.c.country_code == country_code, objects.c.party_id == party_id)
        condition &= matches
    listed = (
        sa.select(*(objects.c[name] for name in ("pk", "module", "country_code", "party_id", "object_id", "variant")),
                  objects.c.last_updated)
        .where(condition)
        .order_by(objects.c.pk.desc())
        .limit(limit)
        .offset(offset)
    )  # fmt: skip
    async with store.engine.connect() as conn:
        rows = (await conn.execute(listed)).all()
        total = int((await conn.execute(sa.select(sa.func.count()).select_from(objects).where(condition))).scalar_one())
    found = [
        ObjectRow(row.pk, ObjectKey(row.module, row.country_code, row.party_id, row.object_id, row.variant),
                  aware(row.last_updated))
        for row in rows
    ]  # fmt: skip
    return found, total


async def save_check_report(store: SqlStore, party_pk: int, report: dict[str, Any]) -> None:
    """Keep a partner's conformance report (`ocpi.conformance.Report.to_dict()`), the latest ten of each."""
    generated = datetime.fromisoformat(str(report["generated_at"]).replace("Z", "+00:00"))
    async with store.transaction() as conn:
        await conn.execute(
            sa.insert(check_reports).values(
                party_pk=party_pk, generated_at=naive_utc(generated), report=orjson.dumps(report).decode()
            )
        )
        kept = (
            sa.select(check_reports.c.pk)
            .where(check_reports.c.party_pk == party_pk)
            .order_by(check_reports.c.pk.desc())
            .limit(10)
        )
        await conn.execute(
            sa.delete(check_reports).where(check_reports.c.party_pk == party_pk, check_reports.c.pk.not_in(kept))
        )


async def last_check_report(store: SqlStore, party_pk: int) -> dict[str, Any] | None:
    query = (
        sa.select(check_reports.c.report)
        .where(check_reports.c.party_pk == party_pk)
        .order_by(check_reports.c.pk.desc())
        .limit(1)
    )
    async with store.engine.connect() as conn:
        found = (await conn.execute(query)).scalar()
    if found is None:
        return None
    report: dict[str, Any] = orjson.loads(found)
    return report


async def party_by_versions_url(store: SqlStore, versions_url: str) -> Party | None:
    """The live partner registered with this versions URL, if any."""
    query = sa.select(parties.c.pk).where(parties.c.versions_url == versions_url, parties.c.state != "unregistered")
    async with store.engine.connect() as conn:
        pk = (await conn.execute(query.order_by(parties.c.pk.desc()))).scalar()
    return None if pk is None else await store.get_party(pk)
