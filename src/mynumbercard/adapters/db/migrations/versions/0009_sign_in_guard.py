"""The sign-in guard: failed sign-ins, account locks and TOTP secrets of staff; the
rate-limit counters shared by every server process.

Revision ID: 0009
Revises: 0006 (re-pointed at merge)
Create Date: 2026-11-30
"""

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
Timestamp = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "staff_sign_in",
        sa.Column("staff_id", BigId, nullable=False),
        sa.Column("failures", sa.Integer(), server_default="0", nullable=False),
        sa.Column("failures_since", Timestamp, nullable=True),
        sa.Column("locked_until", Timestamp, nullable=True),
        sa.Column("totp_secret", sa.LargeBinary(), nullable=True),
        sa.Column("totp_last_step", sa.BigInteger(), nullable=True),
        sa.ForeignKeyConstraint(["staff_id"], ["staff.id"],
                                name="fk_staff_sign_in_staff_id_staff"),
        sa.PrimaryKeyConstraint("staff_id", name="pk_staff_sign_in"),
    )
    op.create_table(
        "rate_limits",
        sa.Column("name", sa.String(128), nullable=False),
        sa.Column("hits", sa.BigInteger(), nullable=False),
        sa.Column("expires_ms", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("name", name="pk_rate_limits"),
    )
    op.create_index("ix_rate_limits_expires_ms", "rate_limits", ["expires_ms"])


def downgrade() -> None:
    op.drop_index("ix_rate_limits_expires_ms", table_name="rate_limits")
    op.drop_table("rate_limits")
    op.drop_table("staff_sign_in")
