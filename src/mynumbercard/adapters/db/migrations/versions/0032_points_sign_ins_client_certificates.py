"""My Number Points' page sign-ins with the card; relying parties' client certificates.

Revision ID: 0032
Revises: 0031
Create Date: 2026-11-30
"""

import sqlalchemy as sa
from alembic import op

revision = "0032"
down_revision = "0031"
branch_labels = None
depends_on = None

BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
Timestamp = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "point_sign_ins",
        sa.Column("code", sa.String(9), nullable=False),
        sa.Column("browser_hash", sa.String(64), nullable=False),
        sa.Column("challenge", sa.String(64), nullable=False),
        sa.Column("created_at", Timestamp, nullable=False),
        sa.Column("expires_at", Timestamp, nullable=False),
        sa.Column("resident_id", BigId, nullable=True),
        sa.Column("signed_at", Timestamp, nullable=True),
        sa.PrimaryKeyConstraint("code", name="pk_point_sign_ins"),
        sa.UniqueConstraint("browser_hash", name="uq_point_sign_ins_browser_hash"),
    )
    op.create_index("ix_point_sign_ins_expires_at", "point_sign_ins", ["expires_at"])
    # plain add_column (no batch copy): SHA-256 of the client certificate's DER, hex
    op.add_column("relying_parties",
                  sa.Column("client_cert_sha256", sa.String(64), nullable=True))


def downgrade() -> None:
    op.drop_column("relying_parties", "client_cert_sha256")
    op.drop_index("ix_point_sign_ins_expires_at", table_name="point_sign_ins")
    op.drop_table("point_sign_ins")
