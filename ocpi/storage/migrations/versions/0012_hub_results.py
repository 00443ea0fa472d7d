"""the results a hub awaits for its parties (kept across a restart of the hub); which hub reported which party

Revision ID: 0012
Revises: 0011
"""

import sqlalchemy as sa
from alembic import op

revision = "0012"
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
    op.create_table(
        "ocpi_hub_reports",
        sa.Column("hub_pk", sa.Integer, sa.ForeignKey("ocpi_parties.pk"), primary_key=True),
        sa.Column("country_code", sa.String(2), primary_key=True),
        sa.Column("party_id", sa.String(3), primary_key=True),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("since", sa.DateTime(), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("ocpi_hub_reports")
    op.drop_table("ocpi_hub_results")
