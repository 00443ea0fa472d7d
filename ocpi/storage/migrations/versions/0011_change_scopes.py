"""what each change changed (its scope, for push to send the smallest request), and what a partner misses of an
object in its retry set

Revision ID: 0011
Revises: 0010
"""

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("ocpi_changes") as table:
        table.add_column(sa.Column("scope", sa.LargeBinary, nullable=True))
    with op.batch_alter_table("ocpi_push_failures") as table:
        table.add_column(sa.Column("scope", sa.LargeBinary, nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("ocpi_push_failures") as table:
        table.drop_column("scope")
    with op.batch_alter_table("ocpi_changes") as table:
        table.drop_column("scope")
