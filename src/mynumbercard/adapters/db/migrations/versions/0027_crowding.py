"""Crowding: walk-ins at the counter, what the desk saw per hour, the office's level for
proposing the custody hand-off.

Revision ID: 0027
Revises: 0019
Create Date: 2026-11-30
"""

import sqlalchemy as sa
from alembic import op

revision = "0027"
down_revision = "0026"
branch_labels = None
depends_on = None

BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
Timestamp = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.add_column("offices", sa.Column("handoff_wait_minutes", sa.Integer(), nullable=True))
    op.create_table(
        "walk_ins",
        sa.Column("id", BigId, autoincrement=True, nullable=False),
        sa.Column("office_code", sa.String(8), nullable=False),
        sa.Column("purpose", sa.String(24), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("arrived_at", Timestamp, nullable=False),
        sa.Column("started_at", Timestamp, nullable=True),
        sa.Column("ended_at", Timestamp, nullable=True),
        sa.Column("version", sa.Integer(), server_default="0", nullable=False),
        sa.CheckConstraint("purpose IN ('pick_up', 'certificate_renewal', 'pin_unlock', "
                           "'loss', 'other')", name="ck_walk_ins_purpose"),
        sa.CheckConstraint("status IN ('waiting', 'in_service', 'done', 'left')",
                           name="ck_walk_ins_status"),
        sa.ForeignKeyConstraint(["office_code"], ["offices.code"],
                                name="fk_walk_ins_office_code_offices"),
        sa.PrimaryKeyConstraint("id", name="pk_walk_ins"),
    )
    op.create_index("ix_walk_ins_office_code_status_arrived_at", "walk_ins",
                    ["office_code", "status", "arrived_at"])
    op.create_table(
        "office_hours_seen",
        sa.Column("office_code", sa.String(8), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("hour", sa.SmallInteger(), nullable=False),
        sa.Column("arrivals", sa.Integer(), server_default="0", nullable=False),
        sa.Column("waits", sa.Integer(), server_default="0", nullable=False),
        sa.Column("wait_seconds", sa.BigInteger(), server_default="0", nullable=False),
        sa.Column("served", sa.Integer(), server_default="0", nullable=False),
        sa.Column("service_seconds", sa.BigInteger(), server_default="0", nullable=False),
        sa.CheckConstraint("hour >= 0 AND hour < 24", name="ck_office_hours_seen_hour"),
        sa.PrimaryKeyConstraint("office_code", "day", "hour", name="pk_office_hours_seen"),
    )


def downgrade() -> None:
    op.drop_table("office_hours_seen")
    op.drop_table("walk_ins")
    op.drop_column("offices", "handoff_wait_minutes")
