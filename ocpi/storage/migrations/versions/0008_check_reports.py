"""conformance reports of partners (`ocpi check` against a registered partner), for the operator's console

Revision ID: 0008
Revises: 0007
"""

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "ocpi_check_reports",
        sa.Column("pk", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("party_pk", sa.Integer, sa.ForeignKey("ocpi_parties.pk"), nullable=False),
        sa.Column("generated_at", sa.DateTime(), nullable=False),
        sa.Column("report", sa.Text, nullable=False),
    )
    op.create_index("ix_ocpi_check_reports_party", "ocpi_check_reports", ["party_pk", "pk"])


def downgrade() -> None:
    op.drop_index("ix_ocpi_check_reports_party", "ocpi_check_reports")
    op.drop_table("ocpi_check_reports")
