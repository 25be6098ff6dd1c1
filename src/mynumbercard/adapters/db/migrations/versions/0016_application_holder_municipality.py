"""The holder's municipality on each application, for a municipality's review queue.

Before shipping an application belongs to its holder's municipality of today; the queue
of one municipality had to join the holders (PostgreSQL read every resident of the town
or the status's whole backlog: p95 588 ms over a 50,000 backlog on a 5 M register). The
column is a copy of ``residents.municipality_code``, kept in step by the residents'
repository whenever a resident's municipality changes; the index serves one status of
one municipality, oldest received first, keyset-paged by (received_on, id).

Revision ID: 0016
Revises: 0015
Create Date: 2026-11-30
"""

import sqlalchemy as sa
from alembic import op

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None

INDEX = "ix_applications_status_holder_municipality_code_received_on_id"

_BACKFILL_POSTGRESQL = """
UPDATE applications AS a SET holder_municipality_code = r.municipality_code
FROM residents AS r WHERE r.id = a.resident_id
"""
_BACKFILL_SQLITE = """
UPDATE applications SET holder_municipality_code = (
  SELECT municipality_code FROM residents WHERE residents.id = applications.resident_id)
"""


def upgrade() -> None:
    # ADD COLUMN, nullable: no table copy on either database (and never of residents).
    op.add_column("applications", sa.Column("holder_municipality_code", sa.String(5),
                                            nullable=True))
    bind = op.get_bind()
    postgres = bind.dialect.name == "postgresql"
    bind.execute(sa.text(_BACKFILL_POSTGRESQL if postgres else _BACKFILL_SQLITE))
    op.create_index(INDEX, "applications",
                    ["status", "holder_municipality_code", "received_on", "id"])


def downgrade() -> None:
    op.drop_index(INDEX, table_name="applications")
    op.drop_column("applications", "holder_municipality_code")
