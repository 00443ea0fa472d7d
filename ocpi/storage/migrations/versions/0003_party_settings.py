"""partner interop settings

Revision ID: 0003
Revises: 0002
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("ocpi_parties") as batch:
        batch.add_column(sa.Column("settings", sa.Text, nullable=False, server_default="{}"))


def downgrade() -> None:
    with op.batch_alter_table("ocpi_parties") as batch:
        batch.drop_column("settings")
