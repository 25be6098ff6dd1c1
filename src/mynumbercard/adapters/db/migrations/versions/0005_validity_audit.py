"""The wrong-validity audit: its findings and the correction cases.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-25
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
Timestamp = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "validity_findings",
        sa.Column("id", BigId, autoincrement=True, nullable=False),
        sa.Column("run_key", sa.String(40), nullable=False),
        sa.Column("subject", sa.String(12), nullable=False),
        sa.Column("subject_id", sa.BigInteger(), nullable=False),
        sa.Column("card_id", BigId, nullable=False),
        sa.Column("municipality_code", sa.String(5), nullable=False),
        sa.Column("stored_on", sa.Date(), nullable=False),
        sa.Column("correct_on", sa.Date(), nullable=False),
        sa.Column("cause", sa.String(24), nullable=False),
        sa.Column("found_at", Timestamp, nullable=False),
        sa.CheckConstraint("subject IN ('card', 'certificate')",
                           name="ck_validity_findings_subject"),
        sa.ForeignKeyConstraint(["card_id"], ["cards.id"],
                                name="fk_validity_findings_card_id_cards"),
        sa.PrimaryKeyConstraint("id", name="pk_validity_findings"),
    )
    op.create_index("ix_validity_findings_card_id", "validity_findings", ["card_id"])
    op.create_index("ix_validity_findings_run_key_subject_subject_id", "validity_findings",
                    ["run_key", "subject", "subject_id"], unique=True)
    op.create_index("ix_validity_findings_run_key_municipality_code_cause",
                    "validity_findings", ["run_key", "municipality_code", "cause"])
    op.create_table(
        "correction_cases",
        sa.Column("id", BigId, autoincrement=True, nullable=False),
        sa.Column("card_id", BigId, nullable=False),
        sa.Column("resident_id", BigId, nullable=False),
        sa.Column("municipality_code", sa.String(5), nullable=False),
        sa.Column("status", sa.String(12), nullable=False),
        sa.Column("subject", sa.String(12), nullable=False),
        sa.Column("wrong_on", sa.Date(), nullable=False),
        sa.Column("correct_on", sa.Date(), nullable=False),
        sa.Column("cause", sa.String(24), nullable=False),
        sa.Column("opened_at", Timestamp, nullable=False),
        sa.Column("closed_at", Timestamp, nullable=True),
        sa.Column("version", sa.Integer(), server_default="0", nullable=False),
        sa.CheckConstraint("status IN ('open', 'contacted', 'corrected', 'dismissed')",
                           name="ck_correction_cases_status"),
        sa.ForeignKeyConstraint(["card_id"], ["cards.id"],
                                name="fk_correction_cases_card_id_cards"),
        sa.ForeignKeyConstraint(["resident_id"], ["residents.id"],
                                name="fk_correction_cases_resident_id_residents"),
        sa.PrimaryKeyConstraint("id", name="pk_correction_cases"),
    )
    op.create_index("uq_correction_cases_open_card", "correction_cases", ["card_id"],
                    unique=True,
                    sqlite_where=sa.text("status IN ('open', 'contacted')"),
                    postgresql_where=sa.text("status IN ('open', 'contacted')"))
    op.create_index("ix_correction_cases_status_id", "correction_cases", ["status", "id"])


def downgrade() -> None:
    op.drop_table("correction_cases")
    op.drop_table("validity_findings")
