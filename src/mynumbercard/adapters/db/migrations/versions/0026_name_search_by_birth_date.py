"""The whole country's name search: a birth date with a kana or name prefix.

A search without a municipality had only ``(birth_date)``: PostgreSQL read every
resident born that day (about 190 on a 6.8 M register, each a random heap page) to keep
the few whose key matched: p95 94 ms. With ``(birth_date, kana_key)`` and
``(birth_date, name_key)`` (the keys in "C" order, so a prefix is an index range) the two
ranges are OR-ed as bitmaps and only the matching rows are read.

Revision ID: 0026
Revises: 0019
Create Date: 2026-11-30
"""

from alembic import op

revision = "0026"
down_revision = "0019"
branch_labels = None
depends_on = None

INDEXES = {"ix_residents_birth_date_kana_key": ["birth_date", "kana_key"],
           "ix_residents_birth_date_name_key": ["birth_date", "name_key"]}


def upgrade() -> None:
    # IF NOT EXISTS: on a large register the indexes may have been built ahead of the
    # upgrade (the bench's kept register was, with this SQL).
    for name, columns in INDEXES.items():
        op.create_index(name, "residents", columns, if_not_exists=True)


def downgrade() -> None:
    for name in reversed(INDEXES):
        op.drop_index(name, table_name="residents")
