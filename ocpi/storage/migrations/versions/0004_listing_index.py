"""listing index: a version bitmask beside creation order, owner and last_updated

Revision ID: 0004
Revises: 0003
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("ocpi_objects") as batch:
        batch.add_column(sa.Column("versions", sa.Integer, nullable=False, server_default="7"))
    op.execute(
        "UPDATE ocpi_objects SET versions = (CASE WHEN json_2_1_1 IS NULL THEN 0 ELSE 1 END)"
        " + (CASE WHEN json_2_2_1 IS NULL THEN 0 ELSE 2 END) + (CASE WHEN json_2_3_0 IS NULL THEN 0 ELSE 4 END)"
    )
    op.drop_index("ix_ocpi_objects_module_owner", table_name="ocpi_objects")
    op.create_index(
        "ix_ocpi_objects_listing",
        "ocpi_objects",
        ["module", "country_code", "party_id", "pk", "versions", "last_updated"],
    )


def downgrade() -> None:
    op.drop_index("ix_ocpi_objects_listing", table_name="ocpi_objects")
    op.create_index("ix_ocpi_objects_module_owner", "ocpi_objects", ["module", "country_code", "party_id", "pk"])
    with op.batch_alter_table("ocpi_objects") as batch:
        batch.drop_column("versions")
