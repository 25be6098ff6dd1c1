"""Loss reports of cards, and the lifting of a certificate's hold (removeFromCRL).

Revision ID: 0015
Revises: 0009 (re-pointed at merge)
Create Date: 2026-11-30
"""

import sqlalchemy as sa
from alembic import op

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None

BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
Timestamp = sa.DateTime(timezone=True)
OPEN = "status = 'open'"


def upgrade() -> None:
    # ADD COLUMN, nullable: instant on both databases, even at 250 million rows.
    op.add_column("certificates", sa.Column("released_at", Timestamp, nullable=True))
    op.create_table(
        "card_loss_reports",
        sa.Column("id", BigId, autoincrement=True, nullable=False),
        sa.Column("card_id", BigId, nullable=False),
        sa.Column("via", sa.String(12), nullable=False),
        sa.Column("reported_at", Timestamp, nullable=False),
        sa.Column("reported_by", sa.String(80), nullable=False),
        sa.Column("status", sa.String(12), nullable=False),
        sa.Column("closed_at", Timestamp, nullable=True),
        sa.Column("closed_by", sa.String(80), nullable=True),
        sa.Column("version", sa.Integer(), server_default="0", nullable=False),
        sa.CheckConstraint("via IN ('call_centre', 'counter')", name="ck_card_loss_reports_via"),
        sa.CheckConstraint("status IN ('open', 'found', 'confirmed')",
                           name="ck_card_loss_reports_status"),
        sa.ForeignKeyConstraint(["card_id"], ["cards.id"],
                                name="fk_card_loss_reports_card_id_cards"),
        sa.PrimaryKeyConstraint("id", name="pk_card_loss_reports"),
    )
    op.create_index("ix_card_loss_reports_card_id", "card_loss_reports", ["card_id"])
    op.create_index("uq_card_loss_reports_open", "card_loss_reports", ["card_id"],
                    unique=True, sqlite_where=sa.text(OPEN), postgresql_where=sa.text(OPEN))


def downgrade() -> None:
    # A released certificate is simply active again: nothing of it is lost but the day.
    op.drop_table("card_loss_reports")
    with op.batch_alter_table("certificates") as batch:
        batch.drop_column("released_at")
