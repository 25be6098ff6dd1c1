"""Look-ups: folded search keys of residents (name, kana, address) and their indexes; the
review queue's indexes on applications (status, received_on, id) and (office_code,
status, received_on, id).

The keys are backfilled as domain/search_key.py computes them: on PostgreSQL in one
UPDATE with ``normalize(.., NFKC)`` and ``translate`` (tests/integration keeps the two
equal), on SQLite in Python, a batch of rows at a time.

Revision ID: 0013
Revises: 0006 (given; chained after 0009 on this branch so that it has one head:
re-point at merge)
Create Date: 2026-11-30
"""

import sqlalchemy as sa
from alembic import op

from mynumbercard.domain.search_key import (
    ADDRESS_KEY_LENGTH,
    HIRAGANA,
    KATAKANA,
    LOWER,
    NAME_KEY_LENGTH,
    UPPER,
    WHITESPACE,
    address_key,
    name_key,
)

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None

_KEYS = (("name_key", NAME_KEY_LENGTH), ("kana_key", NAME_KEY_LENGTH),
         ("address_key", ADDRESS_KEY_LENGTH))
_BATCH = 5_000

# domain/search_key.py in SQL: NFKC, then hiragana to katakana, A-Z to a-z, and the
# whitespace deleted (characters of :source past the end of :target); cut to length.
_BACKFILL_POSTGRESQL = """
UPDATE residents SET
  name_key = left(translate(normalize(family_name || given_name, NFKC), :source, :target),
                  120),
  kana_key = left(translate(normalize(family_name_kana || given_name_kana, NFKC), :source,
                            :target), 120),
  address_key = left(translate(normalize(address, NFKC), :source, :target), 200)
"""


def _key_type(length: int) -> sa.types.TypeEngine[str]:
    return sa.String(length).with_variant(sa.String(length, collation="C"), "postgresql")


def upgrade() -> None:
    with op.batch_alter_table("residents") as batch:
        for name, length in _KEYS:
            batch.add_column(sa.Column(name, _key_type(length), nullable=False,
                                       server_default=""))
    bind = op.get_bind()
    if bind.dialect.name == "postgresql":
        bind.execute(sa.text(_BACKFILL_POSTGRESQL),
                     {"source": HIRAGANA + UPPER + WHITESPACE, "target": KATAKANA + LOWER})
    else:
        _backfill_in_python(bind)
    op.create_index("ix_residents_municipality_code_birth_date_kana_key", "residents",
                    ["municipality_code", "birth_date", "kana_key"])
    op.create_index("ix_residents_postal_code_address_key", "residents",
                    ["postal_code", "address_key"])
    op.create_index("ix_applications_status_received_on_id", "applications",
                    ["status", "received_on", "id"])
    op.create_index("ix_applications_office_code_status_received_on_id", "applications",
                    ["office_code", "status", "received_on", "id"])


def _backfill_in_python(bind: sa.Connection) -> None:
    last = 0
    while True:
        rows = bind.execute(sa.text(
            "SELECT id, family_name, given_name, family_name_kana, given_name_kana, address "
            "FROM residents WHERE id > :last ORDER BY id LIMIT :batch"),
            {"last": last, "batch": _BATCH}).all()
        if not rows:
            return
        bind.execute(sa.text(
            "UPDATE residents SET name_key = :name, kana_key = :kana, address_key = :address "
            "WHERE id = :id"),
            [{"id": r.id, "name": name_key(r.family_name, r.given_name),
              "kana": name_key(r.family_name_kana, r.given_name_kana),
              "address": address_key(r.address)} for r in rows])
        last = rows[-1].id


def downgrade() -> None:
    op.drop_index("ix_applications_office_code_status_received_on_id",
                  table_name="applications")
    op.drop_index("ix_applications_status_received_on_id", table_name="applications")
    op.drop_index("ix_residents_postal_code_address_key", table_name="residents")
    op.drop_index("ix_residents_municipality_code_birth_date_kana_key", table_name="residents")
    # A plain DROP COLUMN (SQLite 3.35+), not a batch copy: copying `residents` fails on
    # SQLite while other tables' rows refer to it.
    for name, _ in reversed(_KEYS):
        op.drop_column("residents", name)
