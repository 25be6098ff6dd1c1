"""Life events: the former surname shown with the name (旧氏併記) and the history of a
foreign resident's periods of stay, with the card extended at each.

Revision ID: 0014
Revises: 0009 (re-pointed at merge)
Create Date: 2026-11-30
"""

import sqlalchemy as sa
from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None

BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
Timestamp = sa.DateTime(timezone=True)


def upgrade() -> None:
    # Plain ALTER TABLE on both (SQLite >= 3.35 drops a column in place): a batch copy of
    # `residents` would have to drop a table that every other table refers to.
    op.add_column("residents", sa.Column("former_family_name", sa.String(40), nullable=True))
    op.add_column("residents",
                  sa.Column("former_family_name_kana", sa.String(80), nullable=True))
    op.create_table(
        "resident_stays",
        sa.Column("id", BigId, autoincrement=True, nullable=False),
        sa.Column("resident_id", BigId, nullable=False),
        sa.Column("until", sa.Date(), nullable=False),
        sa.Column("granted_on", sa.Date(), nullable=False),
        sa.Column("card_id", BigId, nullable=True),
        sa.Column("card_extended_on", sa.Date(), nullable=True),
        sa.Column("recorded_at", Timestamp, nullable=False),
        sa.ForeignKeyConstraint(["resident_id"], ["residents.id"],
                                name="fk_resident_stays_resident_id_residents"),
        sa.ForeignKeyConstraint(["card_id"], ["cards.id"],
                                name="fk_resident_stays_card_id_cards"),
        sa.CheckConstraint("(card_id IS NULL) = (card_extended_on IS NULL)",
                           name="ck_resident_stays_card_extension"),
        sa.PrimaryKeyConstraint("id", name="pk_resident_stays"),
    )
    op.create_index("ix_resident_stays_resident_id_granted_on", "resident_stays",
                    ["resident_id", "granted_on"])


def downgrade() -> None:
    op.drop_index("ix_resident_stays_resident_id_granted_on", table_name="resident_stays")
    op.drop_table("resident_stays")
    op.drop_column("residents", "former_family_name_kana")
    op.drop_column("residents", "former_family_name")
