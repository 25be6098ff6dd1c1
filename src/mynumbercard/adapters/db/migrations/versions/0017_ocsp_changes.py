"""The OCSP change feed: one row per pre-produced response written, in commit order.

Each responder process (on any machine) follows it to keep its memory-mapped store of
answers in step without a rebuild (docs/pki.md "The answer store").

Revision ID: 0017
Revises: 0015 (re-pointed at merge)
Create Date: 2026-11-30
"""

import sqlalchemy as sa
from alembic import op

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None

BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
Timestamp = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "ocsp_changes",
        sa.Column("id", BigId, autoincrement=True, nullable=False),
        sa.Column("kind", sa.String(4), nullable=False),
        sa.Column("serial", sa.String(40), nullable=False),
        sa.Column("at", Timestamp, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_ocsp_changes"),
        sqlite_autoincrement=True,  # ids never reused, even once the feed is pruned empty
    )
    op.create_index("ix_ocsp_changes_at", "ocsp_changes", ["at"])


def downgrade() -> None:
    op.drop_index("ix_ocsp_changes_at", table_name="ocsp_changes")
    op.drop_table("ocsp_changes")
