"""push delivery state: cursors, failures, pull state

Revision ID: 0002
Revises: 0001
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "ocpi_push_cursors",
        sa.Column("party_pk", sa.Integer, sa.ForeignKey("ocpi_parties.pk"), primary_key=True),
        sa.Column("last_seq", sa.Integer, nullable=False),
        sa.Column("last_success_at", sa.DateTime(), nullable=True),
        sa.Column("last_error", sa.Text, nullable=True),
        sa.Column("last_error_at", sa.DateTime(), nullable=True),
    )
    op.create_table(
        "ocpi_push_failures",
        sa.Column("party_pk", sa.Integer, sa.ForeignKey("ocpi_parties.pk"), primary_key=True),
        sa.Column("object_pk", sa.Integer, primary_key=True),
        sa.Column("attempts", sa.Integer, nullable=False),
        sa.Column("next_attempt_at", sa.DateTime(), nullable=False),
        sa.Column("last_error", sa.Text, nullable=False),
    )
    op.create_table(
        "ocpi_pull_state",
        sa.Column("party_pk", sa.Integer, sa.ForeignKey("ocpi_parties.pk"), primary_key=True),
        sa.Column("module", sa.String(32), primary_key=True),
        sa.Column("last_sync_at", sa.DateTime(), nullable=False),
    )


def downgrade() -> None:
    for table in ("ocpi_pull_state", "ocpi_push_failures", "ocpi_push_cursors"):
        op.drop_table(table)
