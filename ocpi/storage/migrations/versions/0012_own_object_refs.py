"""the keys of objects kept outside ocpi_objects (an application's own store or sources), for the change log

Revision ID: 0012_own
Revises: 0011
"""

import sqlalchemy as sa
from alembic import op

revision = "0012_own"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "ocpi_object_refs",
        sa.Column("pk", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("module", sa.String(32), nullable=False),
        sa.Column("country_code", sa.String(2), nullable=False),
        sa.Column("party_id", sa.String(3), nullable=False),
        sa.Column("object_id", sa.String(64), nullable=False),
        sa.Column("object_key", sa.String(64), nullable=False),
        sa.Column("variant", sa.String(32), nullable=False, server_default=""),
        sa.UniqueConstraint(
            "module", "country_code", "party_id", "object_key", "variant", name="uq_ocpi_object_refs_key"
        ),
    )


def downgrade() -> None:
    op.drop_table("ocpi_object_refs")
