"""Certificate renewal: cards left at the office (the custody hand-off) with their
events, and the ledger of expiry passages.

Revision ID: 0006
Revises: 0005 (re-pointed to 0005 at merge)
Create Date: 2026-11-26
"""

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
Timestamp = sa.DateTime(timezone=True)
OPEN = "status IN ('left_at_office', 'renewed', 'mailed', 'returned_undelivered')"


def upgrade() -> None:
    op.create_table(
        "certificate_custody",
        sa.Column("id", BigId, autoincrement=True, nullable=False),
        sa.Column("card_id", BigId, nullable=False),
        sa.Column("resident_id", BigId, nullable=False),
        sa.Column("office_code", sa.String(5), nullable=False),
        sa.Column("status", sa.String(24), nullable=False),
        sa.Column("kinds", sa.String(16), nullable=False),
        sa.Column("left_on", sa.Date(), nullable=False),
        sa.Column("tracking_number", sa.String(32), nullable=True),
        sa.Column("mailings", sa.Integer(), server_default="0", nullable=False),
        sa.Column("version", sa.Integer(), server_default="0", nullable=False),
        sa.Column("created_at", Timestamp, nullable=False),
        sa.Column("updated_at", Timestamp, nullable=False),
        sa.CheckConstraint(
            "status IN ('left_at_office', 'renewed', 'mailed', 'delivered', "
            "'returned_undelivered', 'collected_at_office', 'cancelled')",
            name="ck_certificate_custody_status"),
        sa.ForeignKeyConstraint(["card_id"], ["cards.id"],
                                name="fk_certificate_custody_card_id_cards"),
        sa.ForeignKeyConstraint(["resident_id"], ["residents.id"],
                                name="fk_certificate_custody_resident_id_residents"),
        sa.PrimaryKeyConstraint("id", name="pk_certificate_custody"),
    )
    op.create_index("ix_certificate_custody_card_id", "certificate_custody", ["card_id"])
    op.create_index("ix_certificate_custody_status_office_code_id", "certificate_custody",
                    ["status", "office_code", "id"])
    op.create_index("uq_certificate_custody_open", "certificate_custody", ["card_id"],
                    unique=True, sqlite_where=sa.text(OPEN), postgresql_where=sa.text(OPEN))
    op.create_table(
        "certificate_custody_events",
        sa.Column("id", BigId, autoincrement=True, nullable=False),
        sa.Column("custody_id", BigId, nullable=False),
        sa.Column("from_status", sa.String(24), nullable=True),
        sa.Column("to_status", sa.String(24), nullable=False),
        sa.Column("details", sa.JSON(), nullable=True),
        sa.Column("at", Timestamp, nullable=False),
        sa.Column("actor", sa.String(80), nullable=False),
        sa.ForeignKeyConstraint(
            ["custody_id"], ["certificate_custody.id"],
            name="fk_certificate_custody_events_custody_id_certificate_custody"),
        sa.PrimaryKeyConstraint("id", name="pk_certificate_custody_events"),
    )
    op.create_index("ix_certificate_custody_events_custody_id", "certificate_custody_events",
                    ["custody_id"])
    op.create_table(
        "expiry_passages",
        sa.Column("subject", sa.String(12), nullable=False),
        sa.Column("subject_id", sa.BigInteger(), nullable=False),
        sa.Column("expired_on", sa.Date(), nullable=False),
        sa.Column("recorded_at", Timestamp, nullable=False),
        sa.CheckConstraint("subject IN ('card', 'certificate')",
                           name="ck_expiry_passages_subject"),
        sa.PrimaryKeyConstraint("subject", "subject_id", name="pk_expiry_passages"),
    )
    op.create_index("ix_expiry_passages_expired_on", "expiry_passages", ["expired_on"])


def downgrade() -> None:
    op.drop_index("ix_expiry_passages_expired_on", table_name="expiry_passages")
    op.drop_table("expiry_passages")
    op.drop_index("ix_certificate_custody_events_custody_id",
                  table_name="certificate_custody_events")
    op.drop_table("certificate_custody_events")
    op.drop_index("uq_certificate_custody_open", table_name="certificate_custody")
    op.drop_index("ix_certificate_custody_status_office_code_id",
                  table_name="certificate_custody")
    op.drop_index("ix_certificate_custody_card_id", table_name="certificate_custody")
    op.drop_table("certificate_custody")
