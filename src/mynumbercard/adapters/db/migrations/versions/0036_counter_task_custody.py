"""Counter tasks of kind `custody`: a card in the office's custody is in the office's
reader, and the counter terminal runs each custody step with it there
(services/custody_tasks.py).

Revision ID: 0036
Revises: 0035
Create Date: 2026-11-30
"""

import sqlalchemy as sa
from alembic import op

revision = "0036"
down_revision = "0035"
branch_labels = None
depends_on = None

OPEN = "status IN ('pending', 'taken')"
OLD_KINDS = "kind IN ('hand_over', 'unlock', 'renew', 'correct')"
NEW_KINDS = "kind IN ('hand_over', 'unlock', 'renew', 'correct', 'custody')"


def _kinds(condition: str) -> None:
    # counter_tasks is referenced by no table: SQLite's batch copy of it is safe; the
    # partial unique index is made again by hand so that its WHERE survives the copy
    op.drop_index("uq_counter_tasks_open_card", table_name="counter_tasks")
    with op.batch_alter_table("counter_tasks") as batch:
        batch.drop_constraint("ck_counter_tasks_kind", type_="check")
        batch.create_check_constraint("ck_counter_tasks_kind", condition)
    op.create_index("uq_counter_tasks_open_card", "counter_tasks", ["card_id"], unique=True,
                    sqlite_where=sa.text(OPEN), postgresql_where=sa.text(OPEN))


def upgrade() -> None:
    _kinds(NEW_KINDS)


def downgrade() -> None:
    op.execute("DELETE FROM counter_tasks WHERE kind = 'custody'")
    _kinds(OLD_KINDS)
