"""The outgoing e-mail: an outbox of messages queued with the event that causes them, and
the address an online applicant gave for notices.

Revision ID: 0022
Revises: 0019 (re-pointed at merge)
Create Date: 2026-11-30
"""

import sqlalchemy as sa
from alembic import op

revision = "0022"
down_revision = "0027"
branch_labels = None
depends_on = None

BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
Timestamp = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "email_outbox",
        sa.Column("id", BigId, autoincrement=True, nullable=False),
        sa.Column("message_key", sa.String(80), nullable=False),
        sa.Column("recipient", sa.String(254), nullable=False),
        sa.Column("subject", sa.String(200), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("status", sa.String(8), nullable=False),
        sa.Column("attempts", sa.Integer(), server_default="0", nullable=False),
        sa.Column("next_attempt_at", Timestamp, nullable=False),
        sa.Column("last_error", sa.String(200), nullable=True),
        sa.Column("queued_at", Timestamp, nullable=False),
        sa.Column("sent_at", Timestamp, nullable=True),
        sa.CheckConstraint("status IN ('queued', 'sent', 'rejected')",
                           name="ck_email_outbox_status"),
        sa.PrimaryKeyConstraint("id", name="pk_email_outbox"),
        sa.UniqueConstraint("message_key", name="uq_email_outbox_message_key"),
    )
    op.create_index("ix_email_outbox_status_next_attempt_at_id", "email_outbox",
                    ["status", "next_attempt_at", "id"])
    op.create_table(
        "notice_addresses",
        sa.Column("application_id", sa.String(23), nullable=False),
        sa.Column("email", sa.String(254), nullable=False),
        sa.Column("given_at", Timestamp, nullable=False),
        sa.PrimaryKeyConstraint("application_id", name="pk_notice_addresses"),
    )


def downgrade() -> None:
    op.drop_table("notice_addresses")
    op.drop_index("ix_email_outbox_status_next_attempt_at_id", table_name="email_outbox")
    op.drop_table("email_outbox")
