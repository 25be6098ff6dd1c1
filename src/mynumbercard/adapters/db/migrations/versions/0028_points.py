"""My Number Points: campaigns, enrolments, payment services' reports, balances.

Revision ID: 0028
Revises: 0023 (re-pointed at merge)
Create Date: 2026-11-30
"""

import sqlalchemy as sa
from alembic import op

revision = "0028"
down_revision = "0023"
branch_labels = None
depends_on = None

BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
Timestamp = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "point_campaigns",
        sa.Column("id", BigId, autoincrement=True, nullable=False),
        sa.Column("name", sa.String(60), nullable=False),
        sa.Column("starts_on", sa.Date(), nullable=False),
        sa.Column("ends_on", sa.Date(), nullable=False),
        sa.Column("rate_percent", sa.Integer(), nullable=False),
        sa.Column("cap", sa.Integer(), nullable=False),
        sa.Column("charges", sa.Boolean(), nullable=False),
        sa.Column("purchases", sa.Boolean(), nullable=False),
        sa.Column("created_at", Timestamp, nullable=False),
        sa.Column("created_by", sa.String(80), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_point_campaigns"),
        sa.UniqueConstraint("name", name="uq_point_campaigns_name"),
    )
    op.create_table(
        "point_enrolments",
        sa.Column("enrolment_id", sa.String(20), nullable=False),
        sa.Column("resident_id", BigId, nullable=False),
        sa.Column("service", sa.String(20), nullable=False),
        sa.Column("enrolled_at", Timestamp, nullable=False),
        sa.Column("enrolled_by", sa.String(80), nullable=False),
        sa.ForeignKeyConstraint(["resident_id"], ["residents.id"],
                                name="fk_point_enrolments_resident_id_residents"),
        sa.ForeignKeyConstraint(["service"], ["relying_parties.key_id"],
                                name="fk_point_enrolments_service_relying_parties"),
        sa.PrimaryKeyConstraint("enrolment_id", name="pk_point_enrolments"),
        sa.UniqueConstraint("resident_id", name="uq_point_enrolments_resident_id"),
    )
    op.create_table(
        "point_reports",
        sa.Column("service", sa.String(20), nullable=False),
        sa.Column("report_id", sa.String(64), nullable=False),
        sa.Column("enrolment_id", sa.String(20), nullable=False),
        sa.Column("campaign_id", BigId, nullable=False),
        sa.Column("kind", sa.String(10), nullable=False),
        sa.Column("amount", sa.Integer(), nullable=False),
        sa.Column("occurred_at", Timestamp, nullable=False),
        sa.Column("received_at", Timestamp, nullable=False),
        sa.Column("granted", sa.Integer(), nullable=False),
        sa.CheckConstraint("kind IN ('charge', 'purchase')", name="ck_point_reports_kind"),
        sa.ForeignKeyConstraint(["campaign_id"], ["point_campaigns.id"],
                                name="fk_point_reports_campaign_id_point_campaigns"),
        sa.PrimaryKeyConstraint("service", "report_id", name="pk_point_reports"),
    )
    op.create_index("ix_point_reports_campaign_id_service", "point_reports",
                    ["campaign_id", "service"])
    op.create_table(
        "point_balances",
        sa.Column("campaign_id", BigId, nullable=False),
        sa.Column("resident_id", BigId, nullable=False),
        sa.Column("granted", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["campaign_id"], ["point_campaigns.id"],
                                name="fk_point_balances_campaign_id_point_campaigns"),
        sa.PrimaryKeyConstraint("campaign_id", "resident_id", name="pk_point_balances"),
    )


def downgrade() -> None:
    for table in ("point_balances", "point_reports", "point_enrolments", "point_campaigns"):
        op.drop_table(table)
