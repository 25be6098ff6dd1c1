"""Offices, their calendars, appointment slots and appointments.

Revision ID: 0019
Revises: 0015 (re-pointed at merge)
Create Date: 2026-11-30
"""

import sqlalchemy as sa
from alembic import op

revision = "0019"
down_revision = "0017"
branch_labels = None
depends_on = None

BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
Timestamp = sa.DateTime(timezone=True)
ACTIVE = "status IN ('booked', 'arrived', 'in_service')"


def upgrade() -> None:
    op.create_table(
        "offices",
        sa.Column("code", sa.String(8), nullable=False),
        sa.Column("municipality_code", sa.String(5), nullable=False),
        sa.Column("name", sa.String(60), nullable=False),
        sa.Column("postal_code", sa.String(7), nullable=False),
        sa.Column("address", sa.String(200), nullable=False),
        sa.Column("phone", sa.String(20), nullable=False),
        sa.Column("counters", sa.Integer(), nullable=False),
        sa.Column("per_counter", sa.Integer(), nullable=False),
        sa.Column("slot_minutes", sa.Integer(), nullable=False),
        sa.Column("rules", sa.JSON(), nullable=False),
        sa.Column("version", sa.Integer(), server_default="0", nullable=False),
        sa.Column("updated_at", Timestamp, nullable=False),
        sa.ForeignKeyConstraint(["municipality_code"], ["municipalities.code"],
                                name="fk_offices_municipality_code_municipalities"),
        sa.PrimaryKeyConstraint("code", name="pk_offices"),
    )
    op.create_index("ix_offices_municipality_code", "offices", ["municipality_code"])
    op.create_table(
        "office_days",
        sa.Column("office_code", sa.String(8), nullable=False),
        sa.Column("on", sa.Date(), nullable=False),
        sa.Column("windows", sa.JSON(), nullable=False),
        sa.Column("note", sa.String(200), server_default="", nullable=False),
        sa.ForeignKeyConstraint(["office_code"], ["offices.code"],
                                name="fk_office_days_office_code_offices"),
        sa.PrimaryKeyConstraint("office_code", "on", name="pk_office_days"),
    )
    op.create_table(
        "appointment_slots",
        sa.Column("office_code", sa.String(8), nullable=False),
        sa.Column("starts_at", Timestamp, nullable=False),
        sa.Column("taken", sa.Integer(), server_default="0", nullable=False),
        sa.CheckConstraint("taken >= 0", name="ck_appointment_slots_taken"),
        sa.PrimaryKeyConstraint("office_code", "starts_at", name="pk_appointment_slots"),
    )
    op.create_table(
        "appointments",
        sa.Column("id", BigId, autoincrement=True, nullable=False),
        sa.Column("reference", sa.String(10), nullable=False),
        sa.Column("office_code", sa.String(8), nullable=False),
        sa.Column("starts_at", Timestamp, nullable=False),
        sa.Column("purpose", sa.String(24), nullable=False),
        sa.Column("resident_id", BigId, nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("email", sa.String(254), nullable=True),
        sa.Column("arrived_at", Timestamp, nullable=True),
        sa.Column("started_at", Timestamp, nullable=True),
        sa.Column("ended_at", Timestamp, nullable=True),
        sa.Column("version", sa.Integer(), server_default="0", nullable=False),
        sa.Column("created_at", Timestamp, nullable=False),
        sa.Column("updated_at", Timestamp, nullable=False),
        sa.CheckConstraint("purpose IN ('pick_up', 'certificate_renewal', 'pin_unlock', "
                           "'loss', 'other')", name="ck_appointments_purpose"),
        sa.CheckConstraint("status IN ('booked', 'arrived', 'in_service', 'done', "
                           "'no_show', 'cancelled', 'office_closed')",
                           name="ck_appointments_status"),
        sa.ForeignKeyConstraint(["office_code"], ["offices.code"],
                                name="fk_appointments_office_code_offices"),
        sa.ForeignKeyConstraint(["resident_id"], ["residents.id"],
                                name="fk_appointments_resident_id_residents"),
        sa.PrimaryKeyConstraint("id", name="pk_appointments"),
        sa.UniqueConstraint("reference", name="uq_appointments_reference"),
    )
    op.create_index("ix_appointments_office_code_starts_at", "appointments",
                    ["office_code", "starts_at"])
    op.create_index("uq_appointments_active", "appointments", ["resident_id", "purpose"],
                    unique=True, sqlite_where=sa.text(ACTIVE), postgresql_where=sa.text(ACTIVE))


def downgrade() -> None:
    op.drop_table("appointments")
    op.drop_table("appointment_slots")
    op.drop_table("office_days")
    op.drop_table("offices")
