"""Counter tasks: the correction of a wrong-validity case as a task kind, and the outcome's
code (the page words the outcome in its language; the terminal's message stays a detail).

Revision ID: 0035
Revises: 0032
Create Date: 2026-11-30
"""

import sqlalchemy as sa
from alembic import op

revision = "0035"
down_revision = "0032"
branch_labels = None
depends_on = None

OPEN = "status IN ('pending', 'taken')"
OLD_KINDS = "kind IN ('hand_over', 'unlock', 'renew')"
NEW_KINDS = "kind IN ('hand_over', 'unlock', 'renew', 'correct')"


def _kinds(condition: str, *, outcome_code: bool) -> None:
    # The partial unique index is dropped around SQLite's table copy and made again, so
    # that its WHERE survives whatever the copy reflects.
    op.drop_index("uq_counter_tasks_open_card", table_name="counter_tasks")
    with op.batch_alter_table("counter_tasks") as batch:
        batch.drop_constraint("ck_counter_tasks_kind", type_="check")
        batch.create_check_constraint("ck_counter_tasks_kind", condition)
        if outcome_code:
            batch.add_column(sa.Column("outcome_code", sa.String(24), nullable=True))
        else:
            batch.drop_column("outcome_code")
    op.create_index("uq_counter_tasks_open_card", "counter_tasks", ["card_id"], unique=True,
                    sqlite_where=sa.text(OPEN), postgresql_where=sa.text(OPEN))


def upgrade() -> None:
    _kinds(NEW_KINDS, outcome_code=True)


def downgrade() -> None:
    # A correction task cannot stay under the old kinds: it goes with the downgrade.
    op.execute("DELETE FROM counter_tasks WHERE kind = 'correct'")
    _kinds(OLD_KINDS, outcome_code=False)
