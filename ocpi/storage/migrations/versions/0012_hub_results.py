"""the results a hub awaits for its parties (kept across a restart of the hub)

Revision ID: 0012_hub
Revises: 0011
"""

import sqlalchemy as sa
from alembic import op

revision = "0012_hub"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "ocpi_hub_results",
        sa.Column("pk", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("reference", sa.String(64), nullable=False, unique=True),
        sa.Column("requester_pk", sa.Integer, sa.ForeignKey("ocpi_parties.pk"), nullable=False, index=True),
        sa.Column("document", sa.LargeBinary, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("ocpi_hub_results")
