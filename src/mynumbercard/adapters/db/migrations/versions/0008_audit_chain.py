"""The audit log's hash chain: seals over committed records, and a log that refuses
REPLACE (SQLite) and TRUNCATE (PostgreSQL) as well as UPDATE and DELETE.

Revision ID: 0008
Revises: 0006 (re-pointed at merge)
Create Date: 2026-11-30
"""

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

Timestamp = sa.DateTime(timezone=True)

# The seals are as append-only as the log; TRUNCATE is refused on both (a statement
# trigger: the row triggers of 0001 never see a TRUNCATE). A role that does not own the
# tables cannot disable triggers; `mynumbercard db grant` gives it INSERT and SELECT only.
_PG_UP = """
CREATE FUNCTION audit_chain_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION '% is append-only', TG_TABLE_NAME;
END $$;
CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log
    FOR EACH STATEMENT EXECUTE FUNCTION audit_chain_append_only();
CREATE TRIGGER audit_seals_append_only BEFORE UPDATE OR DELETE ON audit_seals
    FOR EACH ROW EXECUTE FUNCTION audit_chain_append_only();
CREATE TRIGGER audit_seals_no_truncate BEFORE TRUNCATE ON audit_seals
    FOR EACH STATEMENT EXECUTE FUNCTION audit_chain_append_only();
"""
_PG_DOWN = """
DROP TRIGGER audit_seals_no_truncate ON audit_seals;
DROP TRIGGER audit_seals_append_only ON audit_seals;
DROP TRIGGER audit_log_no_truncate ON audit_log;
DROP FUNCTION audit_chain_append_only();
"""

# SQLite: INSERT OR REPLACE deletes the old row without firing the DELETE trigger
# (recursive_triggers is off), so an insert over an existing id is refused before it.
_SQLITE_UP = [
    "CREATE TRIGGER audit_log_no_replace BEFORE INSERT ON audit_log "
    "WHEN EXISTS (SELECT 1 FROM audit_log WHERE id = NEW.id) "
    "BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END",
    "CREATE TRIGGER audit_seals_no_update BEFORE UPDATE ON audit_seals "
    "BEGIN SELECT RAISE(ABORT, 'audit_seals is append-only'); END",
    "CREATE TRIGGER audit_seals_no_delete BEFORE DELETE ON audit_seals "
    "BEGIN SELECT RAISE(ABORT, 'audit_seals is append-only'); END",
    "CREATE TRIGGER audit_seals_no_replace BEFORE INSERT ON audit_seals "
    "WHEN EXISTS (SELECT 1 FROM audit_seals WHERE seq = NEW.seq) "
    "BEGIN SELECT RAISE(ABORT, 'audit_seals is append-only'); END",
]
_SQLITE_DOWN = ["DROP TRIGGER audit_seals_no_replace", "DROP TRIGGER audit_seals_no_delete",
                "DROP TRIGGER audit_seals_no_update", "DROP TRIGGER audit_log_no_replace"]


def upgrade() -> None:
    op.create_table(
        "audit_seals",
        sa.Column("seq", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("first_id", sa.BigInteger(), nullable=False),
        sa.Column("last_id", sa.BigInteger(), nullable=False),
        sa.Column("records", sa.Integer(), nullable=False),
        sa.Column("entries", sa.LargeBinary(), nullable=False),
        sa.Column("previous_hash", sa.String(64), nullable=False),
        sa.Column("hash", sa.String(64), nullable=False),
        sa.Column("sealed_at", Timestamp, nullable=False),
        sa.PrimaryKeyConstraint("seq", name="pk_audit_seals"),
    )
    if op.get_bind().dialect.name == "postgresql":
        op.execute(_PG_UP)
    else:
        for statement in _SQLITE_UP:
            op.execute(statement)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(_PG_DOWN)
    else:
        for statement in _SQLITE_DOWN:
            op.execute(statement)
    op.drop_table("audit_seals")
