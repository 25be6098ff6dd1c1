"""Counter tasks: the clerk's page asks the clerk's counter terminal to hand over a card,
unlock a PIN or renew the certificates with the card in its reader.

Revision ID: 0030
Revises: 0034
Create Date: 2026-11-30
"""

import sqlalchemy as sa
from alembic import op

revision = "0030"
down_revision = "0034"
branch_labels = None
depends_on = None

BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
Timestamp = sa.DateTime(timezone=True)
OPEN = "status IN ('pending', 'taken')"


def upgrade() -> None:
    op.create_table(
        "counter_tasks",
        sa.Column("id", BigId, autoincrement=True, nullable=False),
        sa.Column("kind", sa.String(12), nullable=False),
        sa.Column("card_id", BigId, nullable=False),
        sa.Column("resident_id", BigId, nullable=False),
        sa.Column("municipality_code", sa.String(6), nullable=False),
        sa.Column("clerk", sa.String(80), nullable=False),
        sa.Column("details", sa.Text(), nullable=False),
        sa.Column("status", sa.String(12), nullable=False),
        sa.Column("created_at", Timestamp, nullable=False),
        sa.Column("taken_at", Timestamp, nullable=True),
        sa.Column("finished_at", Timestamp, nullable=True),
        sa.Column("outcome", sa.String(500), nullable=True),
        sa.Column("version", sa.Integer(), server_default="0", nullable=False),
        sa.CheckConstraint("kind IN ('hand_over', 'unlock', 'renew')",
                           name="ck_counter_tasks_kind"),
        sa.CheckConstraint("status IN ('pending', 'taken', 'done', 'failed', 'cancelled')",
                           name="ck_counter_tasks_status"),
        sa.ForeignKeyConstraint(["card_id"], ["cards.id"], name="fk_counter_tasks_card_id_cards"),
        sa.ForeignKeyConstraint(["resident_id"], ["residents.id"],
                                name="fk_counter_tasks_resident_id_residents"),
        sa.PrimaryKeyConstraint("id", name="pk_counter_tasks"),
    )
    op.create_index("uq_counter_tasks_open_card", "counter_tasks", ["card_id"], unique=True,
                    sqlite_where=sa.text(OPEN), postgresql_where=sa.text(OPEN))
    op.create_index("ix_counter_tasks_clerk_status", "counter_tasks",
                    ["clerk", "status", "id"])
    op.create_index("ix_counter_tasks_resident_id", "counter_tasks", ["resident_id"])


def downgrade() -> None:
    op.drop_table("counter_tasks")
