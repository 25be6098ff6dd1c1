"""Relying parties (signed API keys) and the convenience-store kiosk.

Revision ID: 0023
Revises: 0019 (re-pointed at merge)
Create Date: 2026-11-30
"""

import sqlalchemy as sa
from alembic import op

revision = "0023"
down_revision = "0022"
branch_labels = None
depends_on = None

BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
Timestamp = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "relying_parties",
        sa.Column("id", BigId, autoincrement=True, nullable=False),
        sa.Column("key_id", sa.String(20), nullable=False),
        sa.Column("name", sa.String(100), nullable=False),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("sealed_secret", sa.LargeBinary(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", Timestamp, nullable=False),
        sa.Column("created_by", sa.String(80), nullable=False),
        sa.CheckConstraint("kind IN ('kiosk-operator', 'payment-service')",
                           name="ck_relying_parties_kind"),
        sa.PrimaryKeyConstraint("id", name="pk_relying_parties"),
        sa.UniqueConstraint("key_id", name="uq_relying_parties_key_id"),
    )
    op.create_table(
        "relying_party_nonces",
        sa.Column("key_id", sa.String(20), nullable=False),
        sa.Column("nonce", sa.String(64), nullable=False),
        sa.Column("seen_at", Timestamp, nullable=False),
        sa.PrimaryKeyConstraint("key_id", "nonce", name="pk_relying_party_nonces"),
    )
    op.create_index("ix_relying_party_nonces_key_id_seen_at", "relying_party_nonces",
                    ["key_id", "seen_at"])
    op.create_table(
        "kiosk_challenges",
        sa.Column("challenge", sa.String(64), nullable=False),
        sa.Column("operator", sa.String(20), nullable=False),
        sa.Column("issued_at", Timestamp, nullable=False),
        sa.Column("expires_at", Timestamp, nullable=False),
        sa.Column("used_at", Timestamp, nullable=True),
        sa.PrimaryKeyConstraint("challenge", name="pk_kiosk_challenges"),
    )
    op.create_index("ix_kiosk_challenges_expires_at", "kiosk_challenges", ["expires_at"])
    op.create_table(
        "kiosk_offers",
        sa.Column("municipality_code", sa.String(6), nullable=False),
        sa.Column("document", sa.String(30), nullable=False),
        sa.Column("fee", sa.Integer(), nullable=False),
        sa.Column("domicile", sa.Boolean(), nullable=False),
        sa.CheckConstraint("fee >= 0", name="ck_kiosk_offers_fee"),
        sa.PrimaryKeyConstraint("municipality_code", "document", name="pk_kiosk_offers"),
    )
    op.create_table(
        "kiosk_maintenance",
        sa.Column("id", BigId, autoincrement=True, nullable=False),
        sa.Column("starts_at", Timestamp, nullable=False),
        sa.Column("ends_at", Timestamp, nullable=False),
        sa.Column("note", sa.String(200), nullable=False),
        sa.Column("announced_by", sa.String(80), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_kiosk_maintenance"),
    )
    op.create_index("ix_kiosk_maintenance_ends_at", "kiosk_maintenance", ["ends_at"])
    op.create_table(
        "kiosk_documents",
        sa.Column("id", BigId, autoincrement=True, nullable=False),
        sa.Column("verification_code", sa.String(19), nullable=False),
        sa.Column("document", sa.String(30), nullable=False),
        sa.Column("municipality_code", sa.String(6), nullable=False),
        sa.Column("resident_id", BigId, nullable=False),
        sa.Column("issued_at", Timestamp, nullable=False),
        sa.Column("operator", sa.String(20), nullable=False),
        sa.Column("fee", sa.Integer(), nullable=False),
        sa.Column("pdf_sha256", sa.String(64), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_kiosk_documents"),
        sa.UniqueConstraint("verification_code", name="uq_kiosk_documents_verification_code"),
    )
    op.create_index("ix_kiosk_documents_resident_id", "kiosk_documents", ["resident_id"])
    op.create_index("ix_kiosk_documents_operator_issued_at", "kiosk_documents",
                    ["operator", "issued_at"])
    op.create_table(
        "kiosk_pin_failures",
        sa.Column("id", BigId, autoincrement=True, nullable=False),
        sa.Column("serial", sa.String(40), nullable=False),
        sa.Column("operator", sa.String(20), nullable=False),
        sa.Column("tries_left", sa.Integer(), nullable=False),
        sa.Column("at", Timestamp, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_kiosk_pin_failures"),
    )
    op.create_index("ix_kiosk_pin_failures_serial", "kiosk_pin_failures", ["serial"])


def downgrade() -> None:
    for table in ("kiosk_pin_failures", "kiosk_documents", "kiosk_maintenance",
                  "kiosk_offers", "kiosk_challenges", "relying_party_nonces",
                  "relying_parties"):
        op.drop_table(table)
