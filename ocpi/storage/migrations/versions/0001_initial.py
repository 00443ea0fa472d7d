"""initial schema: objects, change log, parties, credential tokens

Revision ID: 0001
Revises:
"""

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

_RENDERED = ("json_2_1_1", "json_2_2_1", "json_2_3_0")


def upgrade() -> None:
    op.create_table(
        "ocpi_objects",
        sa.Column("pk", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("module", sa.String(32), nullable=False),
        sa.Column("country_code", sa.String(2), nullable=False),
        sa.Column("party_id", sa.String(3), nullable=False),
        sa.Column("object_id", sa.String(64), nullable=False),
        sa.Column("object_key", sa.String(64), nullable=False),
        sa.Column("variant", sa.String(32), nullable=False, server_default=""),
        sa.Column("last_updated", sa.DateTime(), nullable=False),
        sa.Column("canonical", sa.LargeBinary, nullable=False),
        *(sa.Column(column, sa.LargeBinary, nullable=True) for column in _RENDERED),
        sa.UniqueConstraint("module", "country_code", "party_id", "object_key", "variant", name="uq_ocpi_objects_key"),
    )
    op.create_index("ix_ocpi_objects_module_owner", "ocpi_objects", ["module", "country_code", "party_id", "pk"])
    op.create_index("ix_ocpi_objects_module_updated", "ocpi_objects", ["module", "last_updated"])
    op.create_table(
        "ocpi_changes",
        sa.Column("seq", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("object_pk", sa.Integer, nullable=False),
        sa.Column("module", sa.String(32), nullable=False),
        sa.Column("changed_at", sa.DateTime(), nullable=False),
    )
    op.create_table(
        "ocpi_parties",
        sa.Column("pk", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("name", sa.String(100), nullable=False),
        sa.Column("roles", sa.Text, nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("version", sa.String(8), nullable=True),
        sa.Column("versions_url", sa.String(255), nullable=True),
        sa.Column("endpoints", sa.Text, nullable=False, server_default="[]"),
        sa.Column("outbound_token", sa.String(255), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
    )
    op.create_table(
        "ocpi_party_states",
        sa.Column("pk", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("party_pk", sa.Integer, sa.ForeignKey("ocpi_parties.pk"), nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
    )
    op.create_table(
        "ocpi_credential_tokens",
        sa.Column("pk", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("token_hash", sa.String(64), nullable=False, unique=True),
        sa.Column("kind", sa.String(1), nullable=False),
        sa.Column("party_pk", sa.Integer, sa.ForeignKey("ocpi_parties.pk"), nullable=True),
        sa.Column("expires_at", sa.DateTime(), nullable=True),
        sa.Column("revoked_at", sa.DateTime(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
    )


def downgrade() -> None:
    for table in ("ocpi_credential_tokens", "ocpi_party_states", "ocpi_parties", "ocpi_changes", "ocpi_objects"):
        op.drop_table(table)
