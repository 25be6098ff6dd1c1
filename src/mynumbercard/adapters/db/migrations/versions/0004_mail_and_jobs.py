"""Outgoing mail with its suspension switch, batch-job chunks, the cards' expiry index and
application day, certificates whose bodies are archived elsewhere.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-25
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
Timestamp = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_index("ix_cards_expires_on", "cards", ["expires_on"])
    op.add_column("cards", sa.Column("applied_on", sa.Date(), nullable=True))
    with op.batch_alter_table("certificates") as batch:
        batch.alter_column("der", existing_type=sa.LargeBinary(), nullable=True)
    op.create_table(
        "outgoing_mail",
        sa.Column("id", BigId, autoincrement=True, nullable=False),
        sa.Column("letter_key", sa.String(80), nullable=False),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("resident_id", BigId, nullable=False),
        sa.Column("card_id", BigId, nullable=True),
        sa.Column("municipality_code", sa.String(5), nullable=False),
        sa.Column("due_on", sa.Date(), nullable=False),
        sa.Column("application_id", sa.String(23), nullable=True),
        sa.Column("details", sa.JSON(), nullable=True),
        sa.Column("status", sa.String(8), nullable=False),
        sa.Column("queued_at", Timestamp, nullable=False),
        sa.Column("sent_at", Timestamp, nullable=True),
        sa.Column("batch", sa.String(80), nullable=True),
        sa.CheckConstraint("status IN ('queued', 'printing', 'sent')",
                           name="ck_outgoing_mail_status"),
        sa.ForeignKeyConstraint(["resident_id"], ["residents.id"],
                                name="fk_outgoing_mail_resident_id_residents"),
        sa.ForeignKeyConstraint(["card_id"], ["cards.id"], name="fk_outgoing_mail_card_id_cards"),
        sa.PrimaryKeyConstraint("id", name="pk_outgoing_mail"),
        sa.UniqueConstraint("letter_key", name="uq_outgoing_mail_letter_key"),
    )
    op.create_index("ix_outgoing_mail_resident_id", "outgoing_mail", ["resident_id"])
    op.create_index("ix_outgoing_mail_status_due_on_id", "outgoing_mail",
                    ["status", "due_on", "id"])
    op.create_table(
        "mail_control",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("suspended", sa.Boolean(), nullable=False),
        sa.Column("reason", sa.String(200), nullable=True),
        sa.Column("changed_at", Timestamp, nullable=False),
        sa.Column("changed_by", sa.String(80), nullable=False),
        sa.CheckConstraint("id = 1", name="ck_mail_control_single_row"),
        sa.PrimaryKeyConstraint("id", name="pk_mail_control"),
    )
    op.create_table(
        "job_chunks",
        sa.Column("job", sa.String(40), nullable=False),
        sa.Column("run_key", sa.String(40), nullable=False),
        sa.Column("lo", sa.BigInteger(), nullable=False),
        sa.Column("hi", sa.BigInteger(), nullable=False),
        sa.Column("done_at", Timestamp, nullable=True),
        sa.Column("rows", sa.Integer(), nullable=True),
        sa.PrimaryKeyConstraint("job", "run_key", "lo", name="pk_job_chunks"),
    )
    op.create_index("ix_job_chunks_job_run_key_done_at", "job_chunks",
                    ["job", "run_key", "done_at"])


def downgrade() -> None:
    op.drop_table("job_chunks")
    op.drop_table("mail_control")
    op.drop_table("outgoing_mail")
    op.execute("DELETE FROM ocsp_responses WHERE (kind, serial) IN "
               "(SELECT kind, serial FROM certificates WHERE der IS NULL)")
    op.execute("DELETE FROM certificate_events WHERE certificate_id IN "
               "(SELECT id FROM certificates WHERE der IS NULL)")
    op.execute("DELETE FROM certificates WHERE der IS NULL")
    with op.batch_alter_table("certificates") as batch:
        batch.alter_column("der", existing_type=sa.LargeBinary(), nullable=False)
    with op.batch_alter_table("cards") as batch:
        batch.drop_column("applied_on")
    op.drop_index("ix_cards_expires_on", "cards")
