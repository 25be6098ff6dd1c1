"""Service accounts: a staff row with scopes and the hash of a long-lived credential
(cron jobs act under it); never the credential itself.

Revision ID: 0012
Revises: 0009 (given as 0006; chained after main's head, re-pointed at merge)
Create Date: 2026-11-30
"""

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("staff") as batch:
        # Space-separated command groups (jobs, mail ...); NULL for a person.
        batch.add_column(sa.Column("scopes", sa.String(200), nullable=True))
        # SHA-256 of the service credential; NULL for a person.
        batch.add_column(sa.Column("credential_hash", sa.String(64), nullable=True))
        batch.create_unique_constraint("uq_staff_credential_hash", ["credential_hash"])
        batch.create_check_constraint(
            "ck_staff_service_scopes", "(scopes IS NULL) = (credential_hash IS NULL)")


def downgrade() -> None:
    with op.batch_alter_table("staff") as batch:
        batch.drop_constraint("ck_staff_service_scopes", type_="check")
        batch.drop_constraint("uq_staff_credential_hash", type_="unique")
        batch.drop_column("credential_hash")
        batch.drop_column("scopes")
