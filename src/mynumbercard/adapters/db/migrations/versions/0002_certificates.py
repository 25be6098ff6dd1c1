"""Cards, JPKI certificates with their events, pre-produced OCSP responses, CRL numbers.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-25
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
Timestamp = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "cards",
        sa.Column("id", BigId, autoincrement=True, nullable=False),
        sa.Column("card_number", sa.String(32), nullable=False),
        sa.Column("resident_id", BigId, nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("issued_on", sa.Date(), nullable=False),
        sa.Column("expires_on", sa.Date(), nullable=False),
        sa.Column("version", sa.Integer(), server_default="0", nullable=False),
        sa.Column("created_at", Timestamp, nullable=False),
        sa.Column("updated_at", Timestamp, nullable=False),
        sa.CheckConstraint(
            "status IN ('active', 'lost', 'returned', 'invalidated')", name="ck_cards_status"
        ),
        sa.ForeignKeyConstraint(
            ["resident_id"], ["residents.id"], name="fk_cards_resident_id_residents"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_cards"),
        sa.UniqueConstraint("card_number", name="uq_cards_card_number"),
    )
    op.create_index("ix_cards_resident_id", "cards", ["resident_id"])
    op.create_table(
        "certificates",
        sa.Column("id", BigId, autoincrement=True, nullable=False),
        sa.Column("serial", sa.String(40), nullable=False),
        sa.Column("kind", sa.String(4), nullable=False),
        sa.Column("card_id", BigId, nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("not_before", Timestamp, nullable=False),
        sa.Column("not_after", Timestamp, nullable=False),
        sa.Column("shard", sa.Integer(), nullable=False),
        sa.Column("revoked_at", Timestamp, nullable=True),
        sa.Column("revocation_reason", sa.String(32), nullable=True),
        sa.Column("der", sa.LargeBinary(), nullable=False),
        sa.Column("version", sa.Integer(), server_default="0", nullable=False),
        sa.Column("created_at", Timestamp, nullable=False),
        sa.Column("updated_at", Timestamp, nullable=False),
        sa.CheckConstraint("kind IN ('sign', 'auth')", name="ck_certificates_kind"),
        sa.CheckConstraint(
            "status IN ('active', 'suspended', 'revoked')", name="ck_certificates_status"
        ),
        sa.CheckConstraint(
            "(status = 'active') = (revoked_at IS NULL)", name="ck_certificates_revoked_at"
        ),
        sa.ForeignKeyConstraint(["card_id"], ["cards.id"], name="fk_certificates_card_id_cards"),
        sa.PrimaryKeyConstraint("id", name="pk_certificates"),
    )
    op.create_index("ix_certificates_card_id", "certificates", ["card_id"])
    op.create_index("ix_certificates_kind_serial", "certificates", ["kind", "serial"],
                    unique=True)
    op.create_index("ix_certificates_kind_shard_status_not_after", "certificates",
                    ["kind", "shard", "status", "not_after"])
    op.create_index("ix_certificates_not_after", "certificates", ["not_after"])
    op.create_table(
        "certificate_events",
        sa.Column("id", BigId, autoincrement=True, nullable=False),
        sa.Column("certificate_id", BigId, nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("reason", sa.String(32), nullable=True),
        sa.Column("at", Timestamp, nullable=False),
        sa.Column("actor", sa.String(80), nullable=False),
        sa.ForeignKeyConstraint(["certificate_id"], ["certificates.id"],
                                name="fk_certificate_events_certificate_id_certificates"),
        sa.PrimaryKeyConstraint("id", name="pk_certificate_events"),
    )
    op.create_index("ix_certificate_events_certificate_id", "certificate_events",
                    ["certificate_id"])
    op.create_table(
        "ocsp_responses",
        sa.Column("kind", sa.String(4), nullable=False),
        sa.Column("serial", sa.String(40), nullable=False),
        sa.Column("der", sa.LargeBinary(), nullable=False),
        sa.Column("this_update", Timestamp, nullable=False),
        sa.Column("next_update", Timestamp, nullable=False),
        sa.PrimaryKeyConstraint("kind", "serial", name="pk_ocsp_responses"),
    )
    op.create_index("ix_ocsp_responses_next_update", "ocsp_responses", ["next_update"])
    op.create_table(
        "crl_numbers",
        sa.Column("kind", sa.String(4), nullable=False),
        sa.Column("shard", sa.Integer(), nullable=False),
        sa.Column("number", sa.BigInteger(), nullable=False),
        sa.Column("base_number", sa.BigInteger(), nullable=False),
        sa.Column("base_this_update", Timestamp, nullable=False),
        sa.PrimaryKeyConstraint("kind", "shard", name="pk_crl_numbers"),
    )


def downgrade() -> None:
    op.drop_table("crl_numbers")
    op.drop_table("ocsp_responses")
    op.drop_table("certificate_events")
    op.drop_table("certificates")
    op.drop_table("cards")
