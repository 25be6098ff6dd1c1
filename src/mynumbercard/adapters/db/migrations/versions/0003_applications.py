"""Applications with their forms and events, production runs, shipments; card statuses
for cards made but not yet handed over.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-25
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
Timestamp = sa.DateTime(timezone=True)

OLD_CARD_STATUSES = "status IN ('active', 'lost', 'returned', 'invalidated')"
NEW_CARD_STATUSES = (
    "status IN ('produced', 'destroyed', 'active', 'lost', 'returned', 'invalidated')")


OLD_ROLES = "role IN ('clerk', 'operator', 'auditor', 'admin')"
NEW_ROLES = "role IN ('clerk', 'operator', 'auditor', 'admin', 'booth')"


def _check(table: str, name: str, condition: str) -> None:
    with op.batch_alter_table(table) as batch:
        batch.drop_constraint(name, type_="check")
        batch.create_check_constraint(name, condition)


def upgrade() -> None:
    _check("cards", "ck_cards_status", NEW_CARD_STATUSES)
    _check("staff", "ck_staff_role", NEW_ROLES)
    op.create_table(
        "application_forms",
        sa.Column("application_id", sa.String(23), nullable=False),
        sa.Column("resident_id", BigId, nullable=False),
        sa.Column("reason", sa.String(16), nullable=False),
        sa.Column("issued_at", Timestamp, nullable=False),
        sa.Column("dead_at", Timestamp, nullable=True),
        sa.CheckConstraint("reason IN ('first', 'moved', 'lost', 'renewal', 'reissue')",
                           name="ck_application_forms_reason"),
        sa.ForeignKeyConstraint(["resident_id"], ["residents.id"],
                                name="fk_application_forms_resident_id_residents"),
        sa.PrimaryKeyConstraint("application_id", name="pk_application_forms"),
    )
    op.create_index("ix_application_forms_resident_id", "application_forms", ["resident_id"])
    op.create_index("uq_application_forms_live", "application_forms", ["resident_id"],
                    unique=True, sqlite_where=sa.text("dead_at IS NULL"),
                    postgresql_where=sa.text("dead_at IS NULL"))
    op.create_table(
        "production_runs",
        sa.Column("id", BigId, autoincrement=True, nullable=False),
        sa.Column("produced_on", sa.Date(), nullable=False),
        sa.Column("cards", sa.Integer(), nullable=False),
        sa.Column("created_at", Timestamp, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_production_runs"),
    )
    op.create_table(
        "shipments",
        sa.Column("id", BigId, autoincrement=True, nullable=False),
        sa.Column("municipality_code", sa.String(5), nullable=False),
        sa.Column("cards", sa.Integer(), nullable=False),
        sa.Column("shipped_at", Timestamp, nullable=False),
        sa.Column("received_at", Timestamp, nullable=True),
        sa.Column("received_by", sa.String(80), nullable=True),
        sa.ForeignKeyConstraint(["municipality_code"], ["municipalities.code"],
                                name="fk_shipments_municipality_code_municipalities"),
        sa.PrimaryKeyConstraint("id", name="pk_shipments"),
    )
    op.create_index("ix_shipments_municipality_code_received_at", "shipments",
                    ["municipality_code", "received_at"])
    op.create_table(
        "applications",
        sa.Column("id", BigId, autoincrement=True, nullable=False),
        sa.Column("application_id", sa.String(23), nullable=False),
        sa.Column("resident_id", BigId, nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("channel", sa.String(16), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("received_on", sa.Date(), nullable=False),
        sa.Column("submissions", sa.Integer(), nullable=False),
        sa.Column("want_signature_certificate", sa.Boolean(), nullable=False),
        sa.Column("want_auth_certificate", sa.Boolean(), nullable=False),
        sa.Column("photo_digest", sa.String(64), nullable=False),
        sa.Column("photo_findings", sa.JSON(), nullable=True),
        sa.Column("deficiency_reason", sa.String(24), nullable=True),
        sa.Column("deficiency_message", sa.String(400), nullable=True),
        sa.Column("card_id", BigId, nullable=True),
        sa.Column("production_run_id", BigId, nullable=True),
        sa.Column("shipment_id", BigId, nullable=True),
        sa.Column("office_code", sa.String(5), nullable=True),
        sa.Column("pick_up_deadline", sa.Date(), nullable=True),
        sa.Column("pin_form_number", sa.String(10), nullable=True),
        sa.Column("notice_printed_at", Timestamp, nullable=True),
        sa.Column("reminder_printed_at", Timestamp, nullable=True),
        sa.Column("arrived_on", sa.Date(), nullable=True),
        sa.Column("void_reason", sa.String(20), nullable=True),
        sa.Column("version", sa.Integer(), server_default="0", nullable=False),
        sa.Column("created_at", Timestamp, nullable=False),
        sa.Column("updated_at", Timestamp, nullable=False),
        sa.CheckConstraint("channel IN ('mail', 'pc', 'smartphone', 'photo_booth')",
                           name="ck_applications_channel"),
        sa.CheckConstraint("kind IN ('first', 'renewal', 'reissue')",
                           name="ck_applications_kind"),
        sa.CheckConstraint(
            "status IN ('received', 'in_review', 'deficient', 'approved', 'in_production', "
            "'shipped', 'ready_for_pick_up', 'handed_over', 'voided')",
            name="ck_applications_status"),
        sa.ForeignKeyConstraint(["application_id"], ["application_forms.application_id"],
                                name="fk_applications_application_id_application_forms"),
        sa.ForeignKeyConstraint(["resident_id"], ["residents.id"],
                                name="fk_applications_resident_id_residents"),
        sa.ForeignKeyConstraint(["card_id"], ["cards.id"], name="fk_applications_card_id_cards"),
        sa.ForeignKeyConstraint(["production_run_id"], ["production_runs.id"],
                                name="fk_applications_production_run_id_production_runs"),
        sa.ForeignKeyConstraint(["shipment_id"], ["shipments.id"],
                                name="fk_applications_shipment_id_shipments"),
        sa.ForeignKeyConstraint(["office_code"], ["municipalities.code"],
                                name="fk_applications_office_code_municipalities"),
        sa.PrimaryKeyConstraint("id", name="pk_applications"),
        sa.UniqueConstraint("application_id", name="uq_applications_application_id"),
        sa.UniqueConstraint("card_id", name="uq_applications_card_id"),
    )
    op.create_index("ix_applications_resident_id", "applications", ["resident_id"])
    op.create_index("ix_applications_shipment_id", "applications", ["shipment_id"])
    op.create_index("ix_applications_status_id", "applications", ["status", "id"])
    op.create_index("ix_applications_office_code_status", "applications",
                    ["office_code", "status"])
    op.create_table(
        "application_events",
        sa.Column("id", BigId, autoincrement=True, nullable=False),
        sa.Column("application_ref", BigId, nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("from_status", sa.String(20), nullable=True),
        sa.Column("to_status", sa.String(20), nullable=False),
        sa.Column("details", sa.JSON(), nullable=True),
        sa.Column("actor", sa.String(80), nullable=False),
        sa.Column("at", Timestamp, nullable=False),
        sa.ForeignKeyConstraint(["application_ref"], ["applications.id"],
                                name="fk_application_events_application_ref_applications"),
        sa.PrimaryKeyConstraint("id", name="pk_application_events"),
    )
    op.create_index("ix_application_events_application_ref", "application_events",
                    ["application_ref"])


def downgrade() -> None:
    op.drop_table("application_events")
    op.drop_table("applications")
    op.drop_table("shipments")
    op.drop_table("production_runs")
    op.drop_table("application_forms")
    op.execute("DELETE FROM cards WHERE status IN ('produced', 'destroyed')")
    op.execute("UPDATE staff SET active = false WHERE role = 'booth'")
    op.execute("UPDATE staff SET role = 'operator' WHERE role = 'booth'")
    _check("staff", "ck_staff_role", OLD_ROLES)
    _check("cards", "ck_cards_status", OLD_CARD_STATUSES)
