"""The chunk table keeps each chunk's state: started (running until done), failed with
its error (the next start takes it again), done.

Revision ID: 0031
Revises: 0030
Create Date: 2026-11-30
"""

import sqlalchemy as sa
from alembic import op

revision = "0031"
down_revision = "0030"
branch_labels = None
depends_on = None

Timestamp = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.add_column("job_chunks", sa.Column("started_at", Timestamp, nullable=True))
    op.add_column("job_chunks", sa.Column("failed_at", Timestamp, nullable=True))
    op.add_column("job_chunks", sa.Column("error", sa.String(400), nullable=True))


def downgrade() -> None:
    op.drop_column("job_chunks", "error")
    op.drop_column("job_chunks", "failed_at")
    op.drop_column("job_chunks", "started_at")
