"""The resident register, staff, sessions and the append-only audit log.

Revision ID: 0001
Revises:
Create Date: 2026-11-25
"""

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
Timestamp = sa.DateTime(timezone=True)

_APPEND_ONLY_PG = """
CREATE FUNCTION audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'audit_log is append-only';
END $$;
CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE ON audit_log
    FOR EACH ROW EXECUTE FUNCTION audit_log_append_only();
"""


def upgrade() -> None:
    op.create_table(
        "municipalities",
        sa.Column("code", sa.String(5), nullable=False),
        sa.Column("name", sa.String(40), nullable=False),
        sa.Column("kana", sa.String(80), nullable=False),
        sa.Column("prefecture", sa.String(8), nullable=False),
        sa.Column("prefecture_kana", sa.String(16), nullable=False),
        sa.Column("designated_city_code", sa.String(5), nullable=True),
        sa.PrimaryKeyConstraint("code", name="pk_municipalities"),
    )
    op.create_table(
        "residents",
        sa.Column("id", BigId, autoincrement=True, nullable=False),
        sa.Column("individual_number", sa.String(12), nullable=True),
        sa.Column("number_assigned_on", sa.Date(), nullable=True),
        sa.Column("number_notice_kind", sa.String(32), nullable=True),
        sa.Column("family_name", sa.String(40), nullable=False),
        sa.Column("given_name", sa.String(40), nullable=False),
        sa.Column("family_name_kana", sa.String(80), nullable=False),
        sa.Column("given_name_kana", sa.String(80), nullable=False),
        sa.Column("birth_date", sa.Date(), nullable=False),
        sa.Column("sex", sa.String(8), nullable=False),
        sa.Column("municipality_code", sa.String(5), nullable=False),
        sa.Column("postal_code", sa.String(7), nullable=False),
        sa.Column("address", sa.String(200), nullable=False),
        sa.Column("nationality", sa.String(2), nullable=False),
        sa.Column("residence_status", sa.String(40), nullable=False),
        sa.Column("period_of_stay_until", sa.Date(), nullable=True),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("version", sa.Integer(), server_default="0", nullable=False),
        sa.Column("created_at", Timestamp, nullable=False),
        sa.Column("updated_at", Timestamp, nullable=False),
        sa.CheckConstraint(
            "status IN ('active', 'deceased', 'emigrated')", name="ck_residents_status"
        ),
        sa.CheckConstraint("sex IN ('male', 'female')", name="ck_residents_sex"),
        sa.CheckConstraint(
            "(residence_status = 'limited_stay') = (period_of_stay_until IS NOT NULL)",
            name="ck_residents_period_of_stay",
        ),
        sa.ForeignKeyConstraint(
            ["municipality_code"],
            ["municipalities.code"],
            name="fk_residents_municipality_code_municipalities",
        ),
        sa.PrimaryKeyConstraint("id", name="pk_residents"),
        sa.UniqueConstraint("individual_number", name="uq_residents_individual_number"),
    )
    op.create_index(
        "ix_residents_municipality_code_status", "residents", ["municipality_code", "status"]
    )
    op.create_index("ix_residents_birth_date", "residents", ["birth_date"])
    op.create_table(
        "resident_events",
        sa.Column("id", BigId, autoincrement=True, nullable=False),
        sa.Column("resident_id", BigId, nullable=False),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("occurred_on", sa.Date(), nullable=False),
        sa.Column("from_municipality", sa.String(5), nullable=True),
        sa.Column("to_municipality", sa.String(5), nullable=True),
        sa.Column("recorded_at", Timestamp, nullable=False),
        sa.ForeignKeyConstraint(
            ["resident_id"], ["residents.id"], name="fk_resident_events_resident_id_residents"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_resident_events"),
    )
    op.create_index("ix_resident_events_resident_id", "resident_events", ["resident_id"])
    op.create_table(
        "staff",
        sa.Column("id", BigId, autoincrement=True, nullable=False),
        sa.Column("username", sa.String(64), nullable=False),
        sa.Column("password_hash", sa.String(200), nullable=False),
        sa.Column("role", sa.String(16), nullable=False),
        sa.Column("municipality_code", sa.String(5), nullable=True),
        sa.Column("active", sa.Boolean(), server_default="1", nullable=False),
        sa.Column("created_at", Timestamp, nullable=False),
        sa.CheckConstraint(
            "role IN ('clerk', 'operator', 'auditor', 'admin')", name="ck_staff_role"
        ),
        sa.CheckConstraint(
            "role <> 'clerk' OR municipality_code IS NOT NULL", name="ck_staff_clerk_municipality"
        ),
        sa.ForeignKeyConstraint(
            ["municipality_code"],
            ["municipalities.code"],
            name="fk_staff_municipality_code_municipalities",
        ),
        sa.PrimaryKeyConstraint("id", name="pk_staff"),
        sa.UniqueConstraint("username", name="uq_staff_username"),
    )
    op.create_table(
        "sessions",
        sa.Column("token_hash", sa.String(64), nullable=False),
        sa.Column("staff_id", BigId, nullable=False),
        sa.Column("issued_at", Timestamp, nullable=False),
        sa.Column("expires_at", Timestamp, nullable=False),
        sa.Column("revoked_at", Timestamp, nullable=True),
        sa.ForeignKeyConstraint(["staff_id"], ["staff.id"], name="fk_sessions_staff_id_staff"),
        sa.PrimaryKeyConstraint("token_hash", name="pk_sessions"),
    )
    op.create_index("ix_sessions_staff_id", "sessions", ["staff_id"])
    op.create_table(
        "audit_log",
        sa.Column("id", BigId, autoincrement=True, nullable=False),
        sa.Column("at", Timestamp, nullable=False),
        sa.Column("actor", sa.String(80), nullable=False),
        sa.Column("action", sa.String(64), nullable=False),
        sa.Column("subject", sa.String(80), nullable=False),
        sa.Column("details", sa.JSON(), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_audit_log"),
    )
    op.create_index("ix_audit_log_subject_at", "audit_log", ["subject", "at"])
    op.create_index("ix_audit_log_at", "audit_log", ["at"])

    if op.get_bind().dialect.name == "postgresql":
        op.execute(_APPEND_ONLY_PG)
    else:
        for verb in ("UPDATE", "DELETE"):
            op.execute(
                f"CREATE TRIGGER audit_log_no_{verb.lower()} BEFORE {verb} ON audit_log "
                "BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END"
            )


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER audit_log_append_only ON audit_log")
        op.execute("DROP FUNCTION audit_log_append_only()")
    else:
        op.execute("DROP TRIGGER audit_log_no_update")
        op.execute("DROP TRIGGER audit_log_no_delete")
    op.drop_table("audit_log")
    op.drop_table("sessions")
    op.drop_table("staff")
    op.drop_table("resident_events")
    op.drop_table("residents")
    op.drop_table("municipalities")
