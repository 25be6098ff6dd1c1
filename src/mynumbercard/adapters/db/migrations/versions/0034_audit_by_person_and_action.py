"""The audit log filtered by person or by action alone (the auditor's page and
`GET /api/v1/audit?actor=…|action=…`), newest first: an index on each with the id, so
that a page is an index range read backwards, not a scan of the whole log.

Revision ID: 0034
Revises: 0028
Create Date: 2026-11-30
"""

from alembic import op

revision = "0034"
down_revision = "0028"
branch_labels = None
depends_on = None

INDEXES = {"ix_audit_log_actor_id": ["actor", "id"],
           "ix_audit_log_action_id": ["action", "id"]}


def upgrade() -> None:
    for name, columns in INDEXES.items():
        op.create_index(name, "audit_log", columns, if_not_exists=True)


def downgrade() -> None:
    for name in reversed(INDEXES):
        op.drop_index(name, table_name="audit_log")
