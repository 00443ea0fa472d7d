"""security: the audience of Sessions and CDRs, token A bound to parties, partner tokens encrypted

- `ocpi_objects.audience`: `CC/PID` of the owner of a Session's or CDR's token (`cdr_token`), the only party
  it is shown or sent to; filled here for the objects already stored. Indexed (partially: other objects have
  none) as the listing index, per audience.
- `ocpi_credential_tokens.parties` and `ocpi_parties.allowed_parties`: the parties a token A may register.
- `ocpi_parties.outbound_token` becomes text on PostgreSQL: it holds the token encrypted (`fernet:...`). Tokens
  stored in clear stay readable until `ocpi secrets rotate` (or the partner's next update) encrypts them.

Revision ID: 0009
Revises: 0008
"""

import orjson
import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

_BATCH = 1000


def upgrade() -> None:
    with op.batch_alter_table("ocpi_objects") as batch:
        batch.add_column(sa.Column("audience", sa.String(8), nullable=True))
    with op.batch_alter_table("ocpi_credential_tokens") as batch:
        batch.add_column(sa.Column("parties", sa.Text, nullable=True))
    with op.batch_alter_table("ocpi_parties") as batch:
        batch.add_column(sa.Column("allowed_parties", sa.Text, nullable=True))
    if op.get_bind().dialect.name == "postgresql":  # SQLite keeps text of any length in its VARCHAR
        op.alter_column("ocpi_parties", "outbound_token", type_=sa.Text, existing_type=sa.String(255))
    _fill_audiences()
    op.create_index(
        "ix_ocpi_objects_audience",
        "ocpi_objects",
        ["module", "country_code", "party_id", "audience", "pk", "versions", "last_updated"],
        sqlite_where=sa.text("audience IS NOT NULL"),
        postgresql_where=sa.text("audience IS NOT NULL"),
    )


def _fill_audiences() -> None:
    """The audience of each stored Session and CDR: its canonical `cdr_token`'s country_code/party_id."""
    bind = op.get_bind()
    objects = sa.table("ocpi_objects", sa.column("pk"), sa.column("module"), sa.column("canonical"))
    after = 0
    while True:
        rows = bind.execute(
            sa.select(objects.c.pk, objects.c.canonical)
            .where(objects.c.module.in_(("sessions", "cdrs")), objects.c.pk > after)
            .order_by(objects.c.pk)
            .limit(_BATCH)
        ).all()
        if not rows:
            return
        for pk, canonical in rows:
            token = orjson.loads(canonical).get("cdr_token") or {}
            if token.get("country_code") and token.get("party_id"):
                audience = f"{token['country_code'].upper()}/{token['party_id'].upper()}"
                bind.execute(sa.text("UPDATE ocpi_objects SET audience = :a WHERE pk = :pk"), {"a": audience, "pk": pk})
        after = rows[-1][0]


def downgrade() -> None:
    op.drop_index("ix_ocpi_objects_audience", table_name="ocpi_objects")
    if op.get_bind().dialect.name == "postgresql":
        op.alter_column("ocpi_parties", "outbound_token", type_=sa.String(255), existing_type=sa.Text)
    with op.batch_alter_table("ocpi_parties") as batch:
        batch.drop_column("allowed_parties")
    with op.batch_alter_table("ocpi_credential_tokens") as batch:
        batch.drop_column("parties")
    with op.batch_alter_table("ocpi_objects") as batch:
        batch.drop_column("audience")
