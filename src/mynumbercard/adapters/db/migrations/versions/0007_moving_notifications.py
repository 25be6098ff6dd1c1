"""Moving house between municipalities: the moving-out and moving-in notifications and
the card's continued use; a card status for a card that lapsed (失効).

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-30
"""

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
Timestamp = sa.DateTime(timezone=True)
OPEN = "status IN ('moving_out')"
OLD_CARD_STATUSES = (
    "status IN ('produced', 'destroyed', 'active', 'lost', 'returned', 'invalidated')")
NEW_CARD_STATUSES = (
    "status IN ('produced', 'destroyed', 'active', 'lost', 'returned', 'invalidated', "
    "'lapsed')")


def _card_statuses(condition: str) -> None:
    with op.batch_alter_table("cards") as batch:
        batch.drop_constraint("ck_cards_status", type_="check")
        batch.create_check_constraint("ck_cards_status", condition)


def upgrade() -> None:
    _card_statuses(NEW_CARD_STATUSES)
    op.create_table(
        "moving_notifications",
        sa.Column("id", BigId, autoincrement=True, nullable=False),
        sa.Column("resident_id", BigId, nullable=False),
        sa.Column("origin", sa.String(5), nullable=False),
        sa.Column("destination", sa.String(5), nullable=False),
        sa.Column("planned_on", sa.Date(), nullable=False),
        sa.Column("notified_on", sa.Date(), nullable=False),
        sa.Column("reference", sa.String(12), nullable=False),
        sa.Column("card_number", sa.String(32), nullable=True),
        sa.Column("status", sa.String(12), nullable=False),
        sa.Column("moved_in_on", sa.Date(), nullable=True),
        sa.Column("moving_in_notified_on", sa.Date(), nullable=True),
        sa.Column("card_continued_on", sa.Date(), nullable=True),
        sa.Column("card_lapsed", sa.String(16), nullable=True),
        sa.Column("version", sa.Integer(), server_default="0", nullable=False),
        sa.Column("created_at", Timestamp, nullable=False),
        sa.Column("updated_at", Timestamp, nullable=False),
        sa.CheckConstraint("status IN ('moving_out', 'moved_in', 'cancelled')",
                           name="ck_moving_notifications_status"),
        sa.CheckConstraint("card_lapsed IN ('no_moving_in', 'no_continuation')",
                           name="ck_moving_notifications_card_lapsed"),
        sa.ForeignKeyConstraint(["resident_id"], ["residents.id"],
                                name="fk_moving_notifications_resident_id_residents"),
        sa.ForeignKeyConstraint(["origin"], ["municipalities.code"],
                                name="fk_moving_notifications_origin_municipalities"),
        sa.ForeignKeyConstraint(["destination"], ["municipalities.code"],
                                name="fk_moving_notifications_destination_municipalities"),
        sa.PrimaryKeyConstraint("id", name="pk_moving_notifications"),
        sa.UniqueConstraint("reference", name="uq_moving_notifications_reference"),
    )
    op.create_index("ix_moving_notifications_resident_id", "moving_notifications",
                    ["resident_id"])
    op.create_index("ix_moving_notifications_card_number", "moving_notifications",
                    ["card_number"])
    op.create_index("ix_moving_notifications_status_planned_on", "moving_notifications",
                    ["status", "planned_on"])
    op.create_index("ix_correction_cases_municipality_code_status_id", "correction_cases",
                    ["municipality_code", "status", "id"])
    op.create_index("uq_moving_notifications_open", "moving_notifications", ["resident_id"],
                    unique=True, sqlite_where=sa.text(OPEN), postgresql_where=sa.text(OPEN))


def downgrade() -> None:
    op.drop_index("ix_correction_cases_municipality_code_status_id", "correction_cases")
    op.drop_table("moving_notifications")
    op.execute("UPDATE cards SET status = 'returned' WHERE status = 'lapsed'")
    _card_statuses(OLD_CARD_STATUSES)
