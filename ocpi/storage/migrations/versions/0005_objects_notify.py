"""PostgreSQL: every statement that changes ocpi_objects notifies channel `ocpi_objects` on commit, so every
process keeps its list totals until something changed (SQLite asks PRAGMA data_version instead)

Revision ID: 0005
Revises: 0004
"""

from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute(
        "CREATE OR REPLACE FUNCTION ocpi_objects_changed() RETURNS trigger LANGUAGE plpgsql AS $$"
        " BEGIN PERFORM pg_notify('ocpi_objects', ''); RETURN NULL; END $$"
    )
    # One notification per transaction at most: PostgreSQL folds identical ones.
    op.execute(
        "CREATE TRIGGER ocpi_objects_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON ocpi_objects"
        " FOR EACH STATEMENT EXECUTE FUNCTION ocpi_objects_changed()"
    )


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("DROP TRIGGER IF EXISTS ocpi_objects_changed ON ocpi_objects")
    op.execute("DROP FUNCTION IF EXISTS ocpi_objects_changed()")
